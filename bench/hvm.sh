#!/usr/bin/env bash
# Cost of x/hvm's precompiles, in one run, through the EVM keeper's eth_call path (what JSON-RPC
# runs) on an in-process chain holding the real mainnet headers 824544-830592. A single
# precompile call is a few microseconds against an eth_call path of about a hundred, so each
# measured eth_call is a batch: a contract that STATICCALLs its target 64 times, each time with
# other arguments where the method takes any (other heights, other hashes, the 10 real proofs of
# block 830000), so every call reads the store afresh. The baselines:
#   none      a batch of no calls: the path's fixed cost, subtracted from every batch
#   sload     64 SLOADs of written slots, each read once, in the same loop: a contract's plain
#             storage read (2,100 gas)
# and the batches of tip, headerByHeight, headerByHash, confirmations, verifyTx (11 siblings),
# keystone, latestSuperfinal, and Hemi's 0x44 and 0x45; on a regtest chain, 8 calls of verifyTx
# of a 30 kB transaction of 3,000 one-byte-script outputs, the most work per byte of calldata
# (each output is a 160-byte ABI entry in the answer).
# For each, per call: gas (eth_estimateGas less the calldata's intrinsic gas) and ns, and both as
# ratios to an SLOAD's. A method is priced at least as well as a storage read when its gas ratio
# is at least its ns ratio: "priced" is their quotient, and must not be under 1.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkIBitcoin|BenchmarkVerifyTxPerByte' ./x/hvm/
report() { # report BENCHMARK METHOD...: the baselines and the methods' lines of one chain
  local b=$1 zn zg sn sg sc
  zn=$(median "$b/none-") zg=$(median "$b/none-" gas/call)
  sn=$(median "$b/sload-") sg=$(median "$b/sload-" gas/call) sc=$(median "$b/sload-" calls)
  need zn zg sn sg sc
  printf '\n%s (eth_call batches; per call, less the batch path; ratios to an SLOAD)\n' "$b"
  printf '  %-20s %9s %9s %9s %9s %7s\n' call gas ns gas/sload ns/sload priced
  for m in sload "${@:2}"; do
    local n g k
    n=$(median "$b/$m-") g=$(median "$b/$m-" gas/call) k=$(median "$b/$m-" calls)
    need n g k
    awk -v m="$m" -v n="$n" -v g="$g" -v k="$k" -v zn="$zn" -v zg="$zg" -v sn="$sn" -v sg="$sg" -v sc="$sc" 'BEGIN {
      pg = (g - zg) / k; pn = (n - zn) / k; sg1 = (sg - zg) / sc; sn1 = (sn - zn) / sc
      printf "  %-20s %9.0f %9.0f %9.2f %9.2f %7.2f\n", m, pg, pn, pg / sg1, pn / sn1, (pn > 0 ? (pg / sg1) / (pn / sn1) : 0)
    }'
  done
}
report BenchmarkIBitcoin tip headerByHeight headerByHash confirmations verifyTx11 keystone latestSuperfinal hemiLastHeader hemiHeaderN
report BenchmarkVerifyTxPerByte verifyTx3000outputs
