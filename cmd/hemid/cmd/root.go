// Package cmd builds hemid's command tree: node commands (init, genesis, start, export, …), keys
// (eth_secp256k1 by default), the autocli query and tx commands of every module, and the relayer
// and popminer daemons.
package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cast"
	"github.com/spf13/cobra"

	cmtcli "github.com/cometbft/cometbft/libs/cli"

	dbm "github.com/cosmos/cosmos-db"
	evmclient "github.com/cosmos/evm/client"
	evmdebug "github.com/cosmos/evm/client/debug"
	"github.com/cosmos/evm/crypto/hd"
	evmserver "github.com/cosmos/evm/server"
	evmserverconfig "github.com/cosmos/evm/server/config"
	srvflags "github.com/cosmos/evm/server/flags"

	clienthelpers "cosmossdk.io/client/v2/helpers"
	"cosmossdk.io/log/v2"
	confixcmd "cosmossdk.io/tools/confix/cmd"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	clientcfg "github.com/cosmos/cosmos-sdk/client/config"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/rpc"
	sdkserver "github.com/cosmos/cosmos-sdk/server"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	"github.com/cosmos/cosmos-sdk/store/v2"
	snapshottypes "github.com/cosmos/cosmos-sdk/store/v2/snapshots/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authcmd "github.com/cosmos/cosmos-sdk/x/auth/client/cli"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/watcher"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// DefaultNodeHome is where hemid keeps its config, data and keyring unless --home says otherwise.
func DefaultNodeHome() string {
	home, err := clienthelpers.GetNodeHomeDirectory(".hemid")
	if err != nil {
		panic(err)
	}
	return home
}

// NewRootCmd returns hemid's root command.
func NewRootCmd() *cobra.Command {
	cfg := sdk.GetConfig()
	params.SetAddressPrefixes(cfg)
	cfg.Seal()

	// An app instance on an in-memory database gives the codecs and the autocli descriptors.
	// It uses cosmos/evm's placeholder EVM chain id, the one value the EVM lets a later app replace.
	tempApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, evmserverconfig.DefaultEVMChainID, simtestutil.EmptyAppOptions{})

	initClientCtx := client.Context{}.
		WithCodec(tempApp.AppCodec()).
		WithInterfaceRegistry(tempApp.InterfaceRegistry()).
		WithTxConfig(tempApp.TxConfig()).
		WithLegacyAmino(tempApp.LegacyAmino()).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithBroadcastMode(flags.BroadcastSync).
		WithHomeDir(DefaultNodeHome()).
		WithViper("HEMID").
		WithKeyringOptions(hd.EthSecp256k1Option()).
		WithLedgerHasProtobuf(true)

	rootCmd := &cobra.Command{
		Use:   "hemid",
		Short: "hemid: a Cosmos appchain secured by Bitcoin through Proof-of-Proof, with an EVM that reads Bitcoin",
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())

			clientCtx := initClientCtx.WithCmdContext(cmd.Context())
			clientCtx, err := client.ReadPersistentCommandFlags(clientCtx, cmd.Flags())
			if err != nil {
				return err
			}
			clientCtx, err = clientcfg.ReadFromClientConfig(clientCtx)
			if err != nil {
				return err
			}
			if err := applyDefaultGasPrices(cmd, clientCtx.Viper); err != nil {
				return err
			}
			if err := client.SetCmdClientContextHandler(clientCtx, cmd); err != nil {
				return err
			}
			return sdkserver.InterceptConfigsPreRunHandler(cmd, appConfigTemplate,
				defaultAppConfig(evmChainIDForInit(cmd)), defaultCometConfig())
		},
	}

	addCommands(rootCmd, tempApp)

	autoCliOpts := tempApp.AutoCliOpts()
	initClientCtx, _ = clientcfg.ReadFromClientConfig(initClientCtx)
	autoCliOpts.ClientCtx = initClientCtx
	if err := autoCliOpts.EnhanceRootCommand(rootCmd); err != nil {
		panic(err)
	}
	return rootCmd
}

