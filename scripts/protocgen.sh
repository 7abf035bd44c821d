#!/usr/bin/env bash
# Generates Go code for every proto/hemi/<module>/v1 package with protoc and local include paths:
# the .proto files that ship inside the Go modules in the module cache. No schema registry needed.
# Needs protoc (Debian: protobuf-compiler); installs the two Go plugins into build/tools.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
tools=$PWD/build/tools
mkdir -p "$tools"
export PATH=$tools:$PATH
[ -x "$tools/protoc-gen-gocosmos" ] || GOBIN=$tools go install github.com/cosmos/gogoproto/protoc-gen-gocosmos@v1.7.2
[ -x "$tools/protoc-gen-grpc-gateway" ] || GOBIN=$tools go install github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@v1.16.0

moddir() { go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
sdk=$(moddir github.com/cosmos/cosmos-sdk@v0.54.4)
cosmos_proto=$(moddir github.com/cosmos/cosmos-proto@v1.0.0-beta.5)
gogoproto=$(moddir github.com/cosmos/gogoproto@v1.7.2)
gateway=$(moddir github.com/grpc-ecosystem/grpc-gateway@v1.16.0)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dirs=$(find proto -name '*.proto' -exec dirname {} \; 2>/dev/null | sort -u || true)  # no proto/: nothing to do
[ -n "$dirs" ] || { echo "no .proto files under proto/"; exit 0; }
for dir in $dirs; do
  protoc -I proto -I "$sdk/proto" -I "$cosmos_proto/proto" -I "$gogoproto" -I "$gateway/third_party/googleapis" \
    --gocosmos_out=plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:"$out" \
    --grpc-gateway_out=logtostderr=true,allow_colon_final_segments=true:"$out" \
    "$dir"/*.proto
  echo "generated $dir"
done
# Output lands under $out/<go_package path>; copy it into this module.
cp -r "$out"/github.com/hemi-appchain/hemi/* ./
