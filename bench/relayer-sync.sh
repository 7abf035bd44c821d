#!/usr/bin/env bash
# Catch-up rate of x/btclc from btcd regtest, end to end, for HEMI_BENCH_HEADERS headers (default
# 20,000): the relayer reading one header per RPC call (the baseline), the relayer reading them in
# batches, and the node's own watcher injecting them, each on a fresh network in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
e2e_bench TestRelayerSyncRate 'RESULT|mined' 'RESULT headers='
