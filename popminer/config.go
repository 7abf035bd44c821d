package popminer

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/daemon"
	"github.com/hemi-appchain/hemi/hemiclient"
)

// DaemonConfig is everything `hemid popminer` reads from flags or its config file (see
// daemon.ParseConfig: TOML with the flag names as keys).
type DaemonConfig struct {
	daemon.Connections
	WalletConfig
	StateFile string
	BumpAfter int64
}

// WalletConfig is how a hemi key's Bitcoin wallet is set up: its network, address kind and fee
// limits. The popminer and the `hemid btc` wallet commands share it, flags included.
type WalletConfig struct {
	Network     string
	AddressKind string
	FeeFloor    int64
	FeeCap      int64
	ConfTarget  int64
}

// DefaultDaemonConfig is the configuration without flags or file.
func DefaultDaemonConfig() DaemonConfig {
	return DaemonConfig{
		Connections:  daemon.DefaultConnections("popminer", "127.0.0.1:9102"),
		WalletConfig: DefaultWalletConfig(),
		BumpAfter:    3,
	}
}

// DefaultWalletConfig is the wallet configuration without flags or file.
func DefaultWalletConfig() WalletConfig {
	return WalletConfig{AddressKind: "p2wpkh", FeeFloor: 1, FeeCap: 100, ConfTarget: 2}
}

// BindFlags declares the flags; their defaults are cfg's values.
func (cfg *DaemonConfig) BindFlags(fs *pflag.FlagSet) {
	cfg.Connections.BindFlags(fs)
	cfg.WalletConfig.BindFlags(fs)
	fs.StringVar(&cfg.StateFile, "state-file", cfg.StateFile, "where the miner remembers the transactions it signed (default <home>/popminer/state.json)")
	fs.Int64Var(&cfg.BumpAfter, "bump-after", cfg.BumpAfter, "bump the fee (RBF) of a publication not mined within this many blocks")
}

// BindFlags declares the wallet's flags; their defaults are cfg's values.
func (cfg *WalletConfig) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&cfg.Network, "network", cfg.Network, "Bitcoin network: mainnet, testnet3, testnet4, signet or regtest; refused "+
		"unless it is the network of hemid's x/btclc and of the Bitcoin node (default: x/btclc's)")
	fs.StringVar(&cfg.AddressKind, "address-kind", cfg.AddressKind, "the key's Bitcoin address: p2wpkh or p2pkh")
	fs.Int64Var(&cfg.FeeFloor, "fee-floor", cfg.FeeFloor, "lowest fee rate, sat/vB")
	fs.Int64Var(&cfg.FeeCap, "fee-cap", cfg.FeeCap, "highest fee rate, sat/vB (also for bumps)")
	fs.Int64Var(&cfg.ConfTarget, "conf-target", cfg.ConfTarget, "confirmation target for the node's fee estimate, in blocks")
}

// Validate says what is missing or wrong.
func (cfg DaemonConfig) Validate() error {
	return errors.Join(cfg.Connections.Validate(), cfg.WalletConfig.Validate())
}

// Validate says what is wrong with the wallet's flags.
func (cfg WalletConfig) Validate() error {
	var errs []error
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
	if cfg.ConfTarget < 1 {
		errs = append(errs, fmt.Errorf("--conf-target %d: need at least 1 block", cfg.ConfTarget))
	}
	return errors.Join(errs...)
}

// Kind is the configured address kind.
func (cfg WalletConfig) Kind() (wallet.AddressKind, error) {
	switch cfg.AddressKind {
	case "p2wpkh":
		return wallet.P2WPKH, nil
	case "p2pkh":
		return wallet.P2PKH, nil
	}
	return 0, fmt.Errorf("--address-kind %q: use p2wpkh or p2pkh", cfg.AddressKind)
}

// OpenWallet is the Bitcoin wallet of the hemi key keyName in hemi's keyring, on the network
// x/btclc follows (checked against --network and the Bitcoin node, see CheckNetwork), with the
// configured address kind and fee limits.
func (cfg WalletConfig) OpenWallet(ctx context.Context, btc *rpc.Client, hemi *hemiclient.Client, keyName string) (*wallet.Wallet, *bitcoin.Params, error) {
	key, err := KeyFromKeyring(hemi.Keyring(), keyName)
	if err != nil {
		return nil, nil, err
	}
	network, err := CheckNetwork(ctx, ChainHemi{Client: hemi}, btc, cfg.Network)
	if err != nil {
		return nil, nil, err
	}
	kind, err := cfg.Kind()
	if err != nil {
		return nil, nil, err
	}
	w, err := wallet.New(key, network.Chain, kind, btc)
	if err != nil {
		return nil, nil, err
	}
	if err := w.SetFeeLimits(cfg.FeeFloor, cfg.FeeCap); err != nil {
		return nil, nil, err
	}
	return w, network, nil
}
