package relayer

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/hemiclient"
)

// DaemonConfig is everything `relayer` reads from flags or its config file (see daemon.ParseConfig:
// TOML with the flag names as keys, e.g. `btc-rpc = "http://127.0.0.1:18334"`).
type DaemonConfig struct {
	BTCRPC      string
	BTCUser     string
	BTCPassword string
	BTCCACert   string
	HemidGRPC   string
	ChainID     string
	Home        string
	Keyring     string
	Key         string
	BatchSize   int
	Poll        time.Duration
	MetricsAddr string
}

// DefaultDaemonConfig is the configuration without flags or file.
func DefaultDaemonConfig() DaemonConfig {
	return DaemonConfig{
		HemidGRPC:   "127.0.0.1:9090",
		Keyring:     "test",
		Key:         "relayer",
		BatchSize:   500,
		Poll:        2 * time.Second,
		MetricsAddr: "127.0.0.1:9101",
	}
}

// BindFlags declares the flags; their defaults are cfg's values.
func (cfg *DaemonConfig) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&cfg.BTCRPC, "btc-rpc", cfg.BTCRPC, "Bitcoin node RPC URL (http://host:port, or https:// with --btc-cacert)")
	fs.StringVar(&cfg.BTCUser, "btc-user", cfg.BTCUser, "Bitcoin node RPC user")
	fs.StringVar(&cfg.BTCPassword, "btc-password", cfg.BTCPassword, "Bitcoin node RPC password")
	fs.StringVar(&cfg.BTCCACert, "btc-cacert", cfg.BTCCACert, "PEM certificate to trust for an https Bitcoin RPC (btcd's rpc.cert)")
	fs.StringVar(&cfg.HemidGRPC, "hemid-grpc", cfg.HemidGRPC, "hemid gRPC address (host:port)")
	fs.StringVar(&cfg.ChainID, "chain-id", cfg.ChainID, "hemi chain id")
	fs.StringVar(&cfg.Home, "home", cfg.Home, "directory of the keyring holding the relayer's key (a hemid home)")
	fs.StringVar(&cfg.Keyring, "keyring-backend", cfg.Keyring, "keyring backend: os, file or test")
	fs.StringVar(&cfg.Key, "key", cfg.Key, "name of the relayer's key in the keyring")
	fs.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "most headers per transaction (at most x/btclc's max_headers_per_msg)")
	fs.DurationVar(&cfg.Poll, "poll-interval", cfg.Poll, "wait between checks of the Bitcoin node once in sync")
	fs.StringVar(&cfg.MetricsAddr, "metrics", cfg.MetricsAddr, "address of the Prometheus /metrics endpoint (empty: off)")
}

// Validate says what is missing.
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
	if cfg.BatchSize < 1 || cfg.BatchSize > 2016 {
		errs = append(errs, fmt.Errorf("--batch-size %d must be between 1 and 2016", cfg.BatchSize))
	}
	return errors.Join(errs...)
}

// BitcoinRPC is the Bitcoin node client configuration.
func (cfg DaemonConfig) BitcoinRPC() bitcoin.RPCConfig {
	return bitcoin.RPCConfig{URL: cfg.BTCRPC, User: cfg.BTCUser, Password: cfg.BTCPassword, CACertFile: cfg.BTCCACert}
}

// Hemi is the hemid client configuration.
func (cfg DaemonConfig) Hemi() hemiclient.Config {
	return hemiclient.Config{
		GRPCAddress: cfg.HemidGRPC, ChainID: cfg.ChainID,
		KeyringDir: cfg.Home, KeyringBackend: cfg.Keyring, KeyName: cfg.Key,
	}
}
