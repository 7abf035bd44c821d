#!/usr/bin/env bash
# Catch-up rate of x/btclc from btcd regtest, end to end, for HEMI_BENCH_HEADERS headers (default
# 20,000): the relayer reading one header per RPC call (the baseline), the relayer reading them in
# batches, and the node's own watcher injecting them, each on a fresh network in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
make build >/dev/null
res=$(HEMI_BENCH=1 HEMI_BIN_DIR=$PWD/build BTCD_BIN=$PWD/build/btcd \
  go test ./tests/e2e -run '^TestRelayerSyncRate$' -count=1 -v -timeout 30m 2>&1) ||
  { echo "$res" >&2; echo "$0: TestRelayerSyncRate failed" >&2; exit 1; }
grep -E 'RESULT|mined' <<<"$res" || true
grep -q 'RESULT headers=' <<<"$res" || { echo "$res" >&2; echo "$0: TestRelayerSyncRate reported no RESULT" >&2; exit 1; }
