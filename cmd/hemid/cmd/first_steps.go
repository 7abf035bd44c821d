package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	sdkserver "github.com/cosmos/cosmos-sdk/server"
	sdk "github.com/cosmos/cosmos-sdk/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/params"
)

// The commands a new operator runs first (init, gentx, collect-gentxs, validate, tx …) work
// without fee flags, and refuse what would only fail later at the node's first block.

// clientGasPricesKey is the client.toml key holding the gas price `hemid tx` pays when neither
// --fees nor --gas-prices is given. The SDK's client config has no such key; hemid reads it itself
// and sets --gas-prices from it. It must not be named "gas-prices": the SDK reads that name from
// client.toml as if it were the flag, and would then refuse every --fees as "cannot provide both
// fees and gas prices".
const clientGasPricesKey = "default-gas-prices"

// requireChainID refuses `hemid init` without a usable --chain-id: the SDK would invent
// "test-chain-…", from which no EVM chain id can be derived, and the node would not start.
func requireChainID(cmd *cobra.Command, _ []string) error {
	id, _ := cmd.Flags().GetString(flags.FlagChainID)
	if id == "" {
		return errors.New("hemid init needs --chain-id <name>_<evm-chain-id>-<revision> (for example hemi_74301-1): " +
			"the EVM chain id is derived from it")
	}
	_, err := params.EVMChainID(id)
	return err
}

// writeClientGasPrices adds the genesis fee floor to client.toml as the default gas price.
func writeClientGasPrices(home string, floor sdkmath.LegacyDec) error {
	path := filepath.Join(home, "config", "client.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if v.IsSet(clientGasPricesKey) {
		return nil
	}
	line := fmt.Sprintf("\n# The gas price `hemid tx` pays when neither --fees nor --gas-prices is given: the chain's fee\n"+
		"# floor at genesis. Under load the base fee rises above it; pass --gas-prices then.\n%s = %q\n",
		clientGasPricesKey, app.GasPriceFlag(floor))
	return os.WriteFile(path, append(b, line...), 0o600)
}

// applyDefaultGasPrices gives a tx command client.toml's gas price when it has no fee flag.
func applyDefaultGasPrices(cmd *cobra.Command, v *viper.Viper) error {
	f := cmd.Flags().Lookup(flags.FlagGasPrices)
	if f == nil || f.Changed || v == nil {
		return nil
	}
	if fees := cmd.Flags().Lookup(flags.FlagFees); fees != nil && fees.Changed {
		return nil
	}
	price := v.GetString(clientGasPricesKey)
	if price == "" {
		return nil
	}
	return cmd.Flags().Set(flags.FlagGasPrices, price)
}

// genesisAppState reads a genesis file's app state.
func genesisAppState(path string) (*genutiltypes.AppGenesis, map[string]json.RawMessage, error) {
	genesis, err := genutiltypes.AppGenesisFromFile(path)
	if err != nil {
		return nil, nil, err
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(genesis.AppState, &state); err != nil {
		return nil, nil, fmt.Errorf("app_state of %s: %w", path, err)
	}
	return genesis, state, nil
}

// gentxFeeDefault runs before gentx: with no fee flag it pays the genesis fee floor; a fee flag
// below the floor is refused with the flag that works.
func gentxFeeDefault(cmd *cobra.Command, _ []string) error {
	serverCtx := sdkserver.GetServerContextFromCmd(cmd)
	clientCtx := client.GetClientContextFromCmd(cmd)
	_, state, err := genesisAppState(serverCtx.Config.GenesisFile())
	if err != nil {
		return err
	}
	floor, err := app.GenesisFeeFloor(clientCtx.Codec, state)
	if err != nil {
		return err
	}
	prices, fees := cmd.Flags().Lookup(flags.FlagGasPrices), cmd.Flags().Lookup(flags.FlagFees)
	tooLow := func(what string) error {
		return fmt.Errorf("gentx %s is below the chain's fee floor of %s ahemi per gas, and the node would stop at its "+
			"first block with \"insufficient fee\": use --gas-prices %s, or no fee flag", what, floor.Ceil().TruncateInt(), app.GasPriceFlag(floor))
	}
	switch {
	case !prices.Changed && !fees.Changed:
		return cmd.Flags().Set(flags.FlagGasPrices, app.GasPriceFlag(floor))
	case prices.Changed:
		p, err := sdk.ParseDecCoins(prices.Value.String())
		if err != nil {
			return err
		}
		if p.AmountOf(params.BaseDenom).LT(floor) {
			return tooLow("--gas-prices " + prices.Value.String())
		}
	default:
		gas, err := flags.ParseGasSetting(cmd.Flag(flags.FlagGas).Value.String())
		if err != nil || gas.Simulate {
			return err // simulated gas is checked by collect-gentxs and validate
		}
		c, err := sdk.ParseCoinsNormalized(fees.Value.String())
		if err != nil {
			return err
		}
		if c.AmountOf(params.BaseDenom).LT(floor.MulInt64(int64(gas.Gas)).Ceil().TruncateInt()) {
			return tooLow(fmt.Sprintf("--fees %s for %d gas", fees.Value.String(), gas.Gas))
		}
	}
	return nil
}

// checkCollectedGenesis runs collect-gentxs, then refuses (restoring the genesis file) if a
// collected gentx pays less than the fee floor.
func checkCollectedGenesis(collect func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		path := sdkserver.GetServerContextFromCmd(cmd).Config.GenesisFile()
		before, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := collect(cmd, args); err != nil {
			return err
		}
		clientCtx := client.GetClientContextFromCmd(cmd)
		_, state, err := genesisAppState(path)
		if err == nil {
			err = app.CheckGenTxFees(clientCtx.Codec, clientCtx.TxConfig, state)
		}
		if err != nil {
			if werr := os.WriteFile(path, before, 0o600); werr != nil {
				return errors.Join(err, werr)
			}
			return fmt.Errorf("%w (%s left as it was)", err, path)
		}
		return nil
	}
}

// checkGenesisFirst runs hemid's checks (chain id, gentx fees) before the SDK's genesis validation.
func checkGenesisFirst(validate func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		path := sdkserver.GetServerContextFromCmd(cmd).Config.GenesisFile()
		if len(args) > 0 {
			path = args[0]
		}
		genesis, state, err := genesisAppState(path)
		if err != nil {
			return err
		}
		if _, err := params.EVMChainID(genesis.ChainID); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		clientCtx := client.GetClientContextFromCmd(cmd)
		if err := app.CheckGenTxFees(clientCtx.Codec, clientCtx.TxConfig, state); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return validate(cmd, args)
	}
}

// subcommand returns cmd's subcommand called name.
func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name {
			return c
		}
	}
	panic(fmt.Sprintf("hemid: no %q under %q", name, cmd.Name()))
}
