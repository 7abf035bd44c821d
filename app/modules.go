package app

import (
	"maps"

	erc20types "github.com/cosmos/evm/x/erc20/types"
	feemarkettypes "github.com/cosmos/evm/x/feemarket/types"
	evmtypes "github.com/cosmos/evm/x/vm/types"
	ibctransfertypes "github.com/cosmos/ibc-go/v11/modules/apps/transfer/types"
	ibcexported "github.com/cosmos/ibc-go/v11/modules/core/exported"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	evidencetypes "github.com/cosmos/cosmos-sdk/x/evidence/types"
	"github.com/cosmos/cosmos-sdk/x/feegrant"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// This file is the one place that says in which order modules run. Every module of the app
// appears in each list (the module manager checks that), so adding a module means adding it here.

// preBlockers run before BeginBlock. Upgrades must come first so a scheduled upgrade halts the
// chain before any state changes; the EVM restores its global config from state.
var preBlockers = []string{
	upgradetypes.ModuleName,
	authtypes.ModuleName,
	evmtypes.ModuleName,
}

// beginBlockers: mint before distribution (distribution pays out what mint and fees put in the fee
// collector); slashing after distribution so a slashed validator's rewards are settled first;
// feemarket before the EVM so the EVM sees this block's base fee.
var beginBlockers = []string{
	minttypes.ModuleName,
	distrtypes.ModuleName,
	slashingtypes.ModuleName,
	evidencetypes.ModuleName,
	stakingtypes.ModuleName,
	ibcexported.ModuleName,
	ibctransfertypes.ModuleName,
	erc20types.ModuleName,
	feemarkettypes.ModuleName,
	evmtypes.ModuleName,
	authtypes.ModuleName,
	banktypes.ModuleName,
	govtypes.ModuleName,
	genutiltypes.ModuleName,
	authz.ModuleName,
	feegrant.ModuleName,
	consensustypes.ModuleName,
	upgradetypes.ModuleName,
	btclctypes.ModuleName,
	poptypes.ModuleName,
	tunneltypes.ModuleName,
	inboxtypes.ModuleName, // last: the operations due run on the state the others left
}

// endBlockers: x/btclc first, so x/pop and x/tunnel, which its hooks drive, see this block's
// Bitcoin reorgs and new tip right after (x/tunnel mints at the tip x/btclc ends the block with); gov before staking (a passed proposal may change the validator set this block);
// feemarket last among the modules that do work, so it sees the gas of the whole block.
var endBlockers = []string{
	btclctypes.ModuleName,
	poptypes.ModuleName,
	tunneltypes.ModuleName,
	inboxtypes.ModuleName,
	banktypes.ModuleName,
	govtypes.ModuleName,
	stakingtypes.ModuleName,
	authtypes.ModuleName,
	evmtypes.ModuleName,
	erc20types.ModuleName,
	feemarkettypes.ModuleName,
	ibcexported.ModuleName,
	ibctransfertypes.ModuleName,
	distrtypes.ModuleName,
	slashingtypes.ModuleName,
	minttypes.ModuleName,
	genutiltypes.ModuleName,
	evidencetypes.ModuleName,
	authz.ModuleName,
	feegrant.ModuleName,
	upgradetypes.ModuleName,
	consensustypes.ModuleName,
}

// genesisOrder is used for InitGenesis and ExportGenesis. Auth and bank come first so accounts and
// balances exist; staking before genutil so gentxs find the pools; the EVM modules before genutil
// because gentxs pass through the EVM ante handler's fee checks.
var genesisOrder = []string{
	authtypes.ModuleName,
	banktypes.ModuleName,
	distrtypes.ModuleName,
	stakingtypes.ModuleName,
	slashingtypes.ModuleName,
	govtypes.ModuleName,
	minttypes.ModuleName,
	ibcexported.ModuleName,
	evmtypes.ModuleName,
	feemarkettypes.ModuleName,
	erc20types.ModuleName,
	ibctransfertypes.ModuleName,
	genutiltypes.ModuleName,
	evidencetypes.ModuleName,
	authz.ModuleName,
	feegrant.ModuleName,
	upgradetypes.ModuleName,
	consensustypes.ModuleName,
	btclctypes.ModuleName,
	poptypes.ModuleName,
	tunneltypes.ModuleName,
	inboxtypes.ModuleName,
}

// moduleAccountPermissions lists every module account and what it may do with coins.
var moduleAccountPermissions = map[string][]string{
	authtypes.FeeCollectorName:     nil,
	distrtypes.ModuleName:          nil,
	minttypes.ModuleName:           {authtypes.Minter},
	stakingtypes.BondedPoolName:    {authtypes.Burner, authtypes.Staking},
	stakingtypes.NotBondedPoolName: {authtypes.Burner, authtypes.Staking},
	govtypes.ModuleName:            {authtypes.Burner},
	ibctransfertypes.ModuleName:    {authtypes.Minter, authtypes.Burner},
	evmtypes.ModuleName:            {authtypes.Minter, authtypes.Burner},
	feemarkettypes.ModuleName:      nil,
	erc20types.ModuleName:          {authtypes.Minter, authtypes.Burner},
	poptypes.ModuleName:            {authtypes.Minter},                   // mints the PoP rewards
	tunneltypes.ModuleName:         {authtypes.Minter, authtypes.Burner}, // mints deposits, burns withdrawals
}

// ModuleAccountPermissions returns a copy of the module account permissions.
func ModuleAccountPermissions() map[string][]string {
	return maps.Clone(moduleAccountPermissions)
}

// moduleAccountNames returns the module account names in a fixed order.
func moduleAccountNames() []string {
	return sortedKeys(moduleAccountPermissions)
}
