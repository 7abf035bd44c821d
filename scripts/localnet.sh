#!/usr/bin/env bash
# A 4-validator hemid network on 127.0.0.1 (1 s blocks), each node its own process.
#
#   scripts/localnet.sh start   create the network afresh and start the nodes in the background
#   scripts/localnet.sh stop    stop the nodes (by the PIDs recorded at start) and wait until they exit
#   scripts/localnet.sh status  show each node's height and app hash
#
# Environment: LOCALNET_HOME (default build/localnet), BASE_PORT (default 36650).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

root=${LOCALNET_HOME:-$(dirname "$HEMID")/localnet}
base=${BASE_PORT:-36650}
n=4
chain_id=hemilocal_74302-1

# node_pid I: the PID recorded for node I, if that process is still node I's hemid (a PID of a
# node that exited long ago may belong to another process by now; an exited one not yet reaped
# has no command line). Prints nothing otherwise.
node_pid() {
  local file=$root/node$1/hemid.pid pid cmd
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill -0 "$pid" 2>/dev/null || return 0
  if [ -d /proc/self ]; then
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 0
    [[ $cmd == *"start --home $root/node$1 "* ]] || return 0
  fi
  echo "$pid"
}

start() {
  for i in $(seq 0 $((n - 1))); do
    if [ -n "$(node_pid "$i")" ]; then
      echo "a localnet is already running in $root: run 'make localnet-stop' first" >&2
      exit 1
    fi
  done
  echo "Creating $n validators in $root (chain $chain_id) ..."
  "$(dirname "$0")/init-network.sh" "$root" $n "$base" "$chain_id" 1s 1
  # From the first node on, whatever ends this script before the network is up (an error, a node
  # that exits, Ctrl-C) stops the nodes it started: a failed start leaves nothing running.
  trap 'echo "localnet start failed: stopping its nodes" >&2; stop >&2' EXIT
  trap 'exit 130' INT TERM
  for i in $(seq 0 $((n - 1))); do
    "$HEMID" start --home "$root/node$i" >"$root/node$i/hemid.log" 2>&1 &
    echo $! >"$root/node$i/hemid.pid"
  done
  wait_for_network 3 180
  status
  echo "Node i listens on RPC $(port "$base" 0 $RPC)+10i, REST $(port "$base" 0 $API)+10i, gRPC $(port "$base" 0 $GRPC)+10i, JSON-RPC $(port "$base" 0 $JSONRPC)+10i."
  echo "Funded account: $(awk -F'\t' 'NR==2 {print $2 " (" $3 "), private key " $4}' "$root/accounts.tsv")"
  echo "Stop with 'make localnet-stop'."
  trap - EXIT INT TERM
}

# wait_for_network HEIGHT TIMEOUT_SECONDS: every node has committed HEIGHT. Fails at once, with
# the end of its log, when a node's process has exited.
wait_for_network() {
  local want=$1 deadline=$((SECONDS + $2)) i h up
  while [ $SECONDS -lt $deadline ]; do
    up=0
    for i in $(seq 0 $((n - 1))); do
      if [ -z "$(node_pid "$i")" ]; then
        echo "node$i exited; last lines of $root/node$i/hemid.log:" >&2
        tail -20 "$root/node$i/hemid.log" >&2
        return 1
      fi
      h=$(node_height "http://127.0.0.1:$(port "$base" "$i" $RPC)")
      if [ -n "$h" ] && [ "$h" -ge "$want" ]; then up=$((up + 1)); fi
    done
    [ $up -lt $n ] || return 0
    sleep 0.5
  done
  echo "not every node reached block $want after $2 s" >&2
  return 1
}

# stop: SIGTERM to each recorded node, then wait for it to exit (SIGKILL after 30 s).
stop() {
  local i pid
  for i in $(seq 0 $((n - 1))); do
    pid=$(node_pid "$i")
    if [ -n "$pid" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 300); do [ -n "$(node_pid "$i")" ] || break; sleep 0.1; done
      if [ -n "$(node_pid "$i")" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
      echo "stopped node$i (pid $pid)"
    fi
    rm -f "$root/node$i/hemid.pid"
  done
}

status() {
  local i s h a
  for i in $(seq 0 $((n - 1))); do
    s=$(rpc_get "http://127.0.0.1:$(port "$base" "$i" $RPC)/status")
    h=$(echo "$s" | json_field latest_block_height)
    a=$(echo "$s" | json_field latest_app_hash)
    echo "node$i height ${h:-down} app hash ${a:--}"
  done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
