#!/usr/bin/env bash
# x/pop costs, in one run: MsgSubmitPoPProof for a real-size proof (11 merkle siblings) against a
# bank send through x/bank's Msg service on the same kind of store (gas and time), and EndBlock's
# finality bookkeeping with 10, 100 and 1000 non-final keystones.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCH_COUNT:-5}
out=$(go test -run '^$' -bench 'BenchmarkSubmitPoPProof|BenchmarkEndBlockFinality' -count "$count" ./x/pop/keeper/)
echo "$out" | grep '^Benchmark'
median() { echo "$out" | awk -v b="$1" '$1 ~ b {print $3}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gas() { echo "$out" | awk -v b="$1" '$1 ~ b {for (i = 1; i < NF; i++) if ($(i+1) == "gas/op") print $i}' | head -1; }
proof=$(median 'SubmitPoPProof/msgserver-') send=$(median 'SubmitPoPProof/banksend-')
awk -v p="$proof" -v s="$send" -v pg="$(gas 'SubmitPoPProof/msgserver-')" -v sg="$(gas 'SubmitPoPProof/banksend-')" 'BEGIN {
  printf "\nMsgSubmitPoPProof: %.0f µs, %d gas;  bank send: %.0f µs, %d gas;  ratio: %.1fx time, %.1fx gas\n", p/1000, pg, s/1000, sg, p/s, pg/sg
}'
