// Command popminer publishes hemi's keystones to Bitcoin and proves them back to hemi.
//
//	popminer --btc-rpc http://127.0.0.1:18443 --btc-user u --btc-password-file ~/.btc-rpc-password --network regtest \
//	         --hemid-grpc 127.0.0.1:9090 --chain-id hemidev_74301-1 --home ~/.hemid --key popminer
//
// Flags may also come from a TOML file (--config) whose keys are the flag names.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/daemon"
	"github.com/hemi-appchain/hemi/popminer"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "popminer:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := popminer.DefaultDaemonConfig()
	if err := daemon.ParseConfig("popminer", os.Args[1:], cfg.BindFlags); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	params.SetAddressPrefixes(sdk.GetConfig())
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	btc, hemi, err := cfg.Clients()
	if err != nil {
		return err
	}
	defer hemi.Close()
	key, err := popminer.KeyFromKeyring(hemi.Keyring(), cfg.Key)
	if err != nil {
		return err
	}
	ctx, stop := daemon.SignalContext()
	defer stop()
	chain := popminer.ChainHemi{Client: hemi}
	network, err := popminer.CheckNetwork(ctx, chain, btc, cfg.Network)
	if err != nil {
		return err
	}
	kind, _ := cfg.Kind() // checked by Validate
	w, err := wallet.New(key, network.Chain, kind, btc)
	if err != nil {
		return err
	}
	if err := w.SetFeeLimits(cfg.FeeFloor, cfg.FeeCap); err != nil {
		return err
	}
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
