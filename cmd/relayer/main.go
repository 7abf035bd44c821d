// Command relayer keeps hemid's Bitcoin light client (x/btclc) in sync with a Bitcoin node.
//
//	relayer --btc-rpc http://127.0.0.1:18443 --btc-user u --btc-password p \
//	        --hemid-grpc 127.0.0.1:9090 --chain-id hemidev_74301-1 --home ~/.hemid --key relayer
//
// Flags may also come from a TOML file (--config) whose keys are the flag names.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/hemiclient"
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
	// The config file is read before the flags are parsed so that flags override it.
	if path := configPath(os.Args[1:]); path != "" {
		if err := cfg.LoadFile(path); err != nil {
			return err
		}
	}
	fs := pflag.NewFlagSet("relayer", pflag.ContinueOnError)
	fs.String("config", "", "TOML config file whose keys are these flags' names")
	cfg.BindFlags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	params.SetAddressPrefixes(sdk.GetConfig())
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	btc, err := bitcoin.NewRPCClient(cfg.BitcoinRPC())
	if err != nil {
		return err
	}
	hemi, err := hemiclient.New(cfg.Hemi())
	if err != nil {
		return err
	}
	defer hemi.Close()

	reg := prometheus.NewRegistry()
	metrics := relayer.NewMetrics(reg)
	if cfg.MetricsAddr != "" {
		l, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics endpoint %s: %w", cfg.MetricsAddr, err)
		}
		srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics endpoint stopped", "err", err)
			}
		}()
		defer srv.Close()
		log.Info("serving Prometheus metrics", "address", "http://"+l.Addr().String()+"/metrics")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("relaying Bitcoin headers to x/btclc", "bitcoin", btc.Name(), "hemid", cfg.HemidGRPC,
		"chain_id", cfg.ChainID, "relayer", hemi.Address().String())
	r := relayer.New(relayer.Config{BatchSize: cfg.BatchSize, PollInterval: cfg.Poll}, btc, relayer.ChainLightClient{Client: hemi}, log, metrics)
	err = r.Run(ctx)
	log.Info("relayer stopped")
	return err
}

// configPath finds --config in the arguments.
func configPath(args []string) string {
	for i, a := range args {
		if a == "--config" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
	}
	return ""
}
