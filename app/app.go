// Package app wires the hemid application by hand: the Cosmos SDK modules, IBC (needed by
// cosmos/evm's ante handler and precompiles) and cosmos/evm's vm, feemarket and erc20.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/common"
	corevm "github.com/ethereum/go-ethereum/core/vm"
	"github.com/spf13/cast"

	// The native tracers register themselves for debug_trace* (see tracers.go).
	_ "github.com/ethereum/go-ethereum/eth/tracers/native"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	dbm "github.com/cosmos/cosmos-db"
	evmante "github.com/cosmos/evm/ante"
	antetypes "github.com/cosmos/evm/ante/types"
	evmencoding "github.com/cosmos/evm/encoding"
	evmaddress "github.com/cosmos/evm/encoding/address"
	evmmempool "github.com/cosmos/evm/mempool"
	precompiletypes "github.com/cosmos/evm/precompiles/types"
	evmserver "github.com/cosmos/evm/server"
	srvflags "github.com/cosmos/evm/server/flags"
	evmutils "github.com/cosmos/evm/utils"
	"github.com/cosmos/evm/x/erc20"
	erc20keeper "github.com/cosmos/evm/x/erc20/keeper"
	erc20types "github.com/cosmos/evm/x/erc20/types"
	erc20v2 "github.com/cosmos/evm/x/erc20/v2"
	"github.com/cosmos/evm/x/feemarket"
	feemarketkeeper "github.com/cosmos/evm/x/feemarket/keeper"
	feemarkettypes "github.com/cosmos/evm/x/feemarket/types"
	"github.com/cosmos/evm/x/vm"
	evmkeeper "github.com/cosmos/evm/x/vm/keeper"
	evmtypes "github.com/cosmos/evm/x/vm/types"
	"github.com/cosmos/ibc-go/v11/modules/apps/transfer"
	ibctransferkeeper "github.com/cosmos/ibc-go/v11/modules/apps/transfer/keeper"
	ibctransfertypes "github.com/cosmos/ibc-go/v11/modules/apps/transfer/types"
	transferv2 "github.com/cosmos/ibc-go/v11/modules/apps/transfer/v2"
	ibc "github.com/cosmos/ibc-go/v11/modules/core"
	porttypes "github.com/cosmos/ibc-go/v11/modules/core/05-port/types"
	ibcapi "github.com/cosmos/ibc-go/v11/modules/core/api"
	ibcexported "github.com/cosmos/ibc-go/v11/modules/core/exported"
	ibckeeper "github.com/cosmos/ibc-go/v11/modules/core/keeper"
	ibctm "github.com/cosmos/ibc-go/v11/modules/light-clients/07-tendermint"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	reflectionv1 "cosmossdk.io/api/cosmos/reflection/v1"
	"cosmossdk.io/client/v2/autocli"
	"cosmossdk.io/core/appmodule"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	"github.com/cosmos/cosmos-sdk/client/grpc/node"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	runtimeservices "github.com/cosmos/cosmos-sdk/runtime/services"
	sdkserver "github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkmempool "github.com/cosmos/cosmos-sdk/types/mempool"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/version"
	"github.com/cosmos/cosmos-sdk/x/auth"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	"github.com/cosmos/cosmos-sdk/x/auth/posthandler"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	authzkeeper "github.com/cosmos/cosmos-sdk/x/authz/keeper"
	authzmodule "github.com/cosmos/cosmos-sdk/x/authz/module"
	"github.com/cosmos/cosmos-sdk/x/bank"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/consensus"
	consensuskeeper "github.com/cosmos/cosmos-sdk/x/consensus/keeper"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"
	distr "github.com/cosmos/cosmos-sdk/x/distribution"
	distrkeeper "github.com/cosmos/cosmos-sdk/x/distribution/keeper"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	"github.com/cosmos/cosmos-sdk/x/evidence"
	evidencekeeper "github.com/cosmos/cosmos-sdk/x/evidence/keeper"
	evidencetypes "github.com/cosmos/cosmos-sdk/x/evidence/types"
	"github.com/cosmos/cosmos-sdk/x/feegrant"
	feegrantkeeper "github.com/cosmos/cosmos-sdk/x/feegrant/keeper"
	feegrantmodule "github.com/cosmos/cosmos-sdk/x/feegrant/module"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	"github.com/cosmos/cosmos-sdk/x/gov"
	govkeeper "github.com/cosmos/cosmos-sdk/x/gov/keeper"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	"github.com/cosmos/cosmos-sdk/x/mint"
	mintkeeper "github.com/cosmos/cosmos-sdk/x/mint/keeper"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
	"github.com/cosmos/cosmos-sdk/x/slashing"
	slashingkeeper "github.com/cosmos/cosmos-sdk/x/slashing/keeper"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	"github.com/cosmos/cosmos-sdk/x/staking"
	stakingkeeper "github.com/cosmos/cosmos-sdk/x/staking/keeper"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
	upgradekeeper "github.com/cosmos/cosmos-sdk/x/upgrade/keeper"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/x/btclc"
	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm"
	"github.com/hemi-appchain/hemi/x/inbox"
	inboxkeeper "github.com/hemi-appchain/hemi/x/inbox/keeper"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	"github.com/hemi-appchain/hemi/x/pop"
	popkeeper "github.com/hemi-appchain/hemi/x/pop/keeper"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	"github.com/hemi-appchain/hemi/x/tunnel"
	tunnelkeeper "github.com/hemi-appchain/hemi/x/tunnel/keeper"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

