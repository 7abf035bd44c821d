#!/usr/bin/env bash
# Relayer sync rate from btcd regtest, end to end, for HEMI_BENCH_HEADERS headers (default 5000),
# with the rate of fetching the same headers over btcd's RPC alone as the baseline of the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
make build >/dev/null
res=$(HEMI_BENCH=1 HEMI_BIN_DIR=$PWD/build BTCD_BIN=$PWD/build/btcd \
  go test ./tests/e2e -run '^TestRelayerSyncRate$' -count=1 -v -timeout 30m 2>&1) ||
  { echo "$res" >&2; echo "$0: TestRelayerSyncRate failed" >&2; exit 1; }
grep -E 'RESULT|mined' <<<"$res" || true
grep -q 'RESULT headers=' <<<"$res" || { echo "$res" >&2; echo "$0: TestRelayerSyncRate reported no RESULT" >&2; exit 1; }
