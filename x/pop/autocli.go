package pop

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// AutoCLIOptions declares x/pop's CLI. Bitcoin hashes and txids are in
// display order. submit-proof takes the one proof type,
// hemi.btclc.v1.InclusionProof, as proto JSON (autocli reads a message
// argument inline or from a .json file); its bytes are base64 and its
// siblings in internal byte order, leaf level first.
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
					Use:       "submit-proof <proof.json | proof-json>",
					Short:     "Prove that a Bitcoin transaction in a canonical block publishes a keystone of this chain",
					Long: "Prove that a Bitcoin transaction in a canonical block publishes a keystone of this chain.\n" +
						"The argument is a hemi.btclc.v1.InclusionProof in proto JSON, inline or in a file ending in .json:\n" +
						"tx is the raw transaction (base64, with its witness); btc_block_hash is in display order (as\n" +
						"bitcoin-cli prints it); tx_index is the transaction's position in the block; merkle_siblings\n" +
						"are 32 bytes each (base64), in internal byte order, leaf level first; funding_tx (base64) is\n" +
						"the transaction whose output the first input spends. Anyone may submit. The reward goes to the\n" +
						"key that signs the first input, and only a proof with funding_tx binds it: without it the\n" +
						"publication has no payee until a proof with it is sent.",
					Example: fmt.Sprintf("%s tx pop submit-proof proof.json --from relayer\n"+
						"%s tx pop submit-proof '{\"tx\":\"AgAAAAAB…\",\"btc_block_hash\":\"3f1c…9a02\",\"tx_index\":5,"+
						"\"merkle_siblings\":[\"jS4…\"],\"funding_tx\":\"AgAAAAAB…\"}' --from relayer", app, app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "proof"}},
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