func init() {
	// Voting power counts whole hemi (1e18 ahemi), not 1e6 base units.
	sdk.DefaultPowerReduction = evmutils.AttoPowerReduction
}

var _ evmserver.Application = (*App)(nil)

// App is the hemid application.
type App struct {
	*baseapp.BaseApp

	legacyAmino       *codec.LegacyAmino
	appCodec          codec.Codec
	interfaceRegistry codectypes.InterfaceRegistry
	txConfig          client.TxConfig

	pendingTxListeners []evmante.PendingTxListener

	keys map[string]*storetypes.KVStoreKey
	// storeKeys are every mounted store, KV and object (ExecutionStoreKeys).
	storeKeys []storetypes.StoreKey
	// parallel is set when blocks run on the Block-STM runner (setTxRunner).
	parallel bool

	AccountKeeper         authkeeper.AccountKeeper
	BankKeeper            bankkeeper.Keeper
	StakingKeeper         *stakingkeeper.Keeper
	SlashingKeeper        slashingkeeper.Keeper
	MintKeeper            mintkeeper.Keeper
	DistrKeeper           distrkeeper.Keeper
	GovKeeper             govkeeper.Keeper
	UpgradeKeeper         *upgradekeeper.Keeper
	AuthzKeeper           authzkeeper.Keeper
	EvidenceKeeper        evidencekeeper.Keeper
	FeeGrantKeeper        feegrantkeeper.Keeper
	ConsensusParamsKeeper consensuskeeper.Keeper

	IBCKeeper      *ibckeeper.Keeper
	TransferKeeper *ibctransferkeeper.Keeper

	FeeMarketKeeper feemarketkeeper.Keeper
	EVMKeeper       *evmkeeper.Keeper
	Erc20Keeper     erc20keeper.Keeper
	EVMMempool      sdkmempool.ExtMempool

	BTCLCKeeper  btclckeeper.Keeper
	PoPKeeper    popkeeper.Keeper
	TunnelKeeper tunnelkeeper.Keeper
	InboxKeeper  inboxkeeper.Keeper
	// censorInbox is the test switch of UnsafeCensorInboxEnv.
	censorInbox atomic.Bool

	ModuleManager      *module.Manager
	BasicModuleManager module.BasicManager
	configurator       module.Configurator

	bitcoin bitcoinSource // the node's Bitcoin watcher, for PrepareProposal (inject.go)
	guard   bitcoinGuard  // the node guard, for PreBlocker (guard.go)
}

