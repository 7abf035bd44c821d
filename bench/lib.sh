# Shared functions of the benchmark scripts. Source it; do not run it.
# BENCH_COUNT (default 5) runs of each benchmark, each for BENCH_TIME (go test -benchtime, default
# 1s); `make bench-short` sets 1 and 1x to check that every script still runs and reports.

out=""
# bench PATTERN PACKAGE: runs the benchmarks matching PATTERN in PACKAGE and adds their lines to
# $out; a failing run shows its output and ends the script. The test binary is built once, and the
# BENCH_COUNT runs are rounds of the whole set, not each benchmark's runs back to back: a change in
# the machine's load then falls on a baseline and the benchmarks measured against it alike.
bench() {
  local bin res round
  bin=$(mktemp -d)/bench.test
  res=$(go test -c -o "$bin" "$2" 2>&1) ||
    { echo "$res" >&2; echo "$0: go test -c $2 failed" >&2; rm -rf "$(dirname "$bin")"; exit 1; }
  for ((round = 1; round <= ${BENCH_COUNT:-5}; round++)); do
    res=$(cd "$2" && "$bin" -test.run '^$' -test.bench "$1" -test.benchtime "${BENCH_TIME:-1s}" 2>&1) ||
      { echo "$res" >&2; echo "$0: go test -bench '$1' $2 failed (round $round)" >&2; rm -rf "$(dirname "$bin")"; exit 1; }
    out+=$res$'\n'
    grep '^Benchmark' <<<"$res" || true
  done
  rm -rf "$(dirname "$bin")"
}

# median PATTERN [UNIT]: the median of UNIT (default ns/op) over the runs in $out of the
# benchmarks whose name matches PATTERN; nothing if there are none.
median() {
  awk -v b="$1" -v u="${2:-ns/op}" '$1 ~ b {for (i = 2; i < NF; i++) if ($(i+1) == u) print $i}' <<<"$out" |
    sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'
}

# need NAME...: each named variable holds a measured number. A benchmark that was renamed or
# stopped reporting a metric must fail the script, not print a ratio of nothing.
need() {
  local v
  for v; do
    [[ ${!v:-} =~ ^[0-9][0-9.e+]*$ ]] || { echo "$0: no measurement for $v (a benchmark renamed, or a metric no longer reported?)" >&2; exit 1; }
  done
}

# e2e_bench TEST SHOW DONE: builds the binaries, runs the HEMI_BENCH-gated process-level test TEST
# of tests/e2e and prints its lines matching SHOW (an extended regexp) without the test's file
# prefix; a failing test, or output without a line matching DONE, shows the output and ends the
# script. The test reads its own HEMI_BENCH_* sizes from the environment.
e2e_bench() {
  local res
  make build >/dev/null
  res=$(HEMI_BENCH=1 HEMI_BIN_DIR=$PWD/build BTCD_BIN=$PWD/build/btcd \
    go test ./tests/e2e -run "^$1\$" -count=1 -v -timeout 60m 2>&1) ||
    { echo "$res" >&2; echo "$0: $1 failed" >&2; exit 1; }
  grep -E "$2" <<<"$res" | sed -E 's/^ *[a-z_]+_test\.go:[0-9]+: //' || true
  grep -qE "$3" <<<"$res" || { echo "$res" >&2; echo "$0: $1 reported no line matching '$3'" >&2; exit 1; }
}

# backlog_sizes: sets $sizes to the backlogs the EndBlock benchmarks measure, 10 to 10,000, up to
# HEMI_BENCH_BACKLOG_MAX when it is set (testutil/keeper.BacklogSizes is the Go side).
backlog_sizes() {
  sizes=(10 100 1000 10000)
  while [ "${#sizes[@]}" -gt 1 ] && [ "${sizes[-1]}" -gt "${HEMI_BENCH_BACKLOG_MAX:-10000}" ]; do unset 'sizes[-1]'; done
}

# backlog_table TITLE BENCHMARK CASE...: prints, for each CASE, the median ns/op of
# BENCHMARK/CASE/n=N for every N of $sizes with its ratio to the smallest, and adds a "CASE N ns"
# line to $points for each (bench/plot reads them).
backlog_table() {
  local title=$1 name=$2 c n cost base row
  shift 2
  printf '\n%s, ns per block (ratio to n=%s of the same case)\n' "$title" "${sizes[0]}"
  printf '  %-9s' case; printf ' %18s' "${sizes[@]/#/n=}"; echo
  for c; do
    row=$(printf '  %-9s' "$c") base=""
    for n in "${sizes[@]}"; do
      cost=$(median "$name/$c/n=$n-")
      need cost
      base=${base:-$cost}
      row+=$(awk -v v="$cost" -v b="$base" 'BEGIN {printf " %10.0f (%5.1fx)", v, v/b}')
      points+="$c $n $cost"$'\n'
    done
    echo "$row"
  done
}
