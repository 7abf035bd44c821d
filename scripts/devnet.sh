#!/usr/bin/env bash
# The demo: a btcd regtest node, a single-validator hemid devnet (1 s blocks, funded dev accounts,
# a keystone every KEYSTONE_INTERVAL blocks) whose Bitcoin light client starts from that node and
# whose validator follows it with its own Bitcoin watcher (app.toml [bitcoin]; no relayer runs),
# the PoP miner publishing keystones to Bitcoin and proving them back, and a BTC deposit to dev0
# made with `hemid btc deposit`, while a Bitcoin block is mined every few seconds. Prints every
# endpoint, then shows the chain, the Bitcoin tip, the newest keystone's anchoring (published,
# confirmations n/6, superfinal), the deposit (pending k/6, minted, its provenance reaching
# superfinal) and the miner's reward balance, until Ctrl-C stops everything and prints a summary.
#
# Environment: DEVNET_HOME (default build/devnet), BASE_PORT (default 26650), DEV_ACCOUNTS (3),
# BTC_BLOCK_SECONDS (2), KEYSTONE_INTERVAL (5), POLL_INTERVAL (1s, the watcher's and the PoP
# miner's), DEPOSIT_SATS (100000). DEMO_ONESHOT=1 stops by itself, exit 0, once a keystone is
# superfinal and the deposit is minted with superfinal provenance; it exits 1, saying what is
# missing, when that has not happened DEMO_TIMEOUT seconds (default 180) after the start.
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
# The PoP miner's key, sha256("hemi demo miner"): a throwaway key, regtest coins are worthless.
# btcd mines to its P2PKH address, so the miner pays its Bitcoin fees from coinbases, and its hemi
# address (the same key) receives the PoP rewards.
# The same key funds the demo's deposit, from an older coinbase, before the miner starts.
popminer_key=b68074804efe412aa97f33c0e3dca88f4918fe42fe74c9022812373f0f88aa31
btc_mining_address=mwiB6L3GvPjoLqMCcsBDac7kysPHGqENXc
# x/tunnel's vault: the P2WPKH script of the throwaway custodian key sha256("hemi demo custodian")
# (5a8ca227180f3856779b51667f7f287e2486e8c7908b7383b10eb912f67f87de, regtest address
# bcrt1qeqk5wu0s2gg8aanpuwsdfrwa3ypj4flev5jw2d), base64 as genesis holds bytes. The demo pays no
# withdrawals, so the key is in no keyring.
vault_script=ABTILUdx8FIQfvZh46DUjd2JAyqn+Q==
deposit_sats=${DEPOSIT_SATS:-100000}
oneshot=${DEMO_ONESHOT:-0}
timeout=${DEMO_TIMEOUT:-180}
btcctl=("$bin/btcctl" --configfile "$root/btcd/btcctl.conf" --regtest --notls --rpcserver "127.0.0.1:$btc_rpc_port" --rpcuser "$btc_user" --rpcpass "$btc_password")
[ -x "$HEMID" ] || { echo "no hemid binary at $HEMID: run 'make build' first" >&2; exit 1; }
for tool in btcd btcctl; do
  [ -x "$bin/$tool" ] || { echo "no $tool in $bin: run 'make btcd' first" >&2; exit 1; }
done

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  # What the summary needs from the running chain, before it stops.
  declare -F last_look >/dev/null && last_look
  # In reverse order of start: the PoP miner, then hemid, then btcd; each gets 20 s to exit.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || continue
    for _ in $(seq 200); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[$i]}" 2>/dev/null || true
  done
  declare -F summary >/dev/null && summary
  echo "Stopped the popminer, hemid and btcd. State and logs stay in $root; the next 'make demo' starts afresh."
  exit "${1:-0}"
}
trap stop INT TERM
# Whatever ends the script (an error included) stops the daemons it started.
trap 'stop 1' EXIT
# fail NAME LOG: a process died; show why and stop the rest.
fail() {
  echo "$1 failed; last lines of $2:" >&2
  tail -20 "$2" >&2
  stop 1
}

