#!/usr/bin/env bash
# x/tunnel costs, in one run: MsgProveDeposit for a real-size deposit proof (a signed P2WPKH
# deposit, 11 merkle siblings) against a bank send through x/bank's Msg service on the same kind
# of store (gas and time); and x/tunnel's EndBlock with 10, 100, 1000 and 10,000 pending deposits
# (wait: none due; mint: all due, 200 minted a block; sweep: a reorg's sweep checks 1,000 a block),
# each as a ratio to the same case at 10 (HEMI_BENCH_BACKLOG_MAX, if set, is the largest backlog).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkProveDeposit|BenchmarkEndBlockDeposits' ./x/tunnel/keeper/
proof=$(median 'ProveDeposit/msgserver-') send=$(median 'ProveDeposit/banksend-')
proof_gas=$(median 'ProveDeposit/msgserver-' gas/op) send_gas=$(median 'ProveDeposit/banksend-' gas/op)
need proof send proof_gas send_gas
awk -v p="$proof" -v s="$send" -v pg="$proof_gas" -v sg="$send_gas" 'BEGIN {
  printf "\nMsgProveDeposit: %.0f µs, %d gas;  bank send: %.0f µs, %d gas;  ratio: %.1fx time, %.1fx gas\n", p/1000, pg, s/1000, sg, p/s, pg/sg
}'

backlog_sizes
backlog_table "x/tunnel EndBlock with n pending deposits" EndBlockDeposits wait mint sweep