// New builds the application. evmChainID must be the one derived from the chain id
// (params.EVMChainID); it is a parameter, not read from the node's config, so the state machine
// cannot run with another one.
func New(
	logger log.Logger,
	db dbm.DB,
	loadLatest bool,
	evmChainID uint64,
	appOpts servertypes.AppOptions,
	baseAppOptions ...func(*baseapp.BaseApp),
) *App {
	encodingConfig := evmencoding.MakeConfig(evmChainID)
	appCodec := encodingConfig.Codec
	txConfig := encodingConfig.TxConfig
	txDecoder := refuseEntries(txConfig.TxDecoder())

	baseAppOptions = append(baseAppOptions, baseapp.SetOptimisticExecution())
	bApp := baseapp.NewBaseApp(params.AppName, logger, db, txDecoder, baseAppOptions...)
	bApp.SetVersion(version.Version)
	bApp.SetInterfaceRegistry(encodingConfig.InterfaceRegistry)
	bApp.SetTxEncoder(txConfig.TxEncoder())
	// The EVM meters gas per transaction against the block gas limit itself.
	bApp.SetDisableBlockGasMeter(true)

	keys := storetypes.NewKVStoreKeys(
		authtypes.StoreKey, banktypes.StoreKey, stakingtypes.StoreKey, minttypes.StoreKey,
		distrtypes.StoreKey, slashingtypes.StoreKey, govtypes.StoreKey, consensustypes.StoreKey,
		upgradetypes.StoreKey, feegrant.StoreKey, evidencetypes.StoreKey, authzkeeper.StoreKey,
		ibcexported.StoreKey, ibctransfertypes.StoreKey,
		evmtypes.StoreKey, feemarkettypes.StoreKey, erc20types.StoreKey,
		btclctypes.StoreKey, poptypes.StoreKey, tunneltypes.StoreKey, inboxtypes.StoreKey,
	)
	objectKeys := storetypes.NewObjectStoreKeys(banktypes.ObjectStoreKey, evmtypes.ObjectKey)
	if err := bApp.RegisterStreamingServices(appOpts, keys); err != nil {
		panic(fmt.Errorf("state streaming: %w", err))
	}

	app := &App{
		BaseApp:           bApp,
		legacyAmino:       encodingConfig.Amino,
		appCodec:          appCodec,
		interfaceRegistry: encodingConfig.InterfaceRegistry,
		txConfig:          txConfig,
		keys:              keys,
	}

	authority := authtypes.NewModuleAddress(govtypes.ModuleName)
	authorityStr := authority.String()
	accountCodec := evmaddress.NewEvmCodec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	validatorCodec := evmaddress.NewEvmCodec(sdk.GetConfig().GetBech32ValidatorAddrPrefix())
	consensusCodec := evmaddress.NewEvmCodec(sdk.GetConfig().GetBech32ConsensusAddrPrefix())
	kv := func(name string) corestore.KVStoreService { return runtime.NewKVStoreService(keys[name]) }

	app.ConsensusParamsKeeper = consensuskeeper.NewKeeper(appCodec, kv(consensustypes.StoreKey), authorityStr, runtime.EventService{})
	bApp.SetParamStore(app.ConsensusParamsKeeper.ParamsStore)

	app.AccountKeeper = authkeeper.NewAccountKeeper(appCodec, kv(authtypes.StoreKey), authtypes.ProtoBaseAccount,
		moduleAccountPermissions, accountCodec, sdk.GetConfig().GetBech32AccountAddrPrefix(), authorityStr)
	app.BankKeeper = bankkeeper.NewBaseKeeper(appCodec, kv(banktypes.StoreKey), app.AccountKeeper,
		BlockedAddresses(), authorityStr, logger).WithObjStoreKey(objectKeys[banktypes.ObjectStoreKey])
	app.StakingKeeper = stakingkeeper.NewKeeper(appCodec, kv(stakingtypes.StoreKey), app.AccountKeeper, app.BankKeeper,
		authorityStr, validatorCodec, consensusCodec)
	app.MintKeeper = mintkeeper.NewKeeper(appCodec, kv(minttypes.StoreKey), app.StakingKeeper, app.AccountKeeper,
		app.BankKeeper, authtypes.FeeCollectorName, authorityStr)
	app.DistrKeeper = distrkeeper.NewKeeper(appCodec, kv(distrtypes.StoreKey), app.AccountKeeper, app.BankKeeper,
		app.StakingKeeper, authtypes.FeeCollectorName, authorityStr)
	app.SlashingKeeper = slashingkeeper.NewKeeper(appCodec, app.legacyAmino, kv(slashingtypes.StoreKey),
		app.StakingKeeper, authorityStr)
	app.FeeGrantKeeper = feegrantkeeper.NewKeeper(appCodec, kv(feegrant.StoreKey), app.AccountKeeper)
	app.StakingKeeper.SetHooks(stakingtypes.NewMultiStakingHooks(app.DistrKeeper.Hooks(), app.SlashingKeeper.Hooks()))
	app.AuthzKeeper = authzkeeper.NewKeeper(kv(authzkeeper.StoreKey), appCodec, app.MsgServiceRouter(), app.AccountKeeper)

	skipUpgradeHeights := map[int64]bool{}
	for _, h := range cast.ToIntSlice(appOpts.Get(sdkserver.FlagUnsafeSkipUpgrades)) {
		skipUpgradeHeights[int64(h)] = true
	}
	app.UpgradeKeeper = upgradekeeper.NewKeeper(skipUpgradeHeights, kv(upgradetypes.StoreKey), appCodec,
		cast.ToString(appOpts.Get(flags.FlagHome)), app.BaseApp, authorityStr)

	app.IBCKeeper = ibckeeper.NewKeeper(appCodec, kv(ibcexported.StoreKey), app.UpgradeKeeper, authorityStr)

	govKeeper := govkeeper.NewKeeper(appCodec, kv(govtypes.StoreKey), app.AccountKeeper, app.BankKeeper,
		app.DistrKeeper, app.MsgServiceRouter(), govtypes.DefaultConfig(), authorityStr,
		govkeeper.NewDefaultCalculateVoteResultsAndVotingPower(app.StakingKeeper))
	app.GovKeeper = *govKeeper

	app.EvidenceKeeper = *evidencekeeper.NewKeeper(appCodec, kv(evidencetypes.StoreKey), app.StakingKeeper,
		app.SlashingKeeper, app.AccountKeeper.AddressCodec(), runtime.ProvideCometInfoService())

	app.FeeMarketKeeper = feemarketkeeper.NewKeeper(appCodec, authority, keys[feemarkettypes.StoreKey])

	// The transfer keeper exists before the EVM keeper because the ICS-20 precompile holds it.
	app.TransferKeeper = ibctransferkeeper.NewKeeper(appCodec, accountCodec, kv(ibctransfertypes.StoreKey),
		app.IBCKeeper.ChannelKeeper, app.MsgServiceRouter(), app.AccountKeeper, app.BankKeeper, authorityStr)

	// x/btclc, x/pop and x/tunnel exist before the EVM keeper because x/hvm's precompiles read them.
	app.BTCLCKeeper = btclckeeper.NewKeeper(appCodec, kv(btclctypes.StoreKey), authorityStr, accountCodec)
	app.PoPKeeper = popkeeper.NewKeeper(appCodec, kv(poptypes.StoreKey), authorityStr, accountCodec,
		app.BTCLCKeeper, app.BankKeeper, app.DistrKeeper)
	app.TunnelKeeper = tunnelkeeper.NewKeeper(appCodec, kv(tunneltypes.StoreKey), authorityStr, accountCodec,
		app.BTCLCKeeper, app.PoPKeeper, app.BankKeeper)
	// Bitcoin reorgs and new tips drive x/pop's finality bookkeeping and x/tunnel's reorg sweep
	// (once per block, in x/btclc's EndBlock).
	app.BTCLCKeeper.SetHooks(btclctypes.NewMultiHooks(app.PoPKeeper.Hooks(), app.TunnelKeeper.Hooks()))
	// x/inbox runs each operation through the handler of the message it stands for.
	app.InboxKeeper = inboxkeeper.NewKeeper(appCodec, kv(inboxtypes.StoreKey), authorityStr, accountCodec,
		app.BTCLCKeeper, app.BankKeeper, app.TunnelKeeper, inboxStaking{app.StakingKeeper, stakingkeeper.NewMsgServerImpl(app.StakingKeeper)})

	// Every store the app mounts (it has no transient ones), so that the EVM's state snapshots and
	// Block-STM's multi-version views cover all of them.
	for _, name := range sortedKeys(keys) {
		app.storeKeys = append(app.storeKeys, keys[name])
	}
	for _, name := range sortedKeys(objectKeys) {
		app.storeKeys = append(app.storeKeys, objectKeys[name])
	}

	app.EVMKeeper = evmkeeper.NewKeeper(appCodec, keys[evmtypes.StoreKey], objectKeys[evmtypes.ObjectKey], app.storeKeys,
		authority, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, app.FeeMarketKeeper,
		&app.ConsensusParamsKeeper, &app.Erc20Keeper, evmChainID, cast.ToString(appOpts.Get(srvflags.EVMTracer)),
	).WithStaticPrecompiles(app.staticPrecompiles(appCodec))
	// ahemi has 18 decimals, which is what virtual fee collection requires.
	app.EVMKeeper.EnableVirtualFeeCollection()

	app.Erc20Keeper = erc20keeper.NewKeeper(keys[erc20types.StoreKey], appCodec, authority, app.AccountKeeper,
		app.BankKeeper, app.EVMKeeper, app.StakingKeeper, app.TransferKeeper)

	// IBC transfer stack: core IBC -> erc20 middleware -> transfer, so received coins with a token
	// pair show up as ERC-20 balances.
	var transferStack porttypes.IBCModule = transfer.NewIBCModule(app.TransferKeeper)
	transferStack = erc20.NewIBCMiddleware(app.Erc20Keeper, transferStack)
	var transferStackV2 ibcapi.IBCModule = transferv2.NewIBCModule(app.TransferKeeper)
	transferStackV2 = erc20v2.NewIBCMiddleware(transferStackV2, app.Erc20Keeper)
	ibcRouter := porttypes.NewRouter()
	ibcRouter.AddRoute(ibctransfertypes.ModuleName, transferStack)
	ibcRouterV2 := ibcapi.NewRouter()
	ibcRouterV2.AddRoute(ibctransfertypes.ModuleName, transferStackV2)
	app.IBCKeeper.SetRouter(ibcRouter)
	app.IBCKeeper.SetRouterV2(ibcRouterV2)
	tmLightClient := ibctm.NewLightClientModule(appCodec, app.IBCKeeper.ClientKeeper.GetStoreProvider())
	app.IBCKeeper.ClientKeeper.AddRoute(ibctm.ModuleName, &tmLightClient)

	vmModule := newVMModule(app.EVMKeeper, app.AccountKeeper, app.BankKeeper,
		vm.NewAppModule(app.EVMKeeper, app.AccountKeeper, app.BankKeeper, app.AccountKeeper.AddressCodec()))

	app.ModuleManager = module.NewManager(
		genutil.NewAppModule(app.AccountKeeper, app.StakingKeeper, app, txConfig),
		auth.NewAppModule(appCodec, app.AccountKeeper, nil, nil),
		bank.NewAppModule(appCodec, app.BankKeeper, app.AccountKeeper, nil),
		feegrantmodule.NewAppModule(appCodec, app.AccountKeeper, app.BankKeeper, app.FeeGrantKeeper, app.interfaceRegistry),
		gov.NewAppModule(appCodec, &app.GovKeeper, app.AccountKeeper, app.BankKeeper, nil),
		mint.NewAppModule(appCodec, app.MintKeeper, app.AccountKeeper, nil, nil),
		slashing.NewAppModule(appCodec, app.SlashingKeeper, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, nil, app.interfaceRegistry),
		distr.NewAppModule(appCodec, app.DistrKeeper, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, nil),
		staking.NewAppModule(appCodec, app.StakingKeeper, app.AccountKeeper, app.BankKeeper, nil),
		upgradeModule{keeper: app.UpgradeKeeper},
		evidence.NewAppModule(app.EvidenceKeeper),
		authzmodule.NewAppModule(appCodec, app.AuthzKeeper, app.AccountKeeper, app.BankKeeper, app.interfaceRegistry),
		consensus.NewAppModule(appCodec, app.ConsensusParamsKeeper),
		ibc.NewAppModule(app.IBCKeeper),
		ibctm.NewAppModule(tmLightClient),
		transfer.NewAppModule(app.TransferKeeper),
		vmModule,
		feemarket.NewAppModule(app.FeeMarketKeeper),
		erc20.NewAppModule(app.Erc20Keeper, app.AccountKeeper),
		btclc.NewAppModule(app.BTCLCKeeper),
		pop.NewAppModule(app.PoPKeeper),
		tunnel.NewAppModule(app.TunnelKeeper),
		inbox.NewAppModule(app.InboxKeeper),
	)
	app.BasicModuleManager = module.NewBasicManagerFromManager(app.ModuleManager, map[string]module.AppModuleBasic{
		genutiltypes.ModuleName:     genutil.NewAppModuleBasic(genutiltypes.DefaultMessageValidator),
		stakingtypes.ModuleName:     staking.AppModuleBasic{},
		govtypes.ModuleName:         gov.NewAppModuleBasic(nil),
		ibctransfertypes.ModuleName: transfer.AppModuleBasic{},
	})
	app.BasicModuleManager.RegisterLegacyAminoCodec(app.legacyAmino)
	app.BasicModuleManager.RegisterInterfaces(app.interfaceRegistry)
	app.BasicModuleManager = withHemiGenesisDefaults(appCodec, app.BasicModuleManager)

	app.ModuleManager.SetOrderPreBlockers(preBlockers...)
	app.ModuleManager.SetOrderBeginBlockers(beginBlockers...)
	app.ModuleManager.SetOrderEndBlockers(endBlockers...)
	app.ModuleManager.SetOrderInitGenesis(genesisOrder...)
	app.ModuleManager.SetOrderExportGenesis(genesisOrder...)

	app.configurator = module.NewConfigurator(appCodec, app.MsgServiceRouter(), app.GRPCQueryRouter())
	if err := app.ModuleManager.RegisterServices(app.configurator); err != nil {
		panic(fmt.Errorf("registering module services: %w", err))
	}
	autocliv1.RegisterQueryServer(app.GRPCQueryRouter(), runtimeservices.NewAutoCLIQueryService(app.ModuleManager.Modules))
	reflectionSvc, err := runtimeservices.NewReflectionService()
	if err != nil {
		panic(err)
	}
	reflectionv1.RegisterReflectionServiceServer(app.GRPCQueryRouter(), reflectionSvc)

	app.MountKVStores(keys)
	app.MountObjectStores(objectKeys)

	app.SetInitChainer(app.InitChainer)
	app.SetPreBlocker(app.PreBlocker)
	app.SetBeginBlocker(app.BeginBlocker)
	app.SetEndBlocker(app.EndBlocker)
	app.SetPrecommiter(app.Precommiter)
	app.setAnteHandler(cast.ToUint64(appOpts.Get(srvflags.EVMMaxTxGasWanted)))
	app.SetProcessProposal(app.processProposal)
	if err := app.configureEVMMempool(appOpts, logger); err != nil {
		panic(fmt.Errorf("EVM mempool: %w", err))
	}
	postHandler, err := posthandler.NewPostHandler(posthandler.HandlerOptions{})
	if err != nil {
		panic(err)
	}
	app.SetPostHandler(postHandler)

	if loadLatest {
		if err := app.LoadLatestVersion(); err != nil {
			panic(fmt.Errorf("loading the latest state: %w", err))
		}
		ctx := app.NewContextLegacy(true, cmtproto.Header{Height: app.LastBlockHeight(), ChainID: app.ChainID()})
		// The EVM keeps denomination facts in process globals; restore them from state on restart.
		vmModule.HydrateGlobals(ctx)
	}

	app.setTxRunner(appOpts, txDecoder)
	return app
}

