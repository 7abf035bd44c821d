package app

import (
	"context"
	"encoding/json"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/cosmos/evm/x/vm"
	evmkeeper "github.com/cosmos/evm/x/vm/keeper"
	evmtypes "github.com/cosmos/evm/x/vm/types"

	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// cosmos/evm keeps the EVM coin and the extra EIP activators in process globals, set by its vm
// module from InitGenesis or the first PreBlock, guarded by a sync.Once of that module instance.
// Configuring them a second time panics ("duplicate activation"). One app per process never does
// that, but the app-level test harness runs two instances side by side (and each test builds new
// ones), so the guard belongs to the process, not to a module instance. Every instance of this app
// computes the same values from the same genesis, so whichever configures them first is right.
var evmGlobals sync.Once

// vmModule is cosmos/evm's vm module with its globals configured once per process.
type vmModule struct {
	vm.AppModule
	keeper     *evmkeeper.Keeper
	accounts   evmtypes.AccountKeeper
	bankKeeper evmtypes.BankKeeper
}

func newVMModule(k *evmkeeper.Keeper, ak evmtypes.AccountKeeper, bk evmtypes.BankKeeper, m vm.AppModule) vmModule {
	return vmModule{AppModule: m, keeper: k, accounts: ak, bankKeeper: bk}
}

// InitGenesis is the vm module's, with the process-wide guard.
func (m vmModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, data json.RawMessage) []abci.ValidatorUpdate {
	var genesis evmtypes.GenesisState
	cdc.MustUnmarshalJSON(data, &genesis)
	return vm.InitGenesis(ctx, m.keeper, m.accounts, m.bankKeeper, genesis, &evmGlobals)
}

// PreBlock restores the globals from state on the first block after a restart.
func (m vmModule) PreBlock(ctx context.Context) (appmodule.ResponsePreBlock, error) {
	m.hydrate(sdk.UnwrapSDKContext(ctx))
	return &sdk.ResponsePreBlock{}, nil
}

// HydrateGlobals restores the globals from state when a node loads a chain past its first block.
func (m vmModule) HydrateGlobals(ctx sdk.Context) {
	if ctx.BlockHeight() > 1 {
		m.hydrate(ctx)
	}
}

func (m vmModule) hydrate(ctx sdk.Context) {
	coinInfo := m.keeper.GetEvmCoinInfo(ctx)
	evmGlobals.Do(func() { vm.SetGlobalConfigVariables(coinInfo) })
}
