#!/usr/bin/env bash
# A 4-validator hemid network on 127.0.0.1 (1 s blocks), each node its own process.
#
#   scripts/localnet.sh start   create the network afresh and start the nodes in the background
#   scripts/localnet.sh stop    stop the nodes (by the PIDs recorded at start)
#   scripts/localnet.sh status  show each node's height and app hash
#
# Environment: LOCALNET_HOME (default build/localnet), BASE_PORT (default 36650).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

root=${LOCALNET_HOME:-$(dirname "$HEMID")/localnet}
base=${BASE_PORT:-36650}
n=4
chain_id=hemilocal_74302-1

start() {
  if ls "$root"/node*/hemid.pid >/dev/null 2>&1; then
    echo "a localnet is already running in $root: run 'make localnet-stop' first" >&2
    exit 1
  fi
  echo "Creating $n validators in $root (chain $chain_id) ..."
  "$(dirname "$0")/init-network.sh" "$root" $n "$base" "$chain_id" 1s 1
  for i in $(seq 0 $((n - 1))); do
    "$HEMID" start --home "$root/node$i" >"$root/node$i/hemid.log" 2>&1 &
    echo $! >"$root/node$i/hemid.pid"
  done
  wait_for_height "http://127.0.0.1:$(port "$base" 0 $RPC)" 3 180
  status
  echo "Node i listens on RPC $(port "$base" 0 $RPC)+10i, REST $(port "$base" 0 $API)+10i, gRPC $(port "$base" 0 $GRPC)+10i, JSON-RPC $(port "$base" 0 $JSONRPC)+10i."
  echo "Funded account: $(awk -F'\t' 'NR==2 {print $2 " (" $3 "), private key " $4}' "$root/accounts.tsv")"
  echo "Stop with 'make localnet-stop'."
}

stop() {
  for pidfile in "$root"/node*/hemid.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null && echo "stopped $(basename "$(dirname "$pidfile")") (pid $pid)"
    rm -f "$pidfile"
  done
}

status() {
  for i in $(seq 0 $((n - 1))); do
    s=$(curl -s "http://127.0.0.1:$(port "$base" "$i" $RPC)/status" || true)
    h=$(echo "$s" | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p')
    a=$(echo "$s" | sed -n 's/.*"latest_app_hash":"\([0-9A-F]*\)".*/\1/p')
    echo "node$i height ${h:-down} app hash ${a:--}"
  done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
