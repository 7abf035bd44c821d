#!/usr/bin/env bash
# EVM throughput of a fresh single hemid node (1 s timeout_commit, app-side mempool, 100M block
# gas) under a JSON-RPC load from many senders with managed nonces (tests/e2e TestEVMThroughput):
# included tx/s, median and p95 block interval, node CPU seconds and peak RSS, for native and
# ERC-20 transfers, with block-executor = "block-stm" against "sequential", and with the Bitcoin
# side busy (btcd mining a block a second, the relayer and the popminer running, one tx in ten
# calling IBitcoin's tip()) against idle, alternating in one run; then the ratios of each round and
# their medians. HEMI_BENCH_EVM_TXS (default 8000), HEMI_BENCH_EVM_SENDERS (200) and
# HEMI_BENCH_EVM_ROUNDS (2) size the load; the machine's load average is printed with the figures,
# as other processes on the machine take CPU from the node and the load generator alike.
# HEMI_BENCH_EVM_PROFILE=DIR also takes a CPU profile of the node over the first
# HEMI_BENCH_EVM_PROFILE_SECONDS (10) of each run's load into DIR/<round>-<run>.pprof, through
# CometBFT's pprof server (`go tool pprof -top -focus FinalizeBlock build/hemid DIR/…` keeps what
# the blocks cost; profiling takes a few percent from the figures it runs beside).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
e2e_bench TestEVMThroughput 'load: |RESULT|RATIO|load average at end' 'RATIO median'
