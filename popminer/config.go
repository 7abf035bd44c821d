package popminer

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/daemon"
)

// DaemonConfig is everything `hemid popminer` reads from flags or its config file (see
// daemon.ParseConfig: TOML with the flag names as keys).
type DaemonConfig struct {
	daemon.Connections
	Network     string
	AddressKind string
	StateFile   string
	FeeFloor    int64
	FeeCap      int64
	ConfTarget  int64
	BumpAfter   int64
}

// DefaultDaemonConfig is the configuration without flags or file.
func DefaultDaemonConfig() DaemonConfig {
	return DaemonConfig{
		Connections: daemon.DefaultConnections("popminer", "127.0.0.1:9102"),
		AddressKind: "p2wpkh",
		FeeFloor:    1,
		FeeCap:      100,
		ConfTarget:  2,
		BumpAfter:   3,
	}
}

// BindFlags declares the flags; their defaults are cfg's values.
func (cfg *DaemonConfig) BindFlags(fs *pflag.FlagSet) {
	cfg.Connections.BindFlags(fs)
	fs.StringVar(&cfg.Network, "network", cfg.Network, "Bitcoin network: mainnet, testnet3, testnet4, signet or regtest; the miner refuses to start "+
		"unless it is the network of hemid's x/btclc and of the Bitcoin node (default: x/btclc's)")
	fs.StringVar(&cfg.AddressKind, "address-kind", cfg.AddressKind, "the miner's Bitcoin address: p2wpkh or p2pkh")
	fs.StringVar(&cfg.StateFile, "state-file", cfg.StateFile, "where the miner remembers the transactions it signed (default <home>/popminer/state.json)")
	fs.Int64Var(&cfg.FeeFloor, "fee-floor", cfg.FeeFloor, "lowest fee rate, sat/vB")
	fs.Int64Var(&cfg.FeeCap, "fee-cap", cfg.FeeCap, "highest fee rate, sat/vB (also for bumps)")
	fs.Int64Var(&cfg.ConfTarget, "conf-target", cfg.ConfTarget, "confirmation target for the node's fee estimate, in blocks")
	fs.Int64Var(&cfg.BumpAfter, "bump-after", cfg.BumpAfter, "bump the fee (RBF) of a publication not mined within this many blocks")
}

// Validate says what is missing or wrong.
func (cfg DaemonConfig) Validate() error {
	errs := []error{cfg.Connections.Validate()}
	if cfg.Network != "" {
		if _, err := bitcoin.NetworkByName(cfg.Network); err != nil {
			errs = append(errs, fmt.Errorf("--network: %w", err))
		}
	}
	if _, err := cfg.Kind(); err != nil {
		errs = append(errs, err)
	}
	if cfg.FeeFloor < 1 || cfg.FeeCap < cfg.FeeFloor {
		errs = append(errs, fmt.Errorf("fee limits: need 1 <= --fee-floor (%d) <= --fee-cap (%d)", cfg.FeeFloor, cfg.FeeCap))
	}
	return errors.Join(errs...)
}

// Kind is the configured address kind.
func (cfg DaemonConfig) Kind() (wallet.AddressKind, error) {
	switch cfg.AddressKind {
	case "p2wpkh":
		return wallet.P2WPKH, nil
	case "p2pkh":
		return wallet.P2PKH, nil
	}
	return 0, fmt.Errorf("--address-kind %q: use p2wpkh or p2pkh", cfg.AddressKind)
}
