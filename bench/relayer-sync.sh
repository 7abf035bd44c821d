#!/usr/bin/env bash
# Relayer sync rate from btcd regtest, end to end, for HEMI_BENCH_HEADERS headers (default 5000),
# with the rate of fetching the same headers over btcd's RPC alone as the baseline of the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
e2e_bench TestRelayerSyncRate 'RESULT|mined' 'RESULT headers='
