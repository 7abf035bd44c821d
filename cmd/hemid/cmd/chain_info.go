package cmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/params"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// chainInfo is what scripts need to know about a chain, derived by the same Go code the node runs
// rather than re-derived in shell.
type chainInfo struct {
	ChainID            string `json:"chain_id"`
	EVMChainID         uint64 `json:"evm_chain_id"`
	BitcoinNetwork     string `json:"bitcoin_network"`
	SuperfinalityDepth uint32 `json:"superfinality_depth"`
	KeystoneInterval   uint64 `json:"keystone_interval"`
	GasPrice           string `json:"gas_price"` // the genesis fee floor, as a --gas-prices value
}

// chainInfoCmd prints chainInfo for the genesis in --home.
func chainInfoCmd(tempApp *app.App) *cobra.Command {
	return &cobra.Command{
		Use:   "chain-info",
		Short: "Print the chain id, EVM chain id, Bitcoin network, superfinality depth, keystone interval and fee floor of the genesis in --home, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, _ := cmd.Flags().GetString(flags.FlagHome)
			genesis, state, err := genesisAppState(filepath.Join(home, "config", "genesis.json"))
			if err != nil {
				return err
			}
			evmChainID, err := params.EVMChainID(genesis.ChainID)
			if err != nil {
				return err
			}
			cdc := tempApp.AppCodec()
			var btclc btclctypes.GenesisState
			if err := cdc.UnmarshalJSON(state[btclctypes.ModuleName], &btclc); err != nil {
				return err
			}
			var pop poptypes.GenesisState
			if err := cdc.UnmarshalJSON(state[poptypes.ModuleName], &pop); err != nil {
				return err
			}
			floor, err := app.GenesisFeeFloor(cdc, state)
			if err != nil {
				return err
			}
			out, err := json.Marshal(chainInfo{
				ChainID:            genesis.ChainID,
				EVMChainID:         evmChainID,
				BitcoinNetwork:     btclc.Network,
				SuperfinalityDepth: pop.Params.SuperfinalityDepth,
				KeystoneInterval:   pop.Params.KeystoneInterval,
				GasPrice:           app.GasPriceFlag(floor),
			})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return err
		},
	}
}
