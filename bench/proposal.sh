#!/usr/bin/env bash
# Proposal time with a full injected Bitcoin entry (MaxHeaders headers, MaxPublications PoP proofs
# and MaxDeposits deposit proofs), against the same call without an entry, in one run: the
# proposer's PrepareProposal and a validator's ProcessProposal.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
bench 'BenchmarkProposal' ./app/
prep_empty=$(median 'Proposal/prepare/empty-') prep_full=$(median 'Proposal/prepare/full-')
proc_empty=$(median 'Proposal/process/empty-') proc_full=$(median 'Proposal/process/full-')
need prep_empty prep_full proc_empty proc_full
awk -v pe="$prep_empty" -v pf="$prep_full" -v qe="$proc_empty" -v qf="$proc_full" 'BEGIN {
  printf "\nPrepareProposal: %.2f ms with a full entry, %.2f ms without: %.1fx (the entry adds %.2f ms)\n", pf/1e6, pe/1e6, pf/pe, (pf-pe)/1e6
  printf "ProcessProposal: %.2f ms with a full entry, %.3f ms without: the entry adds %.2f ms\n", qf/1e6, qe/1e6, (qf-qe)/1e6
}'
