package app

import (
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"

	erc20types "github.com/cosmos/evm/x/erc20/types"
	feemarkettypes "github.com/cosmos/evm/x/feemarket/types"
	evmtypes "github.com/cosmos/evm/x/vm/types"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/hemi-appchain/hemi/app/params"
)

// MinGasPriceFloor is the lowest gas price (ahemi per gas, 1 gwei) the fee market allows.
const MinGasPriceFloor = 1_000_000_000

// BlockMaxGas is the block gas limit `hemid init` writes into the consensus params. A finite limit
// is what lets the EIP-1559 base fee respond to demand (its target is half the limit).
const BlockMaxGas = 30_000_000

// defaultGenesis is every module's default genesis with hemid's denominations in place, so that
// `hemid init` writes a genesis that starts without hand edits.
func defaultGenesis(cdc codec.JSONCodec, basics module.BasicManager) map[string]json.RawMessage {
	genesis := basics.DefaultGenesis(cdc)

	var staking stakingtypes.GenesisState
	cdc.MustUnmarshalJSON(genesis[stakingtypes.ModuleName], &staking)
	staking.Params.BondDenom = params.BaseDenom
	genesis[stakingtypes.ModuleName] = cdc.MustMarshalJSON(&staking)

	var mint minttypes.GenesisState
	cdc.MustUnmarshalJSON(genesis[minttypes.ModuleName], &mint)
	mint.Params.MintDenom = params.BaseDenom
	genesis[minttypes.ModuleName] = cdc.MustMarshalJSON(&mint)

	var gov govv1.GenesisState
	cdc.MustUnmarshalJSON(genesis[govtypes.ModuleName], &gov)
	// 10 hemi to open a proposal, 50 for an expedited one.
	gov.Params.MinDeposit = sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewIntWithDecimal(10, params.BaseDenomDecimals)))
	gov.Params.ExpeditedMinDeposit = sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewIntWithDecimal(50, params.BaseDenomDecimals)))
	genesis[govtypes.ModuleName] = cdc.MustMarshalJSON(&gov)

	var bank banktypes.GenesisState
	cdc.MustUnmarshalJSON(genesis[banktypes.ModuleName], &bank)
	bank.DenomMetadata = DenomMetadata()
	genesis[banktypes.ModuleName] = cdc.MustMarshalJSON(&bank)

	evm := evmtypes.DefaultGenesisState()
	evm.Params.EvmDenom = params.BaseDenom
	evm.Params.ExtendedDenomOptions = &evmtypes.ExtendedDenomOptions{ExtendedDenom: params.BaseDenom}
	// Every static precompile is active from the first block, x/hvm's Bitcoin precompiles included.
	evm.Params.ActiveStaticPrecompiles = StaticPrecompileAddresses()
	evm.Preinstalls = evmtypes.DefaultPreinstalls
	genesis[evmtypes.ModuleName] = cdc.MustMarshalJSON(evm)

	feemarket := feemarkettypes.DefaultGenesisState()
	// The base fee starts at 1 gwei and never falls below it: without a floor, empty blocks drive it
	// to zero and the chain accepts free spam.
	feemarket.Params.MinGasPrice = sdkmath.LegacyNewDec(MinGasPriceFloor)
	genesis[feemarkettypes.ModuleName] = cdc.MustMarshalJSON(feemarket)
	genesis[erc20types.ModuleName] = cdc.MustMarshalJSON(erc20Genesis())
	return genesis
}

// withHemiGenesisDefaults returns the basic manager with hemid's default genesis for every module
// whose default differs from the SDK's, so `hemid init` and the genesis commands write it.
func withHemiGenesisDefaults(cdc codec.JSONCodec, basics module.BasicManager) module.BasicManager {
	sdkDefaults := basics.DefaultGenesis(cdc)
	out := make(module.BasicManager, len(basics))
	for name, basic := range basics {
		out[name] = basic
	}
	for name, genesis := range defaultGenesis(cdc, basics) {
		if string(genesis) == string(sdkDefaults[name]) {
			continue
		}
		if inner, ok := basics[name].(module.HasGenesisBasics); ok {
			out[name] = genesisDefault{AppModuleBasic: basics[name], inner: inner, genesis: genesis}
		}
	}
	return out
}

// genesisDefault is a module basic whose default genesis is replaced; validation stays the module's.
type genesisDefault struct {
	module.AppModuleBasic
	inner   module.HasGenesisBasics
	genesis json.RawMessage
}

func (g genesisDefault) DefaultGenesis(codec.JSONCodec) json.RawMessage { return g.genesis }

func (g genesisDefault) ValidateGenesis(cdc codec.JSONCodec, txConfig client.TxEncodingConfig, bz json.RawMessage) error {
	return g.inner.ValidateGenesis(cdc, txConfig, bz)
}

// DenomMetadata describes hemid's two coins to wallets and to the EVM (which reads the decimals
// of its denomination from here).
func DenomMetadata() []banktypes.Metadata {
	return []banktypes.Metadata{
		{
			Description: "The staking, fee and gas token of hemid.",
			Base:        params.BaseDenom,
			Display:     params.DisplayDenom,
			Name:        "Hemi",
			Symbol:      "HEMI",
			DenomUnits: []*banktypes.DenomUnit{
				{Denom: params.BaseDenom, Exponent: 0, Aliases: []string{"attohemi"}},
				{Denom: params.DisplayDenom, Exponent: params.BaseDenomDecimals},
			},
		},
		{
			Description: "Bitcoin minted 1:1 from SPV-proven deposits; 1 sat = 1e-8 BTC.",
			Base:        params.BTCDenom,
			Display:     params.BTCDisplayDenom,
			Name:        "hemiBTC",
			Symbol:      "hemiBTC",
			DenomUnits: []*banktypes.DenomUnit{
				{Denom: params.BTCDenom, Exponent: 0},
				{Denom: params.BTCDisplayDenom, Exponent: params.BTCDecimals},
			},
		},
	}
}

// erc20Genesis registers sat, the tunnelled bitcoin, as the ERC-20 "hemiBTC" at the fixed address
// params.HemiBTCAddress: a token pair owned by the module (the bank balance is the token balance,
// nothing is converted) served by cosmos/evm's ERC-20 precompile, which reads its name, symbol and
// 8 decimals from sat's bank metadata.
func erc20Genesis() *erc20types.GenesisState {
	gs := erc20types.DefaultGenesisState()
	token := common.HexToAddress(params.HemiBTCAddress)
	gs.TokenPairs = append(gs.TokenPairs, erc20types.NewTokenPair(token, params.BTCDenom, erc20types.OWNER_MODULE))
	gs.DynamicPrecompiles = append(gs.DynamicPrecompiles, token.Hex())
	return gs
}