func (app *App) setAnteHandler(maxGasWanted uint64) {
	options := evmante.HandlerOptions{
		Cdc:                    app.appCodec,
		AccountKeeper:          app.AccountKeeper,
		BankKeeper:             app.BankKeeper,
		ExtensionOptionChecker: antetypes.HasDynamicFeeExtensionOption,
		EvmKeeper:              app.EVMKeeper,
		FeegrantKeeper:         app.FeeGrantKeeper,
		IBCKeeper:              app.IBCKeeper,
		FeeMarketKeeper:        app.FeeMarketKeeper,
		SignModeHandler:        app.txConfig.SignModeHandler(),
		SigGasConsumer:         evmante.SigVerificationGasConsumer,
		MaxTxGasWanted:         maxGasWanted,
		DynamicFeeChecker:      true,
		PendingTxListener:      app.onPendingTx,
	}
	if err := options.Validate(); err != nil {
		panic(err)
	}
	app.SetAnteHandler(evmante.NewAnteHandler(options))
}

func (app *App) onPendingTx(hash common.Hash) {
	for _, listener := range app.pendingTxListeners {
		listener(hash)
	}
}

// RegisterPendingTxListener lets the JSON-RPC server follow pending transactions.
func (app *App) RegisterPendingTxListener(listener func(common.Hash)) {
	app.pendingTxListeners = append(app.pendingTxListeners, listener)
}

