# hemid — build, run and test. `make demo` and `make test` are the two commands that matter.
SHELL := /bin/bash
BUILD_DIR := $(CURDIR)/build
# HEMID=/path/to/hemid runs the demo and the localnet on that binary (and the btcd and btcctl
# beside it) instead of building build/hemid first.
HEMID ?= $(BUILD_DIR)/hemid
OWN_BUILD := $(filter $(BUILD_DIR)/hemid,$(HEMID))
GO_TEST_TIMEOUT ?= 45m

# btcd at the version go.mod requires (the one testutil/btcdtest builds too). It is built with
# `go install pkg@version`, with btcd's own dependencies: it does not compile against the newer
# btcec/v2 that hemid requires, so it cannot be a tool of this module.
BTCD_VERSION := $(shell go list -m -f "{{.Version}}" github.com/btcsuite/btcd)
# -s -w: no symbol table and no DWARF. hemid is 156 MB instead of 218 MB and links in about half
# the time; stack traces and pprof still work (they use the Go runtime's own tables). LDFLAGS=
# keeps DWARF for a debugger. Link flags do not change compiled packages, so `go test` and the
# e2e tests share the build cache with `make build`.
LDFLAGS ?= -s -w
# When the link drops DWARF (-w), the compiler need not write it: -dwarf=false takes 12 % off a cold
# build's compile. Exported, so that `make test`, `make bench` and btcd's build compile with the
# same flags and share the build cache with `make build`.
ifneq ($(filter -w,$(LDFLAGS)),)
export GOFLAGS := $(strip $(GOFLAGS) -gcflags=all=-dwarf=false)
endif

.PHONY: all build hemid btcd demo test test-short localnet localnet-stop localnet-status proto-gen proto-check lint contracts bench bench-short clean

all: build

## build: hemid, and at the same time btcd with btcctl (the demo, the tests and the benchmarks need both).
build:
	@$(MAKE) --no-print-directory -j2 hemid btcd

## hemid: the node, its CLI and the daemons (`hemid relayer`, `hemid popminer`): one binary, one link.
hemid:
	@mkdir -p $(BUILD_DIR)
	go build -ldflags='$(LDFLAGS)' -o $(BUILD_DIR)/hemid ./cmd/hemid

## btcd: the Bitcoin full node and its CLI used by the demo and the tests (regtest). Built at the
## lowest priority: beside hemid's build it takes the CPU hemid's leaves idle (its link is one
## thread), and the standard packages both need are then compiled once, by hemid, not twice.
btcd: $(BUILD_DIR)/btcd

$(BUILD_DIR)/btcd:
	@mkdir -p $(BUILD_DIR)
	GOBIN=$(BUILD_DIR) nice -n 19 go install -ldflags='$(LDFLAGS)' github.com/btcsuite/btcd@$(BTCD_VERSION) github.com/btcsuite/btcd/cmd/btcctl@$(BTCD_VERSION)

## demo: btcd regtest + a single-validator hemid devnet + the relayer (Ctrl-C stops them).
demo: $(if $(OWN_BUILD),build)
	HEMID=$(HEMID) scripts/devnet.sh

## test: every test, including the process-level ones against real hemid nodes.
test: build
	HEMI_BIN_DIR=$(BUILD_DIR) BTCD_BIN=$(BUILD_DIR)/btcd go test -timeout $(GO_TEST_TIMEOUT) ./...

## test-short: unit tests only (no processes).
test-short:
	go test -short ./...

localnet: $(if $(OWN_BUILD),hemid btcd)
	HEMID=$(HEMID) scripts/localnet.sh start

localnet-stop:
	HEMID=$(HEMID) scripts/localnet.sh stop

localnet-status:
	HEMID=$(HEMID) scripts/localnet.sh status

proto-gen:
	scripts/protocgen.sh

## proto-check: regenerating the protobuf code must leave no diff.
proto-check: proto-gen
	@git diff --exit-code -- '*.pb.go' '*.pb.gw.go' || { echo "generated protobuf code is stale: run 'make proto-gen' and commit" >&2; exit 1; }
	@test -z "$$(git status --porcelain -- '*.pb.go' '*.pb.gw.go')" || { echo "untracked generated protobuf files: run 'make proto-gen' and commit" >&2; exit 1; }

## lint: gofmt, go vet and go mod tidy must leave no diff.
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$' | grep -v '\.pb\.gw\.go$$'))" || { gofmt -l . ; echo "gofmt would change the files above" >&2; exit 1; }
	go vet ./...
	go mod tidy && git diff --exit-code go.mod go.sum

## bench: benchmarks that report ratios against a baseline measured in the same run.
bench: build
	bench/btclc.sh
	bench/pop.sh
	bench/relayer-sync.sh
	bench/hvm.sh
	bench/proposal.sh
	bench/tunnel.sh
	bench/evm.sh

## bench-short: every benchmark script with one short run of each benchmark, 500 headers to sync,
## EndBlock backlogs up to 1000 and one round of 200 EVM txs from 20 senders: checks that each still runs and prints its ratios
## (the figures mean little). .ci/run runs it.
bench-short:
	BENCH_COUNT=1 BENCH_TIME=1x HEMI_BENCH_HEADERS=500 HEMI_BENCH_BACKLOG_MAX=1000 HEMI_BENCH_EVM_TXS=200 HEMI_BENCH_EVM_SENDERS=20 \
		HEMI_BENCH_EVM_ROUNDS=1 $(MAKE) --no-print-directory bench

contracts:
	contracts/build.sh

clean:
	rm -rf $(BUILD_DIR)
