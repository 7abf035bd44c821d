package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/cosmos/gogoproto/proto"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	sdkserver "github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// btclcBaseCmd sets x/btclc's genesis (network and trusted base header) from a Bitcoin node.
func btclcBaseCmd() *cobra.Command {
	var rpcCfg rpc.Config
	var height int64
	cmd := &cobra.Command{
		Use:   "btclc-base",
		Short: "Set x/btclc's Bitcoin network and base header in genesis.json from a Bitcoin node",
		Long: `Reads the block at --height from a Bitcoin node (btcd or bitcoind) and makes it x/btclc's trusted
base header, with the 10 headers below it as context for the median-time-past rule. The network is
recognised from the node's genesis block. The height must be a multiple of 2016 so that every later
retarget can be checked; the default is the start of the newest complete retarget period (0 on
regtest).`,
		Example: "hemid genesis btclc-base --btc-rpc http://127.0.0.1:18443 --btc-user u --btc-password p",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute)
			defer cancel()
			node, err := rpc.NewClient(rpcCfg)
			if err != nil {
				return err
			}
			network, err := detectNetwork(ctx, node)
			if err != nil {
				return err
			}
			if height < 0 {
				count, err := node.GetBlockCount(ctx)
				if err != nil {
					return err
				}
				height = 0
				if network.Name != bitcoin.RegTest {
					height = count / bitcoin.RetargetInterval * bitcoin.RetargetInterval
				}
			}
			hash, err := node.GetBlockHash(ctx, height)
			if err != nil {
				return err
			}
			info, err := node.GetBlockHeaderVerbose(ctx, hash)
			if err != nil {
				return err
			}
			raw, err := node.GetBlockHeaderRaw(ctx, hash)
			if err != nil {
				return err
			}
			work := info.ChainWork
			if work == nil { // btcd does not report chain work: add it up from genesis
				if work, err = chainWork(ctx, cmd, node, height); err != nil {
					return err
				}
			}
			ancestors, err := baseAncestors(ctx, node, height)
			if err != nil {
				return err
			}
			genesisState, err := btclctypes.NewGenesisState(btclctypes.DefaultParams(), network.Name, uint64(height), raw, work, ancestors)
			if err != nil {
				return err
			}
			if err := writeModuleGenesis(cmd, btclctypes.ModuleName, genesisState); err != nil {
				return err
			}
			cmd.Printf("x/btclc genesis: %s base %s at height %d (chain work %s)\n", network.Name, hash, height, work)
			return nil
		},
	}
	cmd.Flags().StringVar(&rpcCfg.URL, "btc-rpc", "", "Bitcoin node RPC URL (http://host:port, or https:// with --btc-cacert)")
	cmd.Flags().StringVar(&rpcCfg.User, "btc-user", "", "Bitcoin node RPC user")
	cmd.Flags().StringVar(&rpcCfg.Password, "btc-password", "", "Bitcoin node RPC password")
	cmd.Flags().StringVar(&rpcCfg.CACertFile, "btc-cacert", "", "PEM certificate to trust for an https Bitcoin RPC")
	cmd.Flags().Int64Var(&height, "height", -1, "height of the base header (default: start of the newest complete retarget period; 0 on regtest)")
	_ = cmd.MarkFlagRequired("btc-rpc")
	return cmd
}

// detectNetwork recognises the node's network by its genesis block.
func detectNetwork(ctx context.Context, node *rpc.Client) (*bitcoin.Params, error) {
	genesis, err := node.GetBlockHash(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{bitcoin.MainNet, bitcoin.TestNet3, bitcoin.TestNet4, bitcoin.SigNet, bitcoin.RegTest} {
		p, err := bitcoin.NetworkByName(name)
		if err != nil {
			return nil, err
		}
		if *p.Chain.GenesisHash == genesis {
			return p, nil
		}
	}
	return nil, fmt.Errorf("the node's genesis block %s is not that of mainnet, testnet3, testnet4, signet or regtest", genesis)
}

// baseAncestors reads the raw headers of the (up to) 10 blocks below height,
// oldest first.
func baseAncestors(ctx context.Context, node *rpc.Client, height int64) ([][]byte, error) {
	var out [][]byte
	for h := max(height-btclctypes.BaseAncestorCount, 0); h < height; h++ {
		hash, err := node.GetBlockHash(ctx, h)
		if err != nil {
			return nil, err
		}
		raw, err := node.GetBlockHeaderRaw(ctx, hash)
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
}

// chainWork sums the work of blocks 0..height as the node reports them.
func chainWork(ctx context.Context, cmd *cobra.Command, node *rpc.Client, height int64) (*big.Int, error) {
	work := new(big.Int)
	for h := int64(0); h <= height; h++ {
		hash, err := node.GetBlockHash(ctx, h)
		if err != nil {
			return nil, err
		}
		header, err := node.GetBlockHeader(ctx, hash)
		if err != nil {
			return nil, err
		}
		work.Add(work, bitcoin.CalcWork(header.Bits))
		if h > 0 && h%10000 == 0 {
			cmd.PrintErrf("adding up chain work: %d/%d headers\n", h, height)
		}
	}
	return work, nil
}

// writeModuleGenesis replaces one module's section of the node's genesis.json.
func writeModuleGenesis(cmd *cobra.Command, module string, state proto.Message) error {
	clientCtx := client.GetClientContextFromCmd(cmd)
	genesisFile := sdkserver.GetServerContextFromCmd(cmd).Config.GenesisFile()
	appGenesis, err := genutiltypes.AppGenesisFromFile(genesisFile)
	if err != nil {
		return err
	}
	appState, err := genutiltypes.GenesisStateFromAppGenesis(appGenesis)
	if err != nil {
		return err
	}
	bz, err := clientCtx.Codec.MarshalJSON(state)
	if err != nil {
		return err
	}
	appState[module] = bz
	if appGenesis.AppState, err = json.MarshalIndent(appState, "", "  "); err != nil {
		return err
	}
	return genutil.ExportGenesisFile(appGenesis, genesisFile)
}
