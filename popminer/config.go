package popminer

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/hemiclient"
)

// DaemonConfig is everything `popminer` reads from flags or its config file (see
// daemon.ParseConfig: TOML with the flag names as keys).
type DaemonConfig struct {
	BTCRPC      string
	BTCUser     string
	BTCPassword string
	BTCCACert   string
	Network     string
	AddressKind string
	HemidGRPC   string
	ChainID     string
	Home        string
	Keyring     string
	Key         string
	StateFile   string
	FeeFloor    int64
	FeeCap      int64
	ConfTarget  int64
	BumpAfter   int64
	Poll        time.Duration
	MetricsAddr string
}

// DefaultDaemonConfig is the configuration without flags or file.
func DefaultDaemonConfig() DaemonConfig {
	return DaemonConfig{
		Network:     bitcoin.MainNet,
		AddressKind: "p2wpkh",
		HemidGRPC:   "127.0.0.1:9090",
		Keyring:     "test",
		Key:         "popminer",
		FeeFloor:    1,
		FeeCap:      100,
		ConfTarget:  2,
		BumpAfter:   3,
		Poll:        2 * time.Second,
		MetricsAddr: "127.0.0.1:9102",
	}
}

// BindFlags declares the flags; their defaults are cfg's values.
func (cfg *DaemonConfig) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&cfg.BTCRPC, "btc-rpc", cfg.BTCRPC, "Bitcoin node RPC URL (btcd needs --addrindex; bitcoind is scanned with scantxoutset)")
	fs.StringVar(&cfg.BTCUser, "btc-user", cfg.BTCUser, "Bitcoin node RPC user")
	fs.StringVar(&cfg.BTCPassword, "btc-password", cfg.BTCPassword, "Bitcoin node RPC password")
	fs.StringVar(&cfg.BTCCACert, "btc-cacert", cfg.BTCCACert, "PEM certificate to trust for an https Bitcoin RPC")
	fs.StringVar(&cfg.Network, "network", cfg.Network, "Bitcoin network: mainnet, testnet3, testnet4, signet or regtest")
	fs.StringVar(&cfg.AddressKind, "address-kind", cfg.AddressKind, "the miner's Bitcoin address: p2wpkh or p2pkh")
	fs.StringVar(&cfg.HemidGRPC, "hemid-grpc", cfg.HemidGRPC, "hemid gRPC address (host:port)")
	fs.StringVar(&cfg.ChainID, "chain-id", cfg.ChainID, "hemi chain id")
	fs.StringVar(&cfg.Home, "home", cfg.Home, "directory of the keyring holding the miner's key (a hemid home)")
	fs.StringVar(&cfg.Keyring, "keyring-backend", cfg.Keyring, "keyring backend: os, file or test")
	fs.StringVar(&cfg.Key, "key", cfg.Key, "name of the miner's eth_secp256k1 key: its Bitcoin address pays the fees, its hemi address gets the rewards")
	fs.StringVar(&cfg.StateFile, "state-file", cfg.StateFile, "where the miner remembers the transactions it signed (default <home>/popminer/state.json)")
	fs.Int64Var(&cfg.FeeFloor, "fee-floor", cfg.FeeFloor, "lowest fee rate, sat/vB")
	fs.Int64Var(&cfg.FeeCap, "fee-cap", cfg.FeeCap, "highest fee rate, sat/vB (also for bumps)")
	fs.Int64Var(&cfg.ConfTarget, "conf-target", cfg.ConfTarget, "confirmation target for the node's fee estimate, in blocks")
	fs.Int64Var(&cfg.BumpAfter, "bump-after", cfg.BumpAfter, "bump the fee (RBF) of a publication not mined within this many blocks")
	fs.DurationVar(&cfg.Poll, "poll-interval", cfg.Poll, "wait between steps")
	fs.StringVar(&cfg.MetricsAddr, "metrics", cfg.MetricsAddr, "address of the Prometheus /metrics endpoint (empty: off)")
}

// Validate says what is missing or wrong.
func (cfg DaemonConfig) Validate() error {
	var errs []error
	if cfg.BTCRPC == "" {
		errs = append(errs, errors.New("--btc-rpc is required"))
	}
	if cfg.ChainID == "" {
		errs = append(errs, errors.New("--chain-id is required"))
	}
	if cfg.Home == "" {
		errs = append(errs, errors.New("--home (the keyring's directory) is required"))
	}
	if _, err := bitcoin.NetworkByName(cfg.Network); err != nil {
		errs = append(errs, err)
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
func (cfg DaemonConfig) Kind() (bitcoin.AddressKind, error) {
	switch cfg.AddressKind {
	case "p2wpkh":
		return bitcoin.P2WPKH, nil
	case "p2pkh":
		return bitcoin.P2PKH, nil
	}
	return 0, fmt.Errorf("--address-kind %q: use p2wpkh or p2pkh", cfg.AddressKind)
}

// BitcoinRPC is the Bitcoin node client configuration.
func (cfg DaemonConfig) BitcoinRPC() bitcoin.RPCConfig {
	return bitcoin.RPCConfig{URL: cfg.BTCRPC, User: cfg.BTCUser, Password: cfg.BTCPassword, CACertFile: cfg.BTCCACert}
}

// Hemi is the hemid client configuration.
func (cfg DaemonConfig) Hemi() hemiclient.Config {
	return hemiclient.Config{GRPCAddress: cfg.HemidGRPC, ChainID: cfg.ChainID,
		KeyringDir: cfg.Home, KeyringBackend: cfg.Keyring, KeyName: cfg.Key}
}