func addCommands(rootCmd *cobra.Command, tempApp *app.App) {
	home := DefaultNodeHome()
	rootCmd.AddCommand(
		initCmd(tempApp, home),
		genesisCmd(tempApp, home),
		cmtcli.NewCompletionCmd(rootCmd, true),
		confixcmd.ConfigCommand(),
		debugCmd(tempApp),
		relayerCmd(),
		popminerCmd(),
		btcCmd(),
		popCmd(),
	)

	evmserver.AddCommands(rootCmd, evmserver.NewDefaultStartOptions(newApp, home), exportApp, func(*cobra.Command) {})
	startCmd, _, err := rootCmd.Find([]string{"start"})
	if err != nil {
		panic(err)
	}
	bindFlags := startCmd.PreRunE
	startCmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if err := bindFlags(cmd, args); err != nil {
			return err
		}
		return pinEVMChainID(cmd)
	}

	rootCmd.AddCommand(
		evmclient.KeyCommands(home, true),
		sdkserver.StatusCommand(),
		queryCommand(),
		txCommand(),
	)
	if _, err := srvflags.AddTxFlags(rootCmd); err != nil {
		panic(err)
	}
}

// initCmd is the SDK's init with a chain id hemid can use, followed by the consensus params
// hemid needs (a finite block gas limit for the EVM's fee market) and client.toml's default gas
// price.
func initCmd(tempApp *app.App, home string) *cobra.Command {
	cmd := genutilcli.InitCmd(tempApp.BasicModuleManager, home)
	cmd.PreRunE = requireChainID
	cmd.PostRunE = func(cmd *cobra.Command, _ []string) error {
		serverCtx := sdkserver.GetServerContextFromCmd(cmd)
		genesisFile := serverCtx.Config.GenesisFile()
		genesis, state, err := genesisAppState(genesisFile)
		if err != nil {
			return err
		}
		genesis.Consensus.Params.Block.MaxGas = app.BlockMaxGas
		if err := genesis.SaveAs(genesisFile); err != nil {
			return err
		}
		floor, err := app.GenesisFeeFloor(tempApp.AppCodec(), state)
		if err != nil {
			return err
		}
		return writeClientGasPrices(serverCtx.Config.RootDir, floor)
	}
	return cmd
}

// genesisCmd is the SDK's genesis commands plus hemid's btclc-base, with gentxs that pay the fee
// floor by default and genesis checks that refuse what would stop the node at its first block.
func genesisCmd(tempApp *app.App, home string) *cobra.Command {
	cmd := genutilcli.Commands(tempApp.TxConfig(), tempApp.BasicModuleManager, home)
	subcommand(cmd, "gentx").PreRunE = gentxFeeDefault
	collect := subcommand(cmd, "collect-gentxs")
	collect.RunE = checkCollectedGenesis(collect.RunE)
	validate := subcommand(cmd, "validate")
	validate.RunE = checkGenesisFirst(validate.RunE)
	cmd.AddCommand(btclcBaseCmd())
	return cmd
}

// debugCmd is cosmos/evm's debug commands plus chain-info.
func debugCmd(tempApp *app.App) *cobra.Command {
	cmd := evmdebug.Cmd()
	cmd.AddCommand(chainInfoCmd(tempApp))
	return cmd
}

func queryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "query",
		Aliases:                    []string{"q"},
		Short:                      "Query the chain (modules, blocks, transactions)",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		rpc.QueryEventForTxCmd(),
		rpc.ValidatorCommand(),
		authcmd.QueryTxsByEventsCmd(),
		authcmd.QueryTxCmd(),
		sdkserver.QueryBlockCmd(),
		sdkserver.QueryBlockResultsCmd(),
	)
	cmd.PersistentFlags().String(flags.FlagChainID, "", "The network chain ID")
	return cmd
}

func txCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "tx",
		Short:                      "Sign and broadcast transactions",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		authcmd.GetSignCommand(),
		authcmd.GetSignBatchCommand(),
		authcmd.GetMultiSignCommand(),
		authcmd.GetValidateSignaturesCommand(),
		authcmd.GetBroadcastCommand(),
		authcmd.GetEncodeCommand(),
		authcmd.GetDecodeCommand(),
		authcmd.GetSimulateCmd(),
	)
	cmd.PersistentFlags().String(flags.FlagChainID, "", "The network chain ID")
	return cmd
}

// chainIDFromOpts returns the chain id from --chain-id, or else from the node's genesis file.
func chainIDFromOpts(appOpts servertypes.AppOptions) (string, error) {
	if id := cast.ToString(appOpts.Get(flags.FlagChainID)); id != "" {
		return id, nil
	}
	home := cast.ToString(appOpts.Get(flags.FlagHome))
	genesisFile := filepath.Join(home, "config", "genesis.json")
	genesis, err := genutiltypes.AppGenesisFromFile(genesisFile)
	if err != nil {
		return "", fmt.Errorf("reading the chain id from %s: %w", genesisFile, err)
	}
	return genesis.ChainID, nil
}