// staticPrecompiles are cosmos/evm's static precompiles and x/hvm's Bitcoin precompiles, which
// read x/btclc, x/pop and x/tunnel (their keepers must exist).
func (app *App) staticPrecompiles(cdc codec.Codec) map[common.Address]corevm.PrecompiledContract {
	precompiles := precompiletypes.DefaultStaticPrecompiles(
		*app.StakingKeeper, app.DistrKeeper, app.BankKeeper, &app.Erc20Keeper, app.TransferKeeper,
		app.IBCKeeper.ChannelKeeper, app.IBCKeeper.ClientKeeper, app.GovKeeper, app.SlashingKeeper, cdc,
	)
	for _, p := range hvm.Precompiles(app.BTCLCKeeper, app.PoPKeeper, app.TunnelKeeper) {
		if _, taken := precompiles[p.Address()]; taken {
			panic(fmt.Errorf("x/hvm precompile %s at %s collides with a cosmos/evm precompile", p.Name(), p.Address()))
		}
		precompiles[p.Address()] = p
	}
	return precompiles
}

// StaticPrecompileAddresses are the addresses of every static precompile the EVM has: cosmos/evm's
// and x/hvm's, as EIP-55 hex (the form the EVM's params compare), sorted as the params require.
func StaticPrecompileAddresses() []string {
	addrs := slices.Clone(evmtypes.AvailableStaticPrecompiles)
	for _, a := range hvm.Addresses() {
		addrs = append(addrs, a.Hex())
	}
	slices.Sort(addrs)
	return addrs
}

