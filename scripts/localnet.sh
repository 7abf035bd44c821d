#!/usr/bin/env bash
# A 4-validator hemid network on 127.0.0.1 (1 s blocks), each node its own process, and a btcd
# regtest node. x/btclc starts from btcd's chain, and every validator runs its Bitcoin watcher
# (app.toml [bitcoin]) on that btcd: the chain follows it with no relayer.
#
#   scripts/localnet.sh start     create the network afresh and start btcd and the nodes in the background
#   scripts/localnet.sh stop      stop the nodes and btcd (by the PIDs recorded at start) and wait until they exit
#   scripts/localnet.sh status    show btcd's tip, and each node's height, app hash and x/btclc tip
#   scripts/localnet.sh mine [N]  mine N (default 1) Bitcoin blocks on btcd
#
# Environment: LOCALNET_HOME (default build/localnet), BASE_PORT (default 36650; node i at +10·i,
# btcd's P2P at +40 and RPC at +41).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

root=${LOCALNET_HOME:-$(dirname "$HEMID")/localnet}
base=${BASE_PORT:-36650}
n=4
chain_id=hemilocal_74302-1
btcd_bin=$(dirname "$HEMID")/btcd
btc_dir=$root/btcd
btc_p2p_port=$(port "$base" $n $P2P) btc_rpc_port=$(port "$base" $n $RPC)
btc_url=http://127.0.0.1:$btc_rpc_port
btc_user=hemi btc_password=hemi-localnet
# sha256("hemi localnet miner"), a throwaway regtest key: btcd mines to its P2PKH address, and node
# 0's keyring holds it as "popminer", so a PoP miner can publish from the coinbases.
miner_key=bb4c238bed2988c2e370a05197053f9f2d8634df20d2f91572e449a323b7e3f8
btc_mining_address=mhzNm4nTJ4Ex6WxFwkUmgX7mdYDE8KFrA6

# live_pid FILE PATTERN: the PID in FILE, if that process still runs with PATTERN in its command
# line (a PID of a process that exited long ago may belong to another process by now; an exited
# one not yet reaped has no command line). Prints nothing otherwise.
live_pid() {
  local pid cmd
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 0
  if [ -d /proc/self ]; then
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 0
    [[ $cmd == *"$2"* ]] || return 0
  fi
  echo "$pid"
}

# node_pid I: node I's hemid, if it runs.
node_pid() { live_pid "$root/node$1/hemid.pid" "start --home $root/node$1 "; }
# btcd_pid: the localnet's btcd, if it runs.
btcd_pid() { live_pid "$btc_dir/btcd.pid" "--datadir $btc_dir/data "; }

# btc METHOD [PARAMS]: the result of a btcd JSON-RPC call on one line, or nothing while btcd does not answer.
btc() {
  curl -s --max-time 5 --user "$btc_user:$btc_password" -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"1.0\",\"id\":0,\"method\":\"$1\",\"params\":[${2:-}]}" "$btc_url/" | tr -d ' \n' || true
}

