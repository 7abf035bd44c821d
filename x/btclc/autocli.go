package btclc

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// AutoCLIOptions declares x/btclc's CLI. Hashes are in display order.
// insert-headers takes each header as 160 hex characters (autocli's bytes
// arguments also accept base64 or a file path). update-params is
// governance-only and has no command.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	app := version.AppName
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Params",
					Use:       "params",
					Short:     "Show the light client's params",
				},
				{
					RpcMethod: "Tip",
					Use:       "tip",
					Short:     "Show the canonical Bitcoin tip and the network",
				},
				{
					RpcMethod:      "Header",
					Use:            "header <hash|height>",
					Short:          "Show a canonical header by block hash (64 hex characters) or height",
					Example:        fmt.Sprintf("%s query btclc header 830000\n%s query btclc header 000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f", app, app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "MainChain",
					Use:       "main-chain <from> [limit]",
					Short:     "List canonical headers from a height upwards (limit defaults to 100, at most 1000)",
					Example:   fmt.Sprintf("%s query btclc main-chain 830000 10", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "from"},
						{ProtoField: "limit", Optional: true},
					},
				},
				{
					RpcMethod:      "Depth",
					Use:            "depth <hash>",
					Short:          "Show a canonical block's confirmations (tip height - height + 1)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "hash"}},
				},
				{
					RpcMethod:      "Contains",
					Use:            "contains <hash>",
					Short:          "Tell whether a block is on the canonical chain, and at which height",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "hash"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "InsertHeaders",
					Use:       "insert-headers <header-hex>...",
					Short:     "Insert raw 80-byte Bitcoin headers (160 hex characters each), parent first",
					Example:   fmt.Sprintf("%s tx btclc insert-headers 0000002062b1…9d6e 00000020f3a0…01c4 --from relayer", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "headers", Varargs: true},
					},
				},
				{
					RpcMethod: "UpdateParams",
					Skip:      true, // governance only
				},
			},
		},
	}
}
