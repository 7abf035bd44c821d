#!/usr/bin/env bash
# Cost of x/hvm's precompiles, in one run, each call through the EVM keeper's eth_call path (what
# JSON-RPC runs) on an in-process chain holding the real mainnet headers 824544–830592:
#   empty     a call to a contract that only stops: the path's fixed cost
#   sload     a call to a contract that reads one written storage slot (SLOAD, 2,100 gas)
#   tip, headerByHeight, headerByHash, confirmations, keystone, latestSuperfinal, and verifyTx of a
#   real 393-byte transaction of block 830000 with its 11 siblings
# and, on a regtest chain, verifyTx of a 30 kB transaction of 3,000 one-byte-script outputs, the
# most work per byte of calldata (each output is a 160-byte ABI entry in the answer).
# For each: gas and ns per call, both as ratios to the sload call, and the same ratios over the
# empty call (the work of the call alone). A method is priced at least as well as a storage read
# when its marginal gas ratio is at least its marginal ns ratio: "priced" below is that quotient,
# and must not be under 1.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkIBitcoin|BenchmarkVerifyTxPerByte' ./x/hvm/
report() { # report BENCHMARK: the empty, sload and method lines of one chain
  local b=$1 en eg sn sg
  en=$(median "$b/empty-") eg=$(median "$b/empty-" gas/call) sn=$(median "$b/sload-") sg=$(median "$b/sload-" gas/call)
  need en eg sn sg
  printf '\n%s (eth_call; ratios to the sload call; marginal: less the empty call)\n' "$b"
  printf '  %-20s %9s %9s %9s %9s %9s %9s %7s\n' call gas ns gas/sload ns/sload "m.gas" "m.ns" priced
  for m in "${@:2}"; do
    local n g
    n=$(median "$b/$m-") g=$(median "$b/$m-" gas/call)
    need n g
    awk -v m="$m" -v n="$n" -v g="$g" -v en="$en" -v eg="$eg" -v sn="$sn" -v sg="$sg" 'BEGIN {
      mg = (g - eg) / (sg - eg); mn = (n - en) / (sn - en)
      printf "  %-20s %9d %9.0f %9.2f %9.2f %9.2f %9.2f %7.2f\n", m, g, n, g / sg, n / sn, mg, mn, (mn > 0 ? mg / mn : 0)
    }'
  done
}
report BenchmarkIBitcoin empty sload tip headerByHeight headerByHash confirmations verifyTx11 keystone latestSuperfinal
report BenchmarkVerifyTxPerByte empty sload verifyTx3000outputs