# get URL: the JSON at URL on one line without blanks, or nothing while the server does not answer
# (a failed poll must not end the demo; a daemon that exited is caught by the loop below).
get() { rpc_get "$1" | tr -d ' \n'; }
# micro_hemi AHEMI: an ahemi amount (too large for shell arithmetic) in micro-hemi (1e-6 hemi).
micro_hemi() { local a=${1:-0}; if [ ${#a} -gt 12 ]; then echo "${a:0:${#a}-12}"; else echo 0; fi; }
# hemi_amount MICRO: micro-hemi as a decimal hemi amount.
hemi_amount() {
  local m=$1 sign=+
  if [ "$m" -lt 0 ]; then sign=- m=$((-m)); fi
  printf '%s%d.%06d' "$sign" $((m / 1000000)) $((m % 1000000))
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
BTC_RPC="http://127.0.0.1:$btc_rpc_port" BTC_RPC_USER=$btc_user BTC_RPC_PASSWORD=$btc_password \
  IMPORTED_KEYS="popminer:$popminer_key" KEYSTONE_INTERVAL=${KEYSTONE_INTERVAL:-5} VAULT_SCRIPT=$vault_script \
  "$(dirname "$0")/init-network.sh" "$net" 1 "$base" "$chain_id" 1s "${DEV_ACCOUNTS:-3}"

# hemid (its watcher) and the wallet commands read btcd's RPC password from a file, so that it is
# not in the process list; the PoP miner and the wallet read their key from the devnet's
# unencrypted test keyring, which they use only when told to.
btc_password_file=$root/btcd/rpc-password
(umask 077 && printf '%s\n' "$btc_password" >"$btc_password_file")
# The validator follows btcd itself: its watcher brings headers, PoP publications and deposits
# into the blocks it proposes. Its metrics are on CometBFT's Prometheus endpoint.
enable_watcher "$home" "http://127.0.0.1:$btc_rpc_port" "$btc_user" "$btc_password_file" "${POLL_INTERVAL:-1s}"
set_toml "$home/config/config.toml" instrumentation prometheus true
set_toml "$home/config/config.toml" instrumentation prometheus_listen_addr "\"127.0.0.1:$(port "$base" 1 $API)\""

setsid "$HEMID" start --home "$home" >"$root/hemid.log" 2>&1 &
pids+=($!)
rpc=http://127.0.0.1:$(port "$base" 0 $RPC)
api=http://127.0.0.1:$(port "$base" 0 $API)
grpc=127.0.0.1:$(port "$base" 0 $GRPC)
wait_for_height "$rpc" 1 120 || fail hemid "$root/hemid.log"

# The deposit: dev0 gets deposit_sats of hemiBTC for BTC locked in the vault, paid by the miner's
# key from its mature coinbase. It is sent before the miner starts, and mined at once, so the two
# never pick the same coin.
btc_flags=(--btc-rpc "http://127.0.0.1:$btc_rpc_port" --btc-user "$btc_user" --btc-password-file "$btc_password_file" --network regtest
  --address-kind p2pkh --hemid-grpc "$grpc" --chain-id "$chain_id" --home "$home" "${KEYRING[@]}" --key popminer)
depositor=$(awk -F'\t' '$1 == "dev0" {print $2}' "$net/accounts.tsv")
"$HEMID" btc deposit --to "$depositor" --amount "$deposit_sats" --wait=false "${btc_flags[@]}" >"$root/deposit.log" 2>&1 ||
  fail "hemid btc deposit" "$root/deposit.log"
outpoint=$(sed -n 's/^outpoint \([0-9a-f]\{64\}:[0-9]*\)$/\1/p' "$root/deposit.log")
[ -n "$outpoint" ] || fail "hemid btc deposit (no outpoint printed)" "$root/deposit.log"
"${btcctl[@]}" generate 1 >/dev/null

setsid "$HEMID" popminer "${btc_flags[@]}" --poll-interval "${POLL_INTERVAL:-1s}" --metrics "127.0.0.1:$(port "$base" 1 $GRPC)" \
  >"$root/popminer.log" 2>&1 &
pids+=($!)
payee=$(key_address "$home" popminer)

jsonrpc=http://127.0.0.1:$(port "$base" 0 $JSONRPC)
# The IBitcoin precompile (IBITCOIN_PRECOMPILE_ADDRESS in contracts/IBitcoin.sol), the selector of its
# tip() (the first 4 bytes of keccak256("tip()")) and the ABI tuple of the Header it returns.
ibitcoin=0x0000000000000000000000000000000000000B7C
tip_selector=0x2755cd2d
ibitcoin_header='((uint64,bytes32,uint32,bytes32,bytes32,uint32,uint32,uint32,uint256))'
evm_chain_id=$(chain_info "$home" evm_chain_id)
depth=$(chain_info "$home" superfinality_depth)
min_confirmations=$(get "$api/hemi/tunnel/v1/params" | json_field min_confirmations)
cat <<INFO

hemid devnet is running (logs in $root: hemid.log, popminer.log, deposit.log, btcd.log)
  chain id            $chain_id
  EVM chain id        $evm_chain_id
  CometBFT RPC        $rpc
  REST (API)          $api
  gRPC                $grpc
  Ethereum JSON-RPC   $jsonrpc
  Ethereum WebSocket  ws://127.0.0.1:$(port "$base" 0 $JSONRPC_WS)
  btcd RPC (regtest)  http://127.0.0.1:$btc_rpc_port  (user $btc_user, password $btc_password)
  watcher metrics     http://127.0.0.1:$(port "$base" 1 $API)/metrics  (hemid_bitcoin_watcher_*, CometBFT's Prometheus endpoint)
  popminer metrics    http://127.0.0.1:$(port "$base" 1 $GRPC)/metrics
  PoP miner           Bitcoin $btc_mining_address, hemi payee $payee
  x/tunnel vault      bcrt1qeqk5wu0s2gg8aanpuwsdfrwa3ypj4flev5jw2d  (a throwaway custodian key)
  deposit             $deposit_sats sat to dev0 $depositor, outpoint $outpoint
  home                $home   (keyring-backend test)

Funded dev accounts (1,000,000 hemi each; private keys import into any Ethereum wallet):
INFO
awk -F'\t' '{printf "  %-6s %-43s %-42s %s\n", $1, $2, $3, $4}' "$net/accounts.tsv"
cat <<INFO

Try:
  $HEMID query btclc tip --node $rpc
  $HEMID query pop finality --node $rpc
  $HEMID btc status $outpoint --hemid-grpc $grpc
  $HEMID query tunnel provenance $outpoint --node $rpc
  $HEMID tx bank send dev0 $(awk -F'\t' 'NR==3 {print $2}' "$net/accounts.tsv") 1000000000000000000ahemi \\
      --home $home --keyring-backend test --chain-id $chain_id --node $rpc --yes

Bitcoin from a contract: the IBitcoin precompile is at $ibitcoin (contracts/IBitcoin.sol; Hemi's raw
header precompiles are at 0x…44 and 0x…45, see x/hvm/README.md). x/btclc's tip, decoded by Foundry's cast:
  cast call $ibitcoin "tip()$ibitcoin_header" --rpc-url $jsonrpc
or as raw ABI (height, block hash in display order, version, prev hash, merkle root, time, bits, nonce, chain work):
  curl -s $jsonrpc -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"$ibitcoin","data":"$tip_selector"},"latest"]}'

A Bitcoin block is mined every ${BTC_BLOCK_SECONDS:-2} s; the validator's watcher brings it to x/btclc in its
next proposal (no relayer runs). Every ${KEYSTONE_INTERVAL:-5} hemi blocks a keystone is recorded; the PoP miner
publishes it to Bitcoin, and the watcher or the miner proves it back; $depth Bitcoin confirmations make it
superfinal and pay the miner. The watcher proves the deposit once it is mined; x/tunnel mints it at
$min_confirmations confirmations, and its provenance is superfinal once the keystone covering its minting block is.
INFO
if [ "$oneshot" = 1 ]; then
  echo "DEMO_ONESHOT=1: stops by itself once a keystone is superfinal and the deposit is minted with superfinal"
  echo "provenance; fails if that has not happened ${timeout} s after the start (DEMO_TIMEOUT)."
else
  echo "Press Ctrl-C to stop."
fi
start_balance=$(get "$api/cosmos/bank/v1beta1/balances/$payee/by_denom?denom=ahemi" | json_field amount)
# last_look: the deposit's status and provenance in the wallet's words, read while hemid still runs.
last_look() {
  deposit_report=$(timeout 10 "$HEMID" btc status "$outpoint" --hemid-grpc "$grpc" 2>&1) || deposit_report=
}
summary() {
  echo
  echo "Summary: hemi height ${hemi_height:-?}, Bitcoin tip ${btc_tip:-?}, x/btclc tip ${lc_height:-?};"
  echo "  newest keystone ${ks:-none}, latest superfinal keystone ${final:-none};"
  echo "  the miner's payee $payee gained $(hemi_amount "$(($(micro_hemi "${balance:-}") - $(micro_hemi "$start_balance")))") hemi in PoP rewards (after its proof fees);"
  echo "  deposit $outpoint, $deposit_sats sat to dev0 $depositor:"
  if [ -n "${deposit_report:-}" ]; then
    echo "$deposit_report" | sed 's/^/    /'
  else
    echo "    ${deposit:-status unknown} (hemid did not answer at the stop)"
  fi
}

last_mined=$SECONDS
while true; do
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null && continue
    case $i in
      0) fail btcd "$root/btcd.log" ;; 1) fail hemid "$root/hemid.log" ;;
      2) fail popminer "$root/popminer.log" ;;
    esac
  done
  if ((SECONDS - last_mined >= ${BTC_BLOCK_SECONDS:-2})); then
    "${btcctl[@]}" generate 1 >/dev/null && last_mined=$SECONDS
  fi
  hemi_height=$(node_height "$rpc")
  btc_tip=$("${btcctl[@]}" getblockcount 2>/dev/null || echo ?)
  tip=$(get "$api/hemi/btclc/v1/tip")
  lc_height=$(echo "$tip" | json_field height)
  fin=$(get "$api/hemi/pop/v1/finality")
  ks=$(echo "$fin" | json_field latest_keystone_height)
  final=$(echo "$fin" | sed -n 's/.*"latest_superfinal":{"height":"\([0-9]*\)".*/\1/p')
  anchoring=-
  if [ -n "$ks" ] && [ "$ks" != 0 ]; then
    st=$(get "$api/hemi/pop/v1/keystone_status/$ks")
    confs=$(echo "$st" | json_field confirmations)
    if [[ $st == *'"txid"'* ]]; then anchoring="published, ${confs:-0}/$depth"; else anchoring="not yet published"; fi
    if [[ $st == *'"superfinal":true'* ]]; then anchoring=superfinal; fi
  fi
  # The deposit: unproven, pending k/6, minted at H; then its provenance, whose anchoring is the
  # keystone covering the minting block, until that keystone is superfinal.
  dep=$(get "$api/hemi/tunnel/v1/deposits/$outpoint")
  dep_status=$(echo "$dep" | json_field status)
  provenance_final=
  case $dep_status in
    DEPOSIT_STATUS_PENDING) deposit="pending $(echo "$dep" | json_field confirmations)/$min_confirmations" ;;
    DEPOSIT_STATUS_MINTED)
      minted_at=$(echo "$dep" | json_field minted_height)
      prov=$(get "$api/hemi/tunnel/v1/provenance/$outpoint")
      anchor=${prov#*\"anchoring\":}
      if [ "$anchor" = "$prov" ]; then
        deposit="minted at $minted_at"
      elif [[ $anchor == *'"found":true'* ]]; then
        covering=$(echo "$anchor" | sed -n 's/.*"keystone":{"height":"\([0-9]*\)".*/\1/p')
        if [[ $anchor == *'"superfinal":true'* ]]; then
          deposit="minted at $minted_at, provenance superfinal (keystone $covering)" provenance_final=1
        else
          deposit="minted at $minted_at, provenance: keystone $covering $(echo "$anchor" | json_field confirmations)/$depth"
        fi
      else
        deposit="minted at $minted_at, no keystone covers it yet"
      fi
      ;;
    DEPOSIT_STATUS_REFUSED) deposit=refused ;;
    *) deposit=unproven ;;
  esac
  balance=$(get "$api/cosmos/bank/v1beta1/balances/$payee/by_denom?denom=ahemi" | json_field amount)
  reward=$(($(micro_hemi "$balance") - $(micro_hemi "$start_balance")))
  printf '\r  hemi %-5s btc %-5s x/btclc %-5s | keystone %-4s %-18s | superfinal %-4s | deposit %-46s | miner %s hemi   ' \
    "${hemi_height:-?}" "$btc_tip" "${lc_height:-?}" "${ks:--}" "$anchoring" "${final:--}" "$deposit" "$(hemi_amount "$reward")"
  if [ "$oneshot" = 1 ]; then
    if [ -n "$final" ] && [ -n "$provenance_final" ]; then
      echo
      echo "DEMO_ONESHOT: keystone $final is superfinal, and the deposit is minted with superfinal provenance, $SECONDS s after the start."
      stop 0
    fi
    if ((SECONDS >= timeout)); then
      missing=()
      [ -n "$final" ] || missing+=("no keystone is superfinal")
      [ -n "$provenance_final" ] || missing+=("the deposit is not minted with superfinal provenance (it is $deposit)")
      echo
      echo "DEMO_ONESHOT: failed after $timeout s (DEMO_TIMEOUT): $(IFS=';' && echo "${missing[*]}" | sed 's/;/; /g')." >&2
      stop 1
    fi
  fi
  sleep 1
done
