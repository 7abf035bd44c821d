#!/usr/bin/env bash
# Runs a single-validator hemid devnet on 127.0.0.1 with 1 s blocks and funded dev accounts.
# Prints every endpoint and the dev keys, then follows the chain until Ctrl-C stops the node.
#
# Environment: DEVNET_HOME (default build/devnet), BASE_PORT (default 26650), DEV_ACCOUNTS (3).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

root=${DEVNET_HOME:-$(dirname "$HEMID")/devnet}
base=${BASE_PORT:-26650}
chain_id=hemidev_74301-1
home=$root/node0

echo "Creating the devnet in $root (chain $chain_id) ..."
"$(dirname "$0")/init-network.sh" "$root" 1 "$base" "$chain_id" 1s "${DEV_ACCOUNTS:-3}"

# Its own session, so Ctrl-C reaches only this script, which then stops the node in order.
setsid "$HEMID" start --home "$home" >"$root/hemid.log" 2>&1 &
pid=$!
stop() {
  echo
  echo "Stopping hemid (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "Stopped. State and logs stay in $root; the next 'make demo' starts afresh."
  exit 0
}
trap stop INT TERM

rpc=http://127.0.0.1:$(port "$base" 0 $RPC)
if ! wait_for_height "$rpc" 1 120; then
  echo "hemid did not produce a block; last lines of $root/hemid.log:" >&2
  tail -20 "$root/hemid.log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi

evm_chain_id=${chain_id#*_}
evm_chain_id=${evm_chain_id%-*}
cat <<INFO

hemid devnet is running (pid $pid, log $root/hemid.log)
  chain id            $chain_id
  EVM chain id        $evm_chain_id
  CometBFT RPC        $rpc
  REST (API)          http://127.0.0.1:$(port "$base" 0 $API)
  gRPC                127.0.0.1:$(port "$base" 0 $GRPC)
  Ethereum JSON-RPC   http://127.0.0.1:$(port "$base" 0 $JSONRPC)
  Ethereum WebSocket  ws://127.0.0.1:$(port "$base" 0 $JSONRPC_WS)
  home                $home   (keyring-backend test)

Funded dev accounts (1,000,000 hemi each; private keys import into any Ethereum wallet):
INFO
column -t -s $'\t' "$root/accounts.tsv" | sed 's/^/  /'
cat <<INFO

Try:
  $HEMID query bank balances $(awk -F'\t' 'NR==2 {print $2}' "$root/accounts.tsv") --node $rpc
  $HEMID tx bank send dev0 $(awk -F'\t' 'NR==3 {print $2}' "$root/accounts.tsv") 1000000000000000000ahemi \\
      --home $home --keyring-backend test --chain-id $chain_id --node $rpc --gas-prices 1000000000ahemi --yes

Press Ctrl-C to stop.
INFO

while kill -0 "$pid" 2>/dev/null; do
  h=$(curl -s "$rpc/status" | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p')
  printf '\r  height %s ' "${h:-?}"
  sleep 1
done
echo "hemid exited; last lines of $root/hemid.log:" >&2
tail -20 "$root/hemid.log" >&2
exit 1
