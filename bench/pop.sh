#!/usr/bin/env bash
# x/pop costs, in one run: MsgSubmitPoPProof for a real-size proof (11 merkle siblings) against a
# bank send through x/bank's Msg service on the same kind of store (gas and time), and EndBlock's
# finality bookkeeping with 10, 100, 1000 and 10,000 non-final keystones (advance: the tip moved,
# nothing finalizes; finalize: all of them become superfinal at once; reorg: a Bitcoin reorg drops
# every publication), each as a ratio to the same case at 10 (HEMI_BENCH_BACKLOG_MAX, if set, is
# the largest backlog measured; `make bench-short` stops at 1000); and a PNG of EndBlock's cost per
# block against the backlog, written to $BENCH_PLOT_DIR (default build/bench)/endblock-backlog.png;
# and the state 1,000 keystones leave for good (each published once, superfinal and paid), by
# collection, against the bytes of the keystone and publication records themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkSubmitPoPProof|BenchmarkEndBlockFinality|BenchmarkStateGrowth' ./x/pop/keeper/
proof=$(median 'SubmitPoPProof/msgserver-') send=$(median 'SubmitPoPProof/banksend-')
proof_gas=$(median 'SubmitPoPProof/msgserver-' gas/op) send_gas=$(median 'SubmitPoPProof/banksend-' gas/op)
backlog_sizes
endblock=$(median "EndBlockFinality/.*n=${sizes[-1]}-")
need proof send proof_gas send_gas endblock
awk -v p="$proof" -v s="$send" -v pg="$proof_gas" -v sg="$send_gas" 'BEGIN {
  printf "\nMsgSubmitPoPProof: %.0f µs, %d gas;  bank send: %.0f µs, %d gas;  ratio: %.1fx time, %.1fx gas\n", p/1000, pg, s/1000, sg, p/s, pg/sg
}'

growth=$(median 'StateGrowth-' B/keystone) records=$(median 'StateGrowth-' record-B/keystone)
entries=$(median 'StateGrowth-' entries/keystone)
need growth records entries
awk -v g="$growth" -v r="$records" -v e="$entries" 'BEGIN {
  printf "\nx/pop state per 1,000 keystones (each published once, superfinal, paid): %.1f kB in %.0f entries, %.2fx the records themselves (%.1f kB of encoded Keystone and Publication)\n", g, e*1000, g/r, r
}'
for c in keystones publications by_keystone by_btc_height by_payee anchors effective_anchors owed_rewards; do
  per_keystone=$(median 'StateGrowth-' "$c-B/keystone")
  need per_keystone
  printf '  %-18s %8.1f kB\n' "$c" "$per_keystone"
done

points=""
backlog_table "EndBlock (x/btclc's, then x/pop's) with n non-final keystones" EndBlockFinality advance finalize reorg
plot=${BENCH_PLOT_DIR:-build/bench}/endblock-backlog.png
mkdir -p "$(dirname "$plot")"
go run ./bench/plot -o "$plot" -x "non-final keystones (n)" -y "ns per block" \
  -title "x/pop and x/btclc endblock: cost per block against backlog" <<<"$points"
echo "plot: $plot"
