#!/usr/bin/env bash
# Header-insertion cost of x/btclc on the 2016 real mainnet headers 822528–824543, in one run:
#   floor      double-SHA256 of the same 2016×80 bytes (the least any validator must do)
#   core       bitcoin.ConnectHeaders-style validation alone (bitcoin/)
#   msg server MsgInsertHeaders through x/btclc's msg server into a block's cache of an IAVL store
# and the ratios between them; then the gas price: headers written to IAVL and committed (one
# 2016-header message, and 2005 single-header messages) against bank sends committed the same way,
# as gas per microsecond of each. A header must not be cheaper per microsecond than a bank send.
# Last, what a reorg does besides validating (BenchmarkReorgPrice, regtest, 2015 headers deep, each
# committed): the cost of a removed canonical header (rollback - extend), a promoted side-chain
# header (the winning message of a fork in pieces, less its removals) and a pruned one (prune -
# extend), against the same bank send.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkValidateMainnet2016|BenchmarkDoubleSHA256Floor' ./bitcoin/
bench 'BenchmarkMsgServerInsert2016|BenchmarkGasPrice|BenchmarkReorgPrice' ./x/btclc/keeper/
floor=$(median 'DoubleSHA256Floor') core=$(median 'ValidateMainnet2016') msg=$(median 'MsgServerInsert2016/msgserver-')
need floor core msg
awk -v f="$floor" -v c="$core" -v m="$msg" 'BEGIN {
  printf "\nper header:  floor %.0f ns   core %.0f ns   msg server %.0f ns   (%.0f headers/s through the msg server)\n", f/2016, c/2016, m/2016, 2016e9/m
  printf "ratios:      core/floor %.1fx   msg server/core %.1fx   msg server/floor %.1fx\n", c/f, m/c, m/f
}'
hn=$(median 'GasPrice/headers\+commit-' ns/header) hg=$(median 'GasPrice/headers\+commit-' gas/header)
sn=$(median 'GasPrice/header1\+commit-' ns/msg) sg=$(median 'GasPrice/header1\+commit-' gas/msg)
bn=$(median 'GasPrice/banksend\+commit-' ns/send) bg=$(median 'GasPrice/banksend\+commit-' gas/send)
need hn hg sn sg bn bg
awk -v hn="$hn" -v hg="$hg" -v sn="$sn" -v sg="$sg" -v bn="$bn" -v bg="$bg" 'BEGIN {
  rate = bg / (bn / 1000)
  printf "\ncommitted:   bank send %.0f µs, %d gas (%.0f gas/µs)\n", bn/1000, bg, rate
  printf "             header in a 2016-header message %.1f µs, %d gas (%.0f gas/µs, %.2fx a bank send; at its rate %.0f gas)\n", hn/1000, hg, hg/(hn/1000), (hg/(hn/1000))/rate, rate*hn/1000
  printf "             single-header message %.1f µs, %d gas (%.0f gas/µs, %.2fx a bank send; at its rate %.0f gas)\n", sn/1000, sg, sg/(sn/1000), (sg/(sn/1000))/rate, rate*sn/1000
}'
en=$(median 'ReorgPrice/extend\+commit-' ns/msg) eg=$(median 'ReorgPrice/extend\+commit-' gas/msg)
rn=$(median 'ReorgPrice/rollback\+commit-' ns/msg) rg=$(median 'ReorgPrice/rollback\+commit-' gas/msg)
pn=$(median 'ReorgPrice/promote\+commit-' ns/msg) pg=$(median 'ReorgPrice/promote\+commit-' gas/msg)
qn=$(median 'ReorgPrice/prune\+commit-' ns/msg) qg=$(median 'ReorgPrice/prune\+commit-' gas/msg)
need en eg rn rg pn pg qn qg
awk -v bn="$bn" -v bg="$bg" -v en="$en" -v eg="$eg" -v rn="$rn" -v rg="$rg" -v pn="$pn" -v pg="$pg" -v qn="$qn" -v qg="$qg" 'BEGIN {
  d = 2015; rate = bg / (bn / 1000)
  rem = (rn - en) / d; remg = (rg - eg) / d
  pro = (pn - rem * d) / d; prog = (pg - remg * d) / d
  pru = (qn - en) / (d - 1); prug = (qg - eg) / (d - 1)
  printf "\nreorg, 2015 deep, committed (bank send %.0f gas/µs):\n", rate
  printf "             winning message (2015 removed, 2015 promoted, 1 new) %.1f ms, %d gas (%.0f gas/µs, %.2fx a bank send)\n", pn/1e6, pg, pg/(pn/1000), (pg/(pn/1000))/rate
  printf "             removed canonical header %.1f µs, %.0f gas (%.0f gas/µs, %.2fx a bank send; at its rate %.0f gas)\n", rem/1000, remg, remg/(rem/1000), (remg/(rem/1000))/rate, rate*rem/1000
  printf "             promoted side header %.1f µs, %.0f gas with its reads (%.0f gas/µs, %.2fx a bank send; at its rate %.0f gas)\n", pro/1000, prog, prog/(pro/1000), (prog/(pro/1000))/rate, rate*pro/1000
  printf "             pruned side header %.1f µs, %.0f gas (%.0f gas/µs, %.2fx a bank send; at its rate %.0f gas)\n", pru/1000, prug, prug/(pru/1000), (prug/(pru/1000))/rate, rate*pru/1000
}'
