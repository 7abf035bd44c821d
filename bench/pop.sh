#!/usr/bin/env bash
# x/pop costs, in one run: MsgSubmitPoPProof for a real-size proof (11 merkle siblings) against a
# bank send through x/bank's Msg service on the same kind of store (gas and time), and EndBlock's
# finality bookkeeping with 10, 100 and 1000 non-final keystones.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkSubmitPoPProof|BenchmarkEndBlockFinality' ./x/pop/keeper/
proof=$(median 'SubmitPoPProof/msgserver-') send=$(median 'SubmitPoPProof/banksend-')
proof_gas=$(median 'SubmitPoPProof/msgserver-' gas/op) send_gas=$(median 'SubmitPoPProof/banksend-' gas/op)
endblock=$(median 'EndBlockFinality/.*n=1000-')
need proof send proof_gas send_gas endblock
awk -v p="$proof" -v s="$send" -v pg="$proof_gas" -v sg="$send_gas" 'BEGIN {
  printf "\nMsgSubmitPoPProof: %.0f µs, %d gas;  bank send: %.0f µs, %d gas;  ratio: %.1fx time, %.1fx gas\n", p/1000, pg, s/1000, sg, p/s, pg/sg
}'
