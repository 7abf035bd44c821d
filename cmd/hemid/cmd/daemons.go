package cmd

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/daemon"
	"github.com/hemi-appchain/hemi/hemiclient"
	"github.com/hemi-appchain/hemi/popminer"
	"github.com/hemi-appchain/hemi/relayer"
)

// daemonCmd is a long-running daemon as a hemid subcommand. Its flags are its own: daemon.ParseConfig
// reads them and its --config file, not cobra, so none of hemid's global flags apply, and --help
// prints the daemon's flags. It skips the root's pre-run, which configures a node home the daemon
// does not have. The address prefixes are the root's. Errors are reported once, as "name: error".
func daemonCmd(name, short string, run func(args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:                name + " [flags]",
		Short:              short,
		DisableFlagParsing: true,
		SilenceUsage:       true,
		SilenceErrors:      true,
		PersistentPreRunE:  func(*cobra.Command, []string) error { return nil },
		RunE: func(_ *cobra.Command, args []string) error {
			err := run(args)
			if err == nil || errors.Is(err, pflag.ErrHelp) { // --help printed the flags
				return nil
			}
			return fmt.Errorf("%s: %w", name, err)
		},
	}
}

// daemonConfig is a daemon's configuration: relayer's or popminer's DaemonConfig.
type daemonConfig interface {
	BindFlags(fs *pflag.FlagSet)
	Validate() error
	Clients() (*rpc.Client, *hemiclient.Client, error)
}

// connect reads the daemon's configuration into cfg from args (flags and the --config file),
// checks it, and connects to its Bitcoin node and to hemid.
func connect(name string, args []string, cfg daemonConfig) (*rpc.Client, *hemiclient.Client, error) {
	if err := daemon.ParseConfig(name, args, cfg.BindFlags); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return cfg.Clients()
}

// relayerCmd is `hemid relayer`: it keeps x/btclc in sync with a Bitcoin node.
//
//	hemid relayer --btc-rpc http://127.0.0.1:18443 --btc-user u --btc-password-file ~/.btc-rpc-password \
//	              --hemid-grpc 127.0.0.1:9090 --chain-id hemidev_74301-1 --home ~/.hemid --key relayer
func relayerCmd() *cobra.Command {
	return daemonCmd("relayer", "Keep x/btclc in sync with a Bitcoin node and prove PoP publications and vault deposits (flags or a TOML --config)", runRelayer)
}

func runRelayer(args []string) error {
	cfg := relayer.DefaultDaemonConfig()
	btc, hemi, err := connect("hemid relayer", args, &cfg)
	if err != nil {
		return err
	}
	defer hemi.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	reg := prometheus.NewRegistry()
	metrics := relayer.NewMetrics(reg)
	stopMetrics, err := daemon.ServeMetrics(cfg.MetricsAddr, reg, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	ctx, stop := daemon.SignalContext()
	defer stop()
	log.Info("relaying Bitcoin headers to x/btclc", "bitcoin", btc.Name(), "hemid", cfg.HemidGRPC,
		"chain_id", cfg.ChainID, "relayer", hemi.Address().String())
	r := relayer.New(relayer.Config{BatchSize: cfg.BatchSize, PollInterval: cfg.Poll}, btc, relayer.ChainLightClient{Client: hemi}, log, metrics).
		WithPoPProver(relayer.ChainPoPProver{Client: hemi}).WithDepositProver(relayer.ChainDepositProver{Client: hemi})
	err = r.Run(ctx)
	log.Info("relayer stopped")
	return err
}

// popminerCmd is `hemid popminer`: it publishes hemi's keystones to Bitcoin and proves them back.
//
//	hemid popminer --btc-rpc http://127.0.0.1:18443 --btc-user u --btc-password-file ~/.btc-rpc-password --network regtest \
//	               --hemid-grpc 127.0.0.1:9090 --chain-id hemidev_74301-1 --home ~/.hemid --key popminer
func popminerCmd() *cobra.Command {
	return daemonCmd("popminer", "Publish hemi's keystones to Bitcoin and prove them back (flags or a TOML --config)", runPopminer)
}

func runPopminer(args []string) error {
	cfg := popminer.DefaultDaemonConfig()
	btc, hemi, err := connect("hemid popminer", args, &cfg)
	if err != nil {
		return err
	}
	defer hemi.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := daemon.SignalContext()
	defer stop()
	w, network, err := cfg.OpenWallet(ctx, btc, hemi, cfg.Key)
	if err != nil {
		return err
	}
	chain := popminer.ChainHemi{Client: hemi}
	statePath := cfg.StateFile
	if statePath == "" {
		statePath = filepath.Join(cfg.Home, "popminer", "state.json")
	}
	stateFile, err := popminer.NewStateFile(statePath)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	metrics := popminer.NewMetrics(reg)
	stopMetrics, err := daemon.ServeMetrics(cfg.MetricsAddr, reg, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	miner, err := popminer.New(popminer.Config{ConfTarget: cfg.ConfTarget, BumpAfterBlocks: cfg.BumpAfter, PollInterval: cfg.Poll},
		btc, w, chain, stateFile, log, metrics)
	if err != nil {
		return err
	}
	log.Info("PoP miner started", "network", network.Name, "bitcoin", btc.Name(), "bitcoin_address", w.Address().EncodeAddress(),
		"payee", hemi.Address().String(), "hemid", cfg.HemidGRPC, "state_file", statePath)
	err = miner.Run(ctx)
	log.Info("PoP miner stopped")
	return err
}