// BlockedAddresses are the accounts that may not receive coins by a plain send: module accounts,
// Ethereum's precompiles, every static precompile (cosmos/evm's and x/hvm's) and hemiBTC's ERC-20.
func BlockedAddresses() map[string]bool {
	blocked := make(map[string]bool)
	for _, name := range moduleAccountNames() {
		blocked[authtypes.NewModuleAddress(name).String()] = true
	}
	for _, addr := range corevm.PrecompiledAddressesPrague {
		blocked[evmutils.Bech32StringFromHexAddress(addr.Hex())] = true
	}
	for _, hex := range StaticPrecompileAddresses() {
		blocked[evmutils.Bech32StringFromHexAddress(hex)] = true
	}
	// hemiBTC's ERC-20 precompile: sat sent to it would be lost.
	blocked[evmutils.Bech32StringFromHexAddress(params.HemiBTCAddress)] = true
	return blocked
}

// BeginBlocker runs the modules' BeginBlock in the order of modules.go.
func (app *App) BeginBlocker(ctx sdk.Context) (sdk.BeginBlock, error) {
	return app.ModuleManager.BeginBlock(ctx)
}

// EndBlocker runs the modules' EndBlock in the order of modules.go, then tells the node's Bitcoin
// watcher, if it runs one, where x/btclc's tip is now (a hint for reading ahead: a block executed
// optimistically and then not committed only makes it read early).
func (app *App) EndBlocker(ctx sdk.Context) (sdk.EndBlock, error) {
	res, err := app.ModuleManager.EndBlock(ctx)
	if err != nil {
		return res, err
	}
	if source := app.bitcoinSourceOf(); source != nil {
		if tip, err := app.BTCLCKeeper.Tip(ctx); err == nil {
			source.Followed(tip.Height)
		}
	}
	return res, nil
}

