#!/usr/bin/env bash
# The demo: a btcd regtest node, a single-validator hemid devnet (1 s blocks, funded dev accounts)
# whose Bitcoin light client starts from that node, and the relayer keeping it in sync while a
# Bitcoin block is mined every few seconds. Prints every endpoint, then shows hemi's height and
# the Bitcoin tip as btcd and x/btclc see it, until Ctrl-C stops everything.
#
# Environment: DEVNET_HOME (default build/devnet), BASE_PORT (default 26650), DEV_ACCOUNTS (3),
# BTC_BLOCK_SECONDS (5).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bin=$(dirname "$HEMID")
root=${DEVNET_HOME:-$bin/devnet}
base=${BASE_PORT:-26650}
chain_id=hemidev_74301-1
net=$root/hemi  # scripts/init-network.sh owns this directory
home=$net/node0
btc_rpc_port=$(port "$base" 1 $RPC) btc_p2p_port=$(port "$base" 1 $P2P)
btc_user=hemi btc_password=hemi-devnet
# A regtest address of a throwaway key: regtest coins are worthless.
btc_mining_address=mwiB6L3GvPjoLqMCcsBDac7kysPHGqENXc
btcctl=("$bin/btcctl" --configfile "$root/btcd/btcctl.conf" --regtest --notls --rpcserver "127.0.0.1:$btc_rpc_port" --rpcuser "$btc_user" --rpcpass "$btc_password")
for tool in btcd btcctl relayer; do
  [ -x "$bin/$tool" ] || { echo "no $tool in $bin: run 'make build btcd' first" >&2; exit 1; }
done

pids=()
stop() {
  trap - INT TERM
  echo
  # In reverse order of start: the relayer, then hemid, then btcd; each gets 20 s to exit.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || continue
    for _ in $(seq 200); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[$i]}" 2>/dev/null || true
  done
  echo "Stopped relayer, hemid and btcd. State and logs stay in $root; the next 'make demo' starts afresh."
  exit "${1:-0}"
}
trap stop INT TERM
# fail NAME LOG: a process died; show why and stop the rest.
fail() {
  echo "$1 failed; last lines of $2:" >&2
  tail -20 "$2" >&2
  stop 1
}

rm -rf "$root"
mkdir -p "$root/btcd"
echo "Starting btcd (regtest) ..."
: >"$root/btcd/btcd.conf"
: >"$root/btcd/btcctl.conf"
# Each daemon runs in its own session, so Ctrl-C reaches only this script, which stops them in order.
setsid "$bin/btcd" --configfile "$root/btcd/btcd.conf" --regtest --notls --datadir "$root/btcd/data" --logdir "$root/btcd/logs" \
  --rpcuser "$btc_user" --rpcpass "$btc_password" --rpclisten "127.0.0.1:$btc_rpc_port" \
  --listen "127.0.0.1:$btc_p2p_port" --nodnsseed --txindex --addrindex --miningaddr "$btc_mining_address" \
  >"$root/btcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "${btcctl[@]}" getblockcount >/dev/null 2>&1 && break; sleep 0.2; done
"${btcctl[@]}" getblockcount >/dev/null 2>&1 || fail btcd "$root/btcd.log"
"${btcctl[@]}" generate 101 >/dev/null  # some history, and a mature coinbase

echo "Creating the devnet in $root (chain $chain_id), x/btclc based on btcd's chain ..."
BTC_RPC="http://127.0.0.1:$btc_rpc_port" BTC_RPC_USER=$btc_user BTC_RPC_PASSWORD=$btc_password FUNDED_KEYS=relayer \
  "$(dirname "$0")/init-network.sh" "$net" 1 "$base" "$chain_id" 1s "${DEV_ACCOUNTS:-3}"

setsid "$HEMID" start --home "$home" >"$root/hemid.log" 2>&1 &
pids+=($!)
rpc=http://127.0.0.1:$(port "$base" 0 $RPC)
api=http://127.0.0.1:$(port "$base" 0 $API)
wait_for_height "$rpc" 1 120 || fail hemid "$root/hemid.log"

setsid "$bin/relayer" --btc-rpc "http://127.0.0.1:$btc_rpc_port" --btc-user "$btc_user" --btc-password "$btc_password" \
  --hemid-grpc "127.0.0.1:$(port "$base" 0 $GRPC)" --chain-id "$chain_id" --home "$home" --key relayer \
  --metrics "127.0.0.1:$(port "$base" 1 $API)" >"$root/relayer.log" 2>&1 &
pids+=($!)

evm_chain_id=${chain_id#*_}
evm_chain_id=${evm_chain_id%-*}
cat <<INFO

hemid devnet is running (logs in $root: hemid.log, relayer.log, btcd.log)
  chain id            $chain_id
  EVM chain id        $evm_chain_id
  CometBFT RPC        $rpc
  REST (API)          $api
  gRPC                127.0.0.1:$(port "$base" 0 $GRPC)
  Ethereum JSON-RPC   http://127.0.0.1:$(port "$base" 0 $JSONRPC)
  Ethereum WebSocket  ws://127.0.0.1:$(port "$base" 0 $JSONRPC_WS)
  btcd RPC (regtest)  http://127.0.0.1:$btc_rpc_port  (user $btc_user, password $btc_password)
  relayer metrics     http://127.0.0.1:$(port "$base" 1 $API)/metrics
  home                $home   (keyring-backend test)

Funded dev accounts (1,000,000 hemi each; private keys import into any Ethereum wallet):
INFO
column -t -s $'\t' "$net/accounts.tsv" | sed 's/^/  /'
cat <<INFO

Try:
  $HEMID query btclc tip --node $rpc
  $HEMID tx bank send dev0 $(awk -F'\t' 'NR==3 {print $2}' "$net/accounts.tsv") 1000000000000000000ahemi \\
      --home $home --keyring-backend test --chain-id $chain_id --node $rpc --gas-prices 1000000000ahemi --yes

A Bitcoin block is mined every ${BTC_BLOCK_SECONDS:-5} s; the relayer brings it to x/btclc. Press Ctrl-C to stop.
INFO

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([0-9a-f]*\).*/\1/p"; }
last_mined=$SECONDS
while true; do
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null && continue
    case $i in 0) fail btcd "$root/btcd.log" ;; 1) fail hemid "$root/hemid.log" ;; 2) fail relayer "$root/relayer.log" ;; esac
  done
  if ((SECONDS - last_mined >= ${BTC_BLOCK_SECONDS:-5})); then
    "${btcctl[@]}" generate 1 >/dev/null && last_mined=$SECONDS
  fi
  hemi_height=$(curl -s "$rpc/status" | json_field latest_block_height)
  btc_tip=$("${btcctl[@]}" getblockcount 2>/dev/null || echo ?)
  tip=$(curl -s "$api/hemi/btclc/v1/tip" | tr -d ' \n')
  lc_height=$(echo "$tip" | json_field height)
  lc_hash=$(echo "$tip" | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p')
  printf '\r  hemi height %-6s  btcd tip %-5s  x/btclc tip %-5s %.16s…' "${hemi_height:-?}" "$btc_tip" "${lc_height:-?}" "$lc_hash"
  sleep 1
done