// newApp builds the app for the node. Configuration errors end the process with a message, since
// there is nothing to serve without an app.
func newApp(logger log.Logger, db dbm.DB, appOpts servertypes.AppOptions) evmserver.Application {
	a, err := buildApp(logger, db, true, appOpts)
	if err == nil {
		err = registerMetrics(prometheus.DefaultRegisterer, app.ProposalsRejected)
	}
	if err == nil {
		err = startBitcoinWatcher(a, appOpts, logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hemid:", err)
		os.Exit(1)
	}
	return a
}

// registerMetrics registers the app's process-wide metrics with reg, once.
func registerMetrics(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return err
		}
	}
	return nil
}

// startBitcoinWatcher runs the node's Bitcoin watcher when app.toml's [bitcoin] enable is set, and
// its guard when guard is; they live as long as the process.
func startBitcoinWatcher(a *app.App, appOpts servertypes.AppOptions, logger log.Logger) error {
	cfg := watcher.Config{
		Enable:                cast.ToBool(appOpts.Get("bitcoin.enable")),
		RPCAddress:            cast.ToString(appOpts.Get("bitcoin.rpc-address")),
		RPCUser:               cast.ToString(appOpts.Get("bitcoin.rpc-user")),
		RPCPasswordFile:       cast.ToString(appOpts.Get("bitcoin.rpc-password-file")),
		RPCCertFile:           cast.ToString(appOpts.Get("bitcoin.rpc-cert-file")),
		PollInterval:          cast.ToDuration(appOpts.Get("bitcoin.poll-interval")),
		Guard:                 cast.ToBool(appOpts.Get("bitcoin.guard")),
		GuardFromHeight:       cast.ToInt64(appOpts.Get("bitcoin.guard-from-height")),
		GuardTrusted:          cast.ToString(appOpts.Get("bitcoin.guard-trusted")),
		GuardMaxLag:           cast.ToInt64(appOpts.Get("bitcoin.guard-max-lag")),
		GuardHaltOnCensorship: cast.ToBool(appOpts.Get("bitcoin.guard-halt-on-censorship")),
	}
	if cfg.Enable {
		w, err := watcher.Start(context.Background(), cfg, logger.With("module", "bitcoin-watcher"), prometheus.DefaultRegisterer)
		if err != nil {
			return err
		}
		a.SetBitcoinSource(w)
		if os.Getenv(app.UnsafeUncheckedEntriesEnv) == "1" {
			logger.Error("UNSAFE: " + app.UnsafeUncheckedEntriesEnv + "=1: this node proposes its Bitcoin watcher's data without checking it (a test switch); unset it")
			a.SetUnsafeUncheckedEntries(true)
		}
	}
	if os.Getenv(app.UnsafeCensorInboxEnv) == "1" {
		logger.Error("UNSAFE: " + app.UnsafeCensorInboxEnv + "=1: this node censors x/inbox's operations (a test switch); unset it")
		a.SetUnsafeCensorInbox(true)
	}
	if cfg.Guard {
		rules, err := guardRules(a, appOpts)
		if err != nil {
			return err
		}
		g, err := watcher.StartGuard(context.Background(), cfg, rules, logger.With("module", "bitcoin-guard"), prometheus.DefaultRegisterer)
		if err != nil {
			return err
		}
		a.SetBitcoinGuard(g)
	}
	return nil
}

