package pop

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// AutoCLIOptions declares x/pop's CLI. Bitcoin hashes and txids are in
// display order. submit-proof takes the raw transaction and each merkle
// sibling in hex (autocli's bytes arguments also accept base64 or a file
// path); the siblings are in internal byte order, leaf level first.
// update-params and resume-rewards are governance-only and have no command.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	app := version.AppName
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Params",
					Use:       "params",
					Short:     "Show x/pop's params",
				},
				{
					RpcMethod:      "Keystone",
					Use:            "keystone <height>",
					Short:          "Show a recorded keystone with its 76-byte abbreviated form (the PoP payload) and id",
					Example:        fmt.Sprintf("%s query pop keystone 1500", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "height"}},
				},
				{
					RpcMethod: "Keystones",
					Use:       "keystones",
					Short:     "List recorded keystones, newest first (--reverse lists oldest first)",
				},
				{
					RpcMethod:      "KeystoneStatus",
					Use:            "keystone-status <height>",
					Short:          "Show a keystone's Bitcoin anchoring: publications, first and effective BTC height, confirmations, superfinality",
					Example:        fmt.Sprintf("%s query pop keystone-status 1500", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "height"}},
				},
				{
					RpcMethod: "Finality",
					Use:       "finality",
					Short:     "Show the latest superfinal keystone",
				},
				{
					RpcMethod:      "Publications",
					Use:            "publications <keystone-height|payee>",
					Short:          "List the publications of a keystone (earliest first) or of a payee",
					Example:        fmt.Sprintf("%s query pop publications 1500\n%s query pop publications hemi1...", app, app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod:      "Publication",
					Use:            "publication <txid>",
					Short:          "Show the publication recorded for a Bitcoin txid",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "txid"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "SubmitPoPProof",
					Use:       "submit-proof <tx-hex> <btc-block-hash> <tx-index> [merkle-sibling-hex]...",
					Short:     "Prove that a Bitcoin transaction in a canonical block publishes a keystone of this chain",
					Long: "Prove that a Bitcoin transaction in a canonical block publishes a keystone of this chain.\n" +
						"tx-hex is the raw transaction; btc-block-hash is in display order (as bitcoin-cli prints it);\n" +
						"tx-index is the transaction's position in the block; each merkle sibling is 32 bytes in hex,\n" +
						"in internal byte order, leaf level first. Anyone may submit; the reward goes to the payee.",
					Example: fmt.Sprintf("%s tx pop submit-proof 0200…0000 3f1c…9a02 5 8d2e…11f0 07aa…c3d1 --from relayer", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "tx"},
						{ProtoField: "btc_block_hash"},
						{ProtoField: "tx_index"},
						{ProtoField: "merkle_siblings", Varargs: true},
					},
				},
				{
					RpcMethod: "UpdateParams",
					Skip:      true, // governance only
				},
				{
					RpcMethod: "ResumeRewards",
					Skip:      true, // governance only: sent in a proposal
				},
			},
		},
	}
}
