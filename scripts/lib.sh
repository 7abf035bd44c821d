# Shared shell functions for the devnet and localnet scripts. Source it; do not run it.
# Every node listens on 127.0.0.1 only. Ports of node i: base + 10*i + offset, offsets below.

HEMID=${HEMID:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/hemid}
KEYRING=(--keyring-backend test)
DENOM=ahemi
# 1 hemi in ahemi.
HEMI=000000000000000000

# set_toml FILE SECTION KEY VALUE: set KEY inside [SECTION] ("" = top level) of a TOML file.
# VALUE is written as given, so quote strings yourself: '"127.0.0.1:1317"'.
set_toml() {
  local file=$1 section=$2 key=$3 value=$4 tmp
  tmp=$(mktemp)
  awk -v section="$section" -v key="$key" -v value="$value" '
    BEGIN { current = ""; done = 0 }
    /^\[.*\]$/ { current = substr($0, 2, length($0) - 2) }
    current == section && !done && $0 ~ "^" key "[ ]*=" { print key " = " value; done = 1; next }
    { print }
    END { if (!done) exit 3 }
  ' "$file" >"$tmp" || { rm -f "$tmp"; echo "set_toml: no key $key in [$section] of $file" >&2; return 1; }
  mv "$tmp" "$file"
}

# port BASE NODE OFFSET
port() { echo $(($1 + 10 * $2 + $3)); }
P2P=0 RPC=1 API=2 GRPC=3 JSONRPC=4 JSONRPC_WS=5 PPROF=6 GETH_METRICS=7 EVM_METRICS=8

# configure_node HOME BASE NODE BLOCK_TIME: loopback ports, app-side mempool, block time.
configure_node() {
  local home=$1 base=$2 i=$3 block_time=$4
  local cfg=$home/config/config.toml app=$home/config/app.toml
  set_toml "$cfg" "" proxy_app "\"tcp://127.0.0.1:$(port "$base" "$i" 9)\""
  set_toml "$cfg" rpc laddr "\"tcp://127.0.0.1:$(port "$base" "$i" $RPC)\""
  set_toml "$cfg" rpc pprof_laddr "\"127.0.0.1:$(port "$base" "$i" $PPROF)\""
  set_toml "$cfg" p2p laddr "\"tcp://127.0.0.1:$(port "$base" "$i" $P2P)\""
  set_toml "$cfg" p2p allow_duplicate_ip true
  set_toml "$cfg" p2p addr_book_strict false
  set_toml "$cfg" mempool type '"app"'
  set_toml "$cfg" consensus timeout_commit "\"$block_time\""
  set_toml "$app" "" minimum-gas-prices "\"0$DENOM\""
  set_toml "$app" api enable true
  set_toml "$app" api address "\"tcp://127.0.0.1:$(port "$base" "$i" $API)\""
  set_toml "$app" grpc address "\"127.0.0.1:$(port "$base" "$i" $GRPC)\""
  set_toml "$app" grpc-web enable false
  set_toml "$app" json-rpc enable true
  set_toml "$app" json-rpc address "\"127.0.0.1:$(port "$base" "$i" $JSONRPC)\""
  set_toml "$app" json-rpc ws-address "\"127.0.0.1:$(port "$base" "$i" $JSONRPC_WS)\""
  set_toml "$app" json-rpc metrics-address "\"127.0.0.1:$(port "$base" "$i" $EVM_METRICS)\""
  set_toml "$app" json-rpc api '"eth,net,web3,txpool"'
  set_toml "$app" evm geth-metrics-address "\"127.0.0.1:$(port "$base" "$i" $GETH_METRICS)\""
}

# bitcoin_rpc HOME RPC_ADDRESS USER PASSWORD_FILE [POLL_INTERVAL]: point app.toml's [bitcoin] at a
# Bitcoin node's JSON-RPC. The password stays in its file.
bitcoin_rpc() {
  local app=$1/config/app.toml
  set_toml "$app" bitcoin rpc-address "\"$2\""
  set_toml "$app" bitcoin rpc-user "\"$3\""
  set_toml "$app" bitcoin rpc-password-file "\"$4\""
  set_toml "$app" bitcoin poll-interval "\"${5:-1s}\""
}

# enable_watcher HOME RPC_ADDRESS USER PASSWORD_FILE [POLL_INTERVAL]: turn on the node's Bitcoin
# watcher (app.toml's [bitcoin]), pointed at a Bitcoin node's JSON-RPC.
enable_watcher() {
  bitcoin_rpc "$@"
  set_toml "$1/config/app.toml" bitcoin enable true
}

# enable_guard HOME RPC_ADDRESS USER PASSWORD_FILE FROM_HEIGHT [POLL_INTERVAL]: turn on the node
# guard, scanning the Bitcoin node from FROM_HEIGHT.
enable_guard() {
  bitcoin_rpc "$1" "$2" "$3" "$4" "${6:-1s}"
  set_toml "$1/config/app.toml" bitcoin guard true
  set_toml "$1/config/app.toml" bitcoin guard-from-height "$5"
}

# add_key HOME NAME: creates an eth_secp256k1 key and prints its mnemonic to stdout as JSON.
add_key() {
  "$HEMID" keys add "$2" --home "$1" "${KEYRING[@]}" --output json
}

# key_address HOME NAME [bech|0x]
key_address() {
  local addr
  addr=$("$HEMID" keys show "$2" -a --home "$1" "${KEYRING[@]}")
  if [ "${3:-bech}" = 0x ]; then "$HEMID" debug addr "$addr" | awk '/^Address hex:/ {print $NF}'; else echo "$addr"; fi
}

# json_field NAME: the value of JSON field NAME (a string or a number) in the one-line JSON on
# stdin; the last one if NAME occurs more than once. Prints nothing (and succeeds) when it is absent.
json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }

# rpc_get URL: the body at URL, or nothing when the server is down or still starting. Never fails,
# so that `x=$(rpc_get … | json_field …)` can poll a node under `set -euo pipefail`: a failing
# command inside a substitution would otherwise end the script (and leave its nodes running).
rpc_get() { curl -s --max-time 5 "$1" || true; }

# node_height RPC_URL: the node's latest block height, or nothing while it does not answer.
node_height() { rpc_get "$1/status" | json_field latest_block_height; }

# wait_for_height RPC_URL HEIGHT TIMEOUT_SECONDS
wait_for_height() {
  local url=$1 want=$2 deadline=$((SECONDS + $3)) h
  while [ $SECONDS -lt $deadline ]; do
    h=$(node_height "$url")
    if [ -n "$h" ] && [ "$h" -ge "$want" ]; then return 0; fi
    sleep 0.5
  done
  echo "no block $want from $url after $3 s" >&2
  return 1
}

# chain_info HOME FIELD: a field of `hemid debug chain-info` for the genesis in HOME (evm_chain_id,
# superfinality_depth, keystone_interval, bitcoin_network, gas_price, chain_id). The node's own
# code derives these; scripts do not repeat the rules.
chain_info() {
  "$HEMID" debug chain-info --home "$1" | json_field "$2"
}