start() {
  [ -x "$btcd_bin" ] || { echo "no btcd in $(dirname "$HEMID"): run 'make btcd' first" >&2; exit 1; }
  for i in $(seq 0 $((n - 1))); do
    if [ -n "$(node_pid "$i")" ]; then
      echo "a localnet is already running in $root: run 'make localnet-stop' first" >&2
      exit 1
    fi
  done
  if [ -n "$(btcd_pid)" ]; then
    echo "a localnet's btcd is already running in $root: run 'make localnet-stop' first" >&2
    exit 1
  fi
  rm -rf "$root"
  mkdir -p "$btc_dir"
  # From btcd on, whatever ends this script before the network is up (an error, a process that
  # exits, Ctrl-C) stops what it started: a failed start leaves nothing running.
  trap 'echo "localnet start failed: stopping its nodes" >&2; stop >&2' EXIT
  trap 'exit 130' INT TERM
  echo "Starting btcd (regtest) in $btc_dir ..."
  : >"$btc_dir/btcd.conf"
  "$btcd_bin" --configfile "$btc_dir/btcd.conf" --regtest --notls --datadir "$btc_dir/data" --logdir "$btc_dir/logs" \
    --rpcuser "$btc_user" --rpcpass "$btc_password" --rpclisten "127.0.0.1:$btc_rpc_port" \
    --listen "127.0.0.1:$btc_p2p_port" --nodnsseed --txindex --addrindex --miningaddr "$btc_mining_address" \
    >"$btc_dir/btcd.log" 2>&1 &
  echo $! >"$btc_dir/btcd.pid"
  for _ in $(seq 100); do
    [ -n "$(btc getblockcount | json_field result)" ] && break
    [ -n "$(btcd_pid)" ] || break
    sleep 0.2
  done
  if [ -z "$(btc getblockcount | json_field result)" ]; then
    echo "btcd did not start; last lines of $btc_dir/btcd.log:" >&2
    tail -20 "$btc_dir/btcd.log" >&2
    exit 1
  fi
  btc generate 101 >/dev/null # some history, and a mature coinbase
  (umask 077 && printf '%s\n' "$btc_password" >"$btc_dir/rpc-password")

  echo "Creating $n validators in $root (chain $chain_id), x/btclc based on btcd's chain ..."
  BTC_RPC=$btc_url BTC_RPC_USER=$btc_user BTC_RPC_PASSWORD=$btc_password KEEP_IN_ROOT=btcd \
    IMPORTED_KEYS="popminer:$miner_key" "$(dirname "$0")/init-network.sh" "$root" $n "$base" "$chain_id" 1s 1
  for i in $(seq 0 $((n - 1))); do
    enable_watcher "$root/node$i" "$btc_url" "$btc_user" "$btc_dir/rpc-password" 1s
  done
  for i in $(seq 0 $((n - 1))); do
    "$HEMID" start --home "$root/node$i" >"$root/node$i/hemid.log" 2>&1 &
    echo $! >"$root/node$i/hemid.pid"
  done
  wait_for_network 3 180
  status
  echo "Node i listens on RPC $(port "$base" 0 $RPC)+10i, REST $(port "$base" 0 $API)+10i, gRPC $(port "$base" 0 $GRPC)+10i, JSON-RPC $(port "$base" 0 $JSONRPC)+10i."
  echo "btcd (regtest) RPC $btc_url (user $btc_user, password $btc_password); each node's watcher follows it."
  echo "Funded account: $(awk -F'\t' 'NR==2 {print $2 " (" $3 "), private key " $4}' "$root/accounts.tsv")"
  echo "Mine Bitcoin blocks with 'scripts/localnet.sh mine N'. Stop with 'make localnet-stop'."
  trap - EXIT INT TERM
}

# wait_for_network HEIGHT TIMEOUT_SECONDS: every node has committed HEIGHT. Fails at once, with
# the end of its log, when a node's process (or btcd) has exited.
wait_for_network() {
  local want=$1 deadline=$((SECONDS + $2)) i h up
  while [ $SECONDS -lt $deadline ]; do
    up=0
    if [ -z "$(btcd_pid)" ]; then
      echo "btcd exited; last lines of $btc_dir/btcd.log:" >&2
      tail -20 "$btc_dir/btcd.log" >&2
      return 1
    fi
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

# stop_pid NAME PID LIVE: SIGTERM to PID, then wait until LIVE (a command) prints nothing (SIGKILL after 30 s).
stop_pid() {
  kill -TERM "$2" 2>/dev/null || true
  for _ in $(seq 300); do [ -n "$($3)" ] || break; sleep 0.1; done
  if [ -n "$($3)" ]; then kill -KILL "$2" 2>/dev/null || true; fi
  echo "stopped $1 (pid $2)"
}

# stop: the nodes, then btcd, each by its recorded PID.
stop() {
  local i pid
  for i in $(seq 0 $((n - 1))); do
    pid=$(node_pid "$i")
    [ -z "$pid" ] || stop_pid "node$i" "$pid" "node_pid $i"
    rm -f "$root/node$i/hemid.pid"
  done
  pid=$(btcd_pid)
  [ -z "$pid" ] || stop_pid btcd "$pid" btcd_pid
  rm -f "$btc_dir/btcd.pid"
}

status() {
  local i s h a tip count hash
  count=$(btc getblockcount | json_field result)
  hash=$(btc getbestblockhash | json_field result)
  echo "btcd tip ${count:-down} ${hash:--}"
  for i in $(seq 0 $((n - 1))); do
    s=$(rpc_get "http://127.0.0.1:$(port "$base" "$i" $RPC)/status")
    h=$(echo "$s" | json_field latest_block_height)
    a=$(echo "$s" | json_field latest_app_hash)
    tip=$(rpc_get "http://127.0.0.1:$(port "$base" "$i" $API)/hemi/btclc/v1/tip" | tr -d ' \n' | json_field height)
    echo "node$i height ${h:-down} app hash ${a:--} x/btclc tip ${tip:--}"
  done
}

# mine N: N Bitcoin blocks on btcd; the validators' watchers bring them to x/btclc.
mine() {
  local count=${1:-1}
  [[ $count =~ ^[1-9][0-9]*$ ]] || { echo "mine: N must be a positive number" >&2; exit 2; }
  [ -n "$(btcd_pid)" ] || { echo "the localnet's btcd is not running: run 'make localnet' first" >&2; exit 1; }
  btc generate "$count" >/dev/null
  echo "btcd tip $(btc getblockcount | json_field result)"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  mine) mine "${2:-1}" ;;
  *) echo "usage: $0 start|stop|status|mine [N]" >&2; exit 2 ;;
esac
