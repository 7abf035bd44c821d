package tunnel

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// AutoCLIOptions declares x/tunnel's CLI. Outpoints are txid:vout with the
// txid in display order. The proofs are hemi.btclc.v1.InclusionProof in proto
// JSON (inline or a .json file; bytes in base64, siblings in internal byte
// order, leaf level first). update-params is governance-only and has no
// command.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	app := version.AppName
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/tunnel's params (the vault script, minimum, confirmations, withdrawal fee and timeout, the breaker)"},
				{
					RpcMethod:      "Deposit",
					Use:            "deposit <txid:vout>",
					Short:          "Show a deposit: amount, recipient, Bitcoin block, status (pending, minted) and confirmations",
					Example:        fmt.Sprintf("%s query tunnel deposit 3f1c…9a02:0", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "outpoint"}},
				},
				{
					RpcMethod: "Deposits",
					Use:       "deposits",
					Short:     "List deposits: --recipient hemi1… (optionally with --status), or --status DEPOSIT_STATUS_PENDING|DEPOSIT_STATUS_MINTED, or all",
				},
				{
					RpcMethod:      "Withdrawal",
					Use:            "withdrawal <id>",
					Short:          "Show a withdrawal: script, amount, max fee, deadline (Bitcoin height), status",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "Withdrawals",
					Use:       "withdrawals",
					Short:     "List withdrawals: --sender hemi1… (optionally with --status), or --status WITHDRAWAL_STATUS_QUEUED|…, or all",
				},
				{
					RpcMethod:      "Provenance",
					Use:            "provenance <txid:vout>",
					Short:          "Show a deposit's whole provenance: the Bitcoin lock proof and confirmations, the hemi block that minted it, and the covering keystone's Bitcoin anchoring and superfinality",
					Example:        fmt.Sprintf("%s query tunnel provenance 3f1c…9a02:0", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "outpoint"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod:      "ProveDeposit",
					Use:            "prove-deposit <proof.json | proof-json>",
					Short:          "Prove a Bitcoin transaction paying the vault: each vault output becomes a pending deposit, minted by the chain at min_confirmations",
					Example:        fmt.Sprintf("%s tx tunnel prove-deposit proof.json --from relayer", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "proof"}},
				},
				{
					RpcMethod:      "Withdraw",
					Use:            "withdraw <amount-sats> <btc-script-hex>",
					Short:          "Burn sat and queue a withdrawal to a Bitcoin output script (hex scriptPubKey)",
					Example:        fmt.Sprintf("%s tx tunnel withdraw 50000 0014… --from alice", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}, {ProtoField: "btc_script"}},
				},
				{
					RpcMethod:      "ProveWithdrawal",
					Use:            "prove-withdrawal <id> <proof.json | proof-json>",
					Short:          "Prove the custodian's payment of a withdrawal (the proof must carry funding_tx, the vault output input 0 spends)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}, {ProtoField: "proof"}},
				},
				{
					RpcMethod:      "RefundWithdrawal",
					Use:            "refund-withdrawal <id>",
					Short:          "Refund a withdrawal not paid by its deadline to its sender (anyone may send it)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{RpcMethod: "UpdateParams", Skip: true}, // governance only
			},
		},
	}
}
