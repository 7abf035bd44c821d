#!/usr/bin/env bash
# Creates the homes of an N-validator hemid network on 127.0.0.1, sharing one genesis.
#
#   scripts/init-network.sh ROOT VALIDATORS BASE_PORT CHAIN_ID BLOCK_TIME DEV_ACCOUNTS
#
# ROOT/node<i> is validator i's home (key "val<i>" in its test keyring). Node 0's keyring also
# holds DEV_ACCOUNTS funded keys "dev<j>"; ROOT/accounts.tsv lists them (name, hemi1 address,
# 0x address, private key hex); FUNDED_KEYS="name ..." adds funded keys to node 0's keyring for daemons
# (e.g. the relayer). ROOT/nodes.tsv lists each node's endpoints (ports are laid out by
# scripts/lib.sh). Existing ROOT is replaced, but for the entries named in KEEP_IN_ROOT="name ..."
# (e.g. the directory of a running Bitcoin node the network is based on).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# Most commands below keep their output quiet; a failing one is named, not left to guess.
trap 'echo "init-network.sh: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR

root=$1 n=$2 base=$3 chain_id=$4 block_time=$5 devs=$6
[ -x "$HEMID" ] || { echo "no hemid binary at $HEMID: run 'make build' first" >&2; exit 1; }
keep=()
for name in ${KEEP_IN_ROOT:-}; do keep+=(! -name "$name"); done
if [ ${#keep[@]} -gt 0 ] && [ -d "$root" ]; then
  find "$root" -mindepth 1 -maxdepth 1 "${keep[@]}" -exec rm -rf {} +
else
  rm -rf "$root"
fi
mkdir -p "$root"

validator_balance=1000000$HEMI${DENOM}  # 1,000,000 hemi
self_delegation=1000$HEMI${DENOM}       # 1,000 hemi, voting power 1000
dev_balance=1000000$HEMI${DENOM}
genesis=$root/node0/config/genesis.json

for i in $(seq 0 $((n - 1))); do
  home=$root/node$i
  "$HEMID" init "val$i" --chain-id "$chain_id" --home "$home" >/dev/null 2>&1
  add_key "$home" "val$i" >"$home/val$i.key.json" 2>&1
  configure_node "$home" "$base" "$i" "$block_time"
  "$HEMID" genesis add-genesis-account "$(key_address "$home" "val$i")" "$validator_balance" --home "$root/node0" >/dev/null
done

printf 'name\taddress\teth_address\tprivate_key\n' >"$root/accounts.tsv"
for j in $(seq 0 $((devs - 1))); do
  home=$root/node0
  add_key "$home" "dev$j" >"$root/dev$j.key.json" 2>&1
  addr=$(key_address "$home" "dev$j")
  "$HEMID" genesis add-genesis-account "$addr" "$dev_balance" --home "$home" >/dev/null
  key=$("$HEMID" keys unsafe-export-eth-key "dev$j" --home "$home" "${KEYRING[@]}")
  printf 'dev%s\t%s\t%s\t%s\n' "$j" "$addr" "$(key_address "$home" "dev$j" 0x)" "$key" >>"$root/accounts.tsv"
done

for name in ${FUNDED_KEYS:-}; do
  add_key "$root/node0" "$name" >"$root/$name.key.json" 2>&1
  "$HEMID" genesis add-genesis-account "$(key_address "$root/node0" "$name")" "$dev_balance" --home "$root/node0" >/dev/null
done
# IMPORTED_KEYS="name:hexkey ..." imports known private keys (e.g. a PoP miner's, whose Bitcoin
# address a regtest node mines to) and funds them.
for entry in ${IMPORTED_KEYS:-}; do
  name=${entry%%:*}
  # The command asks for a passphrase to protect the key in transit; any will do for the test keyring.
  printf 'import-passphrase\nimport-passphrase\n' |
    "$HEMID" keys unsafe-import-eth-key "$name" "${entry#*:}" --home "$root/node0" "${KEYRING[@]}" >/dev/null
  "$HEMID" genesis add-genesis-account "$(key_address "$root/node0" "$name")" "$dev_balance" --home "$root/node0" >/dev/null
done
# KEYSTONE_INTERVAL sets x/pop's keystone interval (default 150 blocks): short for demos and tests.
if [ -n "${KEYSTONE_INTERVAL:-}" ]; then
  sed -i "s/\"keystone_interval\": \"[0-9]*\"/\"keystone_interval\": \"$KEYSTONE_INTERVAL\"/" "$genesis"
  [ "$(chain_info "$root/node0" keystone_interval)" = "$KEYSTONE_INTERVAL" ] ||
    { echo "could not set keystone_interval in $genesis" >&2; exit 1; }
fi

# VOTING_PERIOD sets x/gov's voting period in seconds (default 48 h), and the expedited one to half
# of it (it must be shorter): proposals a test can see pass.
if [ -n "${VOTING_PERIOD:-}" ]; then
  [[ $VOTING_PERIOD =~ ^[1-9][0-9]{0,6}$ && $VOTING_PERIOD -ge 2 ]] ||
    { echo "VOTING_PERIOD must be a number of seconds from 2 to 9999999" >&2; exit 1; }
  sed -i -E -e "s/\"voting_period\": \"[0-9.]+s\"/\"voting_period\": \"${VOTING_PERIOD}s\"/" \
    -e "s/\"expedited_voting_period\": \"[0-9.]+s\"/\"expedited_voting_period\": \"$((VOTING_PERIOD / 2))s\"/" "$genesis"
  grep -q "\"voting_period\": \"${VOTING_PERIOD}s\"" "$genesis" ||
    { echo "could not set voting_period in $genesis" >&2; exit 1; }
fi

# VAULT_SCRIPT sets x/tunnel's vault_script (the custodian's scriptPubKey, base64 as genesis holds
# bytes): without it no vault is configured and deposits are refused.
if [ -n "${VAULT_SCRIPT:-}" ]; then
  sed -i -E "s#\"vault_script\": (null|\"[^\"]*\")#\"vault_script\": \"$VAULT_SCRIPT\"#" "$genesis"
  grep -q "\"vault_script\": \"$VAULT_SCRIPT\"" "$genesis" ||
    { echo "could not set vault_script in $genesis" >&2; exit 1; }
fi

# With BTC_RPC set (and BTC_RPC_USER, BTC_RPC_PASSWORD), x/btclc starts from that Bitcoin node's
# chain; otherwise from the regtest genesis block.
if [ -n "${BTC_RPC:-}" ]; then
  "$HEMID" genesis btclc-base --btc-rpc "$BTC_RPC" --btc-user "${BTC_RPC_USER:-}" --btc-password "${BTC_RPC_PASSWORD:-}" \
    --home "$root/node0" >/dev/null
fi

# Each validator signs its gentx against the shared accounts, then node 0 collects them.
mkdir -p "$root/node0/config/gentx"
for i in $(seq 0 $((n - 1))); do
  home=$root/node$i
  [ "$i" -eq 0 ] || cp "$genesis" "$home/config/genesis.json"
  "$HEMID" genesis gentx "val$i" "$self_delegation" --chain-id "$chain_id" --home "$home" "${KEYRING[@]}" \
    --moniker "val$i" --output-document "$root/node0/config/gentx/val$i.json" >/dev/null 2>&1
done
"$HEMID" genesis collect-gentxs --home "$root/node0" >/dev/null 2>&1
"$HEMID" genesis validate --home "$root/node0" >/dev/null

printf 'node\trpc\tapi\tgrpc\tjson_rpc\tjson_rpc_ws\n' >"$root/nodes.tsv"
for i in $(seq 0 $((n - 1))); do
  printf 'node%s\thttp://127.0.0.1:%s\thttp://127.0.0.1:%s\t127.0.0.1:%s\thttp://127.0.0.1:%s\tws://127.0.0.1:%s\n' "$i" \
    "$(port "$base" "$i" $RPC)" "$(port "$base" "$i" $API)" "$(port "$base" "$i" $GRPC)" \
    "$(port "$base" "$i" $JSONRPC)" "$(port "$base" "$i" $JSONRPC_WS)" >>"$root/nodes.tsv"
done

peers=()
for i in $(seq 0 $((n - 1))); do
  peers+=("$("$HEMID" comet show-node-id --home "$root/node$i")@127.0.0.1:$(port "$base" "$i" $P2P)")
done
for i in $(seq 0 $((n - 1))); do
  home=$root/node$i
  [ "$i" -eq 0 ] || cp "$genesis" "$home/config/genesis.json"
  others=$(for p in "${peers[@]}"; do [ "$p" = "${peers[$i]}" ] || echo "$p"; done | paste -sd, -)
  set_toml "$home/config/config.toml" p2p persistent_peers "\"$others\""
done