// guardRules reads x/pop's keystone_interval and superfinality_depth, x/inbox's inbox_deadline
// and min_confirmations, and x/btclc's base height, from the genesis file: the guard judges by
// the chain's rules as it began, not by a state that may be forged.
func guardRules(a *app.App, appOpts servertypes.AppOptions) (watcher.GuardRules, error) {
	genesisFile := filepath.Join(cast.ToString(appOpts.Get(flags.FlagHome)), "config", "genesis.json")
	genesis, err := genutiltypes.AppGenesisFromFile(genesisFile)
	if err != nil {
		return watcher.GuardRules{}, fmt.Errorf("[bitcoin] guard: reading %s: %w", genesisFile, err)
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(genesis.AppState, &state); err != nil {
		return watcher.GuardRules{}, fmt.Errorf("[bitcoin] guard: %s app_state: %w", genesisFile, err)
	}
	var pop poptypes.GenesisState
	if err := a.AppCodec().UnmarshalJSON(state[poptypes.ModuleName], &pop); err != nil {
		return watcher.GuardRules{}, fmt.Errorf("[bitcoin] guard: %s app_state.%s: %w", genesisFile, poptypes.ModuleName, err)
	}
	var inbox inboxtypes.GenesisState // a chain begun without x/inbox has no inbox alarm
	if raw, ok := state[inboxtypes.ModuleName]; ok {
		if err := a.AppCodec().UnmarshalJSON(raw, &inbox); err != nil {
			return watcher.GuardRules{}, fmt.Errorf("[bitcoin] guard: %s app_state.%s: %w", genesisFile, inboxtypes.ModuleName, err)
		}
	}
	var btclc btclctypes.GenesisState
	if err := a.AppCodec().UnmarshalJSON(state[btclctypes.ModuleName], &btclc); err != nil {
		return watcher.GuardRules{}, fmt.Errorf("[bitcoin] guard: %s app_state.%s: %w", genesisFile, btclctypes.ModuleName, err)
	}
	var base int64
	if len(btclc.Headers) > 0 {
		base = int64(btclc.Headers[0].Height)
	}
	return watcher.GuardRules{Interval: pop.Params.KeystoneInterval, Depth: uint64(pop.Params.SuperfinalityDepth),
		InboxDeadline: inbox.Params.InboxDeadline, InboxMinConfirmations: inbox.Params.MinConfirmations, InboxFrom: base}, nil
}

func buildApp(logger log.Logger, db dbm.DB, loadLatest bool, appOpts servertypes.AppOptions) (*app.App, error) {
	chainID, err := chainIDFromOpts(appOpts)
	if err != nil {
		return nil, err
	}
	evmChainID, err := params.EVMChainID(chainID)
	if err != nil {
		return nil, err
	}
	pruning, err := sdkserver.GetPruningOptionsFromFlags(appOpts)
	if err != nil {
		return nil, err
	}
	snapshotStore, err := sdkserver.GetSnapshotStore(appOpts)
	if err != nil {
		return nil, err
	}
	var cache storetypes.MultiStorePersistentCache
	if cast.ToBool(appOpts.Get(sdkserver.FlagInterBlockCache)) {
		cache = store.NewCommitKVStoreCacheManager()
	}
	return app.New(logger, db, loadLatest, evmChainID, appOpts,
		baseapp.SetChainID(chainID),
		baseapp.SetPruning(pruning),
		baseapp.SetMinGasPrices(cast.ToString(appOpts.Get(sdkserver.FlagMinGasPrices))),
		baseapp.SetQueryGasLimit(cast.ToUint64(appOpts.Get(sdkserver.FlagQueryGasLimit))),
		baseapp.SetHaltHeight(cast.ToUint64(appOpts.Get(sdkserver.FlagHaltHeight))),
		baseapp.SetHaltTime(cast.ToUint64(appOpts.Get(sdkserver.FlagHaltTime))),
		baseapp.SetMinRetainBlocks(cast.ToUint64(appOpts.Get(sdkserver.FlagMinRetainBlocks))),
		baseapp.SetInterBlockCache(cache),
		baseapp.SetTrace(cast.ToBool(appOpts.Get(sdkserver.FlagTrace))),
		baseapp.SetIndexEvents(cast.ToStringSlice(appOpts.Get(sdkserver.FlagIndexEvents))),
		baseapp.SetSnapshot(snapshotStore, snapshottypes.NewSnapshotOptions(
			cast.ToUint64(appOpts.Get(sdkserver.FlagStateSyncSnapshotInterval)),
			cast.ToUint32(appOpts.Get(sdkserver.FlagStateSyncSnapshotKeepRecent)))),
		baseapp.SetIAVLCacheSize(cast.ToInt(appOpts.Get(sdkserver.FlagIAVLCacheSize))),
		baseapp.SetIAVLDisableFastNode(cast.ToBool(appOpts.Get(sdkserver.FlagDisableIAVLFastNode))),
	), nil
}

// exportApp loads the state (at a height, or the latest) for `hemid export`.
func exportApp(logger log.Logger, db dbm.DB, height int64, forZeroHeight bool,
	jailAllowedAddrs []string, appOpts servertypes.AppOptions, modulesToExport []string,
) (servertypes.ExportedApp, error) {
	if cast.ToString(appOpts.Get(flags.FlagHome)) == "" {
		return servertypes.ExportedApp{}, errors.New("export needs --home")
	}
	a, err := buildApp(logger, db, height == -1, appOpts)
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	if height != -1 {
		if err := a.LoadHeight(height); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	return a.ExportAppStateAndValidators(forZeroHeight, jailAllowedAddrs, modulesToExport)
}
