// Command relayer keeps hemid's Bitcoin light client (x/btclc) in sync with a Bitcoin node.
//
//	relayer --btc-rpc http://127.0.0.1:18443 --btc-user u --btc-password p \
//	        --hemid-grpc 127.0.0.1:9090 --chain-id hemidev_74301-1 --home ~/.hemid --key relayer
//
// Flags may also come from a TOML file (--config) whose keys are the flag names.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/daemon"
	"github.com/hemi-appchain/hemi/relayer"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "relayer:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := relayer.DefaultDaemonConfig()
	if err := daemon.ParseConfig("relayer", os.Args[1:], cfg.BindFlags); err != nil {
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
		WithPoPProver(relayer.ChainPoPProver{Client: hemi})
	err = r.Run(ctx)
	log.Info("relayer stopped")
	return err
}
