package daemon

import (
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/hemiclient"
)

// Connections is the part of a daemon's configuration every daemon has: its Bitcoin node, its
// hemid node, its key, how often it polls and where it serves metrics.
type Connections struct {
	BTCRPC      string
	BTCUser     string
	BTCPassword string
	BTCCACert   string
	HemidGRPC   string
	ChainID     string
	Home        string
	Keyring     string
	Key         string
	Poll        time.Duration
	MetricsAddr string
}

// DefaultConnections are the defaults of a daemon whose key is named key and whose metrics are
// served at metricsAddr.
func DefaultConnections(key, metricsAddr string) Connections {
	return Connections{HemidGRPC: "127.0.0.1:9090", Keyring: "test", Key: key, Poll: 2 * time.Second, MetricsAddr: metricsAddr}
}

// BindFlags declares the flags; their defaults are c's values.
func (c *Connections) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.BTCRPC, "btc-rpc", c.BTCRPC, "Bitcoin node RPC URL (http://host:port, or https:// with --btc-cacert)")
	fs.StringVar(&c.BTCUser, "btc-user", c.BTCUser, "Bitcoin node RPC user")
	fs.StringVar(&c.BTCPassword, "btc-password", c.BTCPassword, "Bitcoin node RPC password")
	fs.StringVar(&c.BTCCACert, "btc-cacert", c.BTCCACert, "PEM certificate to trust for an https Bitcoin RPC (btcd's rpc.cert)")
	fs.StringVar(&c.HemidGRPC, "hemid-grpc", c.HemidGRPC, "hemid gRPC address (host:port)")
	fs.StringVar(&c.ChainID, "chain-id", c.ChainID, "hemi chain id")
	fs.StringVar(&c.Home, "home", c.Home, "directory of the keyring holding the daemon's key (a hemid home)")
	fs.StringVar(&c.Keyring, "keyring-backend", c.Keyring, "keyring backend: os, file or test")
	fs.StringVar(&c.Key, "key", c.Key, "name of the daemon's key in the keyring")
	fs.DurationVar(&c.Poll, "poll-interval", c.Poll, "wait between steps")
	fs.StringVar(&c.MetricsAddr, "metrics", c.MetricsAddr, "address of the Prometheus /metrics endpoint (empty: off)")
}

// Validate says what is missing.
func (c Connections) Validate() error {
	var errs []error
	if c.BTCRPC == "" {
		errs = append(errs, errors.New("--btc-rpc is required"))
	}
	if c.ChainID == "" {
		errs = append(errs, errors.New("--chain-id is required"))
	}
	if c.Home == "" {
		errs = append(errs, errors.New("--home (the keyring's directory) is required"))
	}
	return errors.Join(errs...)
}

// BitcoinRPC is the Bitcoin node client configuration.
func (c Connections) BitcoinRPC() rpc.Config {
	return rpc.Config{URL: c.BTCRPC, User: c.BTCUser, Password: c.BTCPassword, CACertFile: c.BTCCACert}
}

// Hemi is the hemid client configuration.
func (c Connections) Hemi() hemiclient.Config {
	return hemiclient.Config{GRPCAddress: c.HemidGRPC, ChainID: c.ChainID, KeyringDir: c.Home, KeyringBackend: c.Keyring, KeyName: c.Key}
}

// Clients connects to the Bitcoin node and to hemid with the daemon's key. The address prefixes
// must be set first (params.SetAddressPrefixes).
func (c Connections) Clients() (*rpc.Client, *hemiclient.Client, error) {
	btc, err := rpc.NewClient(c.BitcoinRPC())
	if err != nil {
		return nil, nil, err
	}
	hemi, err := hemiclient.New(c.Hemi())
	if err != nil {
		return nil, nil, err
	}
	return btc, hemi, nil
}
