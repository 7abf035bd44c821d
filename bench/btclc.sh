#!/usr/bin/env bash
# Header-insertion cost of x/btclc on the 2016 real mainnet headers 822528–824543, in one run:
#   floor      double-SHA256 of the same 2016×80 bytes (the least any validator must do)
#   core       bitcoin.ConnectHeaders-style validation alone (bitcoin/)
#   msg server MsgInsertHeaders through x/btclc's msg server into a block's cache of an IAVL store
#              (x/btclc's benchmark also reports the same written through and committed)
# and the ratios between them, plus gas per header.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${BENCH_COUNT:-5}
out=$(go test -run '^$' -bench 'BenchmarkValidateMainnet2016|BenchmarkDoubleSHA256Floor' -count "$count" ./bitcoin/
      go test -run '^$' -bench 'BenchmarkMsgServerInsert2016' -count "$count" ./x/btclc/keeper/)
echo "$out" | grep '^Benchmark'
# median ns/op of a benchmark
median() { echo "$out" | awk -v b="$1" '$1 ~ b {print $3}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
floor=$(median 'DoubleSHA256Floor') core=$(median 'ValidateMainnet2016') msg=$(median 'MsgServerInsert2016/msgserver-')
gas=$(echo "$out" | awk '/MsgServerInsert2016\/msgserver-/ {for (i = 1; i < NF; i++) if ($(i+1) == "gas/header") print $i}' | head -1)
awk -v f="$floor" -v c="$core" -v m="$msg" -v g="$gas" 'BEGIN {
  printf "\nper header:  floor %.0f ns   core %.0f ns   msg server %.0f ns   (%.0f headers/s through the msg server)\n", f/2016, c/2016, m/2016, 2016e9/m
  printf "ratios:      core/floor %.1fx   msg server/core %.1fx   msg server/floor %.1fx\n", c/f, m/c, m/f
  if (g != "") printf "gas:         %s per header\n", g
}'
