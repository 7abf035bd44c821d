package inbox

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/hemi-appchain/hemi/x/inbox/types"
)

// AutoCLIOptions declares x/inbox's CLI. Txids are in display order. The proof is a
// hemi.btclc.v1.InclusionProof in proto JSON (inline or a .json file) and must carry funding_tx.
// update-params is governance-only and has no command. Posting an operation on Bitcoin is
// `hemid btc inbox`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	app := version.AppName
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/inbox's params (min_confirmations, inbox_deadline)"},
				{
					RpcMethod:      "Op",
					Use:            "op <txid>",
					Short:          "Show an inbox operation: account, type, arguments, status (pending, executed, failed and why) and confirmations",
					Example:        fmt.Sprintf("%s query inbox op 3f1c…9a02", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "txid"}},
				},
				{
					RpcMethod:      "Coin",
					Use:            "coin <txid:vout>",
					Short:          "Show the inbox operation recorded for a coin (the outpoint its first input spends), if any: each coin acts once",
					Example:        fmt.Sprintf("%s query inbox coin 3f1c…9a02:0", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "outpoint"}},
				},
				{
					RpcMethod: "Ops",
					Use:       "ops",
					Short:     "List inbox operations: --account hemi1… (optionally with --status), or --status OP_STATUS_PENDING|OP_STATUS_EXECUTED|OP_STATUS_FAILED, or all",
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod:      "SubmitInboxTx",
					Use:            "submit <proof.json | proof-json>",
					Short:          "Prove a Bitcoin transaction carrying an inbox operation (with funding_tx); the chain runs it as the key that signed its first input once min_confirmations deep",
					Example:        fmt.Sprintf("%s tx inbox submit proof.json --from anyone", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "proof"}},
				},
				{RpcMethod: "UpdateParams", Skip: true}, // governance only
			},
		},
	}
}
