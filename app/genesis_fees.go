package app

import (
	"encoding/json"
	"fmt"

	feemarkettypes "github.com/cosmos/evm/x/feemarket/types"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/hemi-appchain/hemi/app/params"
)

// Genesis transactions run through the same ante handler as every tx, with the fee market's
// genesis params: a gentx that pays less than the floor makes InitChain panic ("insufficient
// fee"), so the node dies at its first block. The genesis commands check for that first.

// GenesisFeeFloor is the lowest gas price (ahemi per gas) a genesis transaction must pay: the fee
// market's min_gas_price, or its starting base fee if that is higher and the base fee is on.
func GenesisFeeFloor(cdc codec.JSONCodec, appState map[string]json.RawMessage) (sdkmath.LegacyDec, error) {
	raw, ok := appState[feemarkettypes.ModuleName]
	if !ok {
		return sdkmath.LegacyDec{}, fmt.Errorf("genesis has no %s section", feemarkettypes.ModuleName)
	}
	var fm feemarkettypes.GenesisState
	if err := cdc.UnmarshalJSON(raw, &fm); err != nil {
		return sdkmath.LegacyDec{}, fmt.Errorf("genesis %s section: %w", feemarkettypes.ModuleName, err)
	}
	floor := fm.Params.MinGasPrice
	if floor.IsNil() {
		floor = sdkmath.LegacyZeroDec()
	}
	if !fm.Params.NoBaseFee && !fm.Params.BaseFee.IsNil() && fm.Params.BaseFee.GT(floor) {
		floor = fm.Params.BaseFee
	}
	return floor, nil
}

// GasPriceFlag renders a gas price as the value of --gas-prices (whole ahemi, rounded up).
func GasPriceFlag(price sdkmath.LegacyDec) string {
	return price.Ceil().TruncateInt().String() + params.BaseDenom
}

// CheckGenTxFees returns an error naming the first genesis transaction whose fee is below
// GenesisFeeFloor, and the flag that fixes it.
func CheckGenTxFees(cdc codec.JSONCodec, txConfig client.TxEncodingConfig, appState map[string]json.RawMessage) error {
	floor, err := GenesisFeeFloor(cdc, appState)
	if err != nil {
		return err
	}
	genutil := genutiltypes.GetGenesisStateFromAppState(cdc, appState)
	for i, raw := range genutil.GenTxs {
		tx, err := txConfig.TxJSONDecoder()(raw)
		if err != nil {
			return fmt.Errorf("genesis transaction %d does not decode: %w", i, err)
		}
		feeTx, ok := tx.(sdk.FeeTx)
		if !ok {
			return fmt.Errorf("genesis transaction %d has no fee", i)
		}
		gas := feeTx.GetGas()
		need := floor.MulInt64(int64(min(gas, 1<<62))).Ceil().TruncateInt()
		paid := feeTx.GetFee().AmountOf(params.BaseDenom)
		if paid.GTE(need) {
			continue
		}
		who := ""
		for _, msg := range tx.GetMsgs() {
			if cv, ok := msg.(*stakingtypes.MsgCreateValidator); ok {
				who = fmt.Sprintf(" (validator %q)", cv.Description.Moniker)
			}
		}
		return fmt.Errorf("genesis transaction %d%s pays %s%s for %d gas, below the chain's fee floor of %s ahemi per gas "+
			"(the node would stop at its first block with \"insufficient fee\"): create it again with "+
			"'hemid genesis gentx <key> <amount> --chain-id <chain-id> --gas-prices %s', or with no fee flag, which pays the floor",
			i, who, paid, params.BaseDenom, gas, floor.Ceil().TruncateInt(), GasPriceFlag(floor))
	}
	return nil
}