// Precommiter runs the modules' Precommit, then tells the node guard, if the node runs one, what
// the block being committed holds: x/btclc's tip, x/inbox's coins, the keystone it recorded
// (reads; the state is not changed). Commit is the one place that sees only committed blocks:
// with optimistic execution, EndBlock also runs for proposals of rounds that never commit, and a
// coalition could otherwise show the guard an inbox operation run in a block it then drops.
func (app *App) Precommiter(ctx sdk.Context) {
	if err := app.ModuleManager.Precommit(ctx); err != nil { // no module of the app has one today
		app.Logger().Error("a module's Precommit failed", "height", ctx.BlockHeight(), "err", err)
	}
	app.guardLearn(ctx)
}

// PreBlocker lets the node guard, if the node runs one, refuse the block; then it runs the
// modules' PreBlock in the order of modules.go and applies the block's injected Bitcoin entry, so
// that every transaction of the block sees it.
func (app *App) PreBlocker(ctx sdk.Context, req *abci.RequestFinalizeBlock) (*sdk.ResponsePreBlock, error) {
	// The guard first, before x/upgrade: a forged chain may carry an upgrade plan of its own, and
	// x/upgrade would then write its upgrade-info.json (the binary cosmovisor fetches) and halt
	// with a routine UPGRADE NEEDED before the guard could say the chain is forged. So the guard
	// primes itself from x/pop's keystones as the state holds them before this block's
	// migrations: an upgrade that changes their encoding must keep them readable to it.
	if err := app.guardBlock(ctx, req); err != nil {
		return nil, err
	}
	res, err := app.ModuleManager.PreBlock(ctx)
	if err != nil {
		return nil, err
	}
	app.applyEntry(ctx, req)
	return res, nil
}

// InitChainer initialises every module from the genesis file.
func (app *App) InitChainer(ctx sdk.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	var genesis map[string]json.RawMessage
	if err := json.Unmarshal(req.AppStateBytes, &genesis); err != nil {
		return nil, fmt.Errorf("genesis app_state is not valid JSON: %w", err)
	}
	if err := app.UpgradeKeeper.SetModuleVersionMap(ctx, app.ModuleManager.GetVersionMap()); err != nil {
		return nil, err
	}
	return app.ModuleManager.InitGenesis(ctx, app.appCodec, genesis)
}

// LoadHeight loads the state at a past height.
func (app *App) LoadHeight(height int64) error { return app.LoadVersion(height) }

// LegacyAmino returns the amino codec (still used by a few SDK CLI paths).
func (app *App) LegacyAmino() *codec.LegacyAmino { return app.legacyAmino }

// AppCodec returns the app's protobuf codec.
func (app *App) AppCodec() codec.Codec { return app.appCodec }

// InterfaceRegistry returns the app's interface registry.
func (app *App) InterfaceRegistry() codectypes.InterfaceRegistry { return app.interfaceRegistry }

// TxConfig returns the app's transaction config.
func (app *App) TxConfig() client.TxConfig { return app.txConfig }

// GetMempool returns the EVM mempool (the JSON-RPC server reads pending txs from it).
func (app *App) GetMempool() sdkmempool.ExtMempool { return app.EVMMempool }

// DefaultGenesis returns the genesis of every module with hemid's denominations.
func (app *App) DefaultGenesis() map[string]json.RawMessage {
	return app.BasicModuleManager.DefaultGenesis(app.appCodec)
}

// RegisterAPIRoutes serves every module's REST routes (grpc-gateway) on the API server.
func (app *App) RegisterAPIRoutes(apiSvr *api.Server, apiConfig serverconfig.APIConfig) {
	clientCtx := apiSvr.ClientCtx
	authtx.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	cmtservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	node.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	app.BasicModuleManager.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	if err := sdkserver.RegisterSwaggerAPI(clientCtx, apiSvr.Router, apiConfig.Swagger); err != nil {
		panic(err)
	}
}

// RegisterTxService serves the tx gRPC service (simulate, broadcast, get).
func (app *App) RegisterTxService(clientCtx client.Context) {
	authtx.RegisterTxService(app.GRPCQueryRouter(), clientCtx, app.Simulate, app.interfaceRegistry)
}

// RegisterTendermintService serves the CometBFT gRPC service.
func (app *App) RegisterTendermintService(clientCtx client.Context) {
	cmtservice.RegisterTendermintService(clientCtx, app.GRPCQueryRouter(), app.interfaceRegistry, app.Query)
}

// RegisterNodeService serves the node gRPC service.
func (app *App) RegisterNodeService(clientCtx client.Context, cfg serverconfig.Config) {
	node.RegisterNodeService(clientCtx, app.GRPCQueryRouter(), cfg, func() int64 {
		return app.CommitMultiStore().EarliestVersion()
	})
}

// Close stops the EVM mempool, then the base app.
func (app *App) Close() error {
	var err error
	if m, ok := app.EVMMempool.(*evmmempool.Mempool); ok && m != nil {
		err = m.Close()
	}
	return errors.Join(err, app.BaseApp.Close())
}

// AutoCliOpts returns what autocli needs to build the query and tx commands of every module.
func (app *App) AutoCliOpts() autocli.AppOptions {
	modules := make(map[string]appmodule.AppModule)
	for name, m := range app.ModuleManager.Modules {
		if am, ok := m.(appmodule.AppModule); ok {
			modules[name] = am
		}
	}
	return autocli.AppOptions{
		Modules:               modules,
		ModuleOptions:         runtimeservices.ExtractAutoCLIOptions(app.ModuleManager.Modules),
		AddressCodec:          evmaddress.NewEvmCodec(sdk.GetConfig().GetBech32AccountAddrPrefix()),
		ValidatorAddressCodec: evmaddress.NewEvmCodec(sdk.GetConfig().GetBech32ValidatorAddrPrefix()),
		ConsensusAddressCodec: evmaddress.NewEvmCodec(sdk.GetConfig().GetBech32ConsensusAddrPrefix()),
	}
}

func sortedKeys[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// inboxStaking is staking as x/inbox needs it: the bond denom, and MsgUndelegate's handler.
type inboxStaking struct {
	keeper *stakingkeeper.Keeper
	msgs   stakingtypes.MsgServer
}

func (s inboxStaking) BondDenom(ctx context.Context) (string, error) { return s.keeper.BondDenom(ctx) }

func (s inboxStaking) Undelegate(ctx context.Context, msg *stakingtypes.MsgUndelegate) (*stakingtypes.MsgUndelegateResponse, error) {
	return s.msgs.Undelegate(ctx, msg)
}
