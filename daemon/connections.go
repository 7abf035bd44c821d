package daemon

import (
	"errors"
	"fmt"
	"os"
	"strings"
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
	// BTCPasswordFile holds the password, so that it is not on the command line, where every
	// user of the machine can read it (ps, /proc).
	BTCPasswordFile string
	BTCCACert       string
	// BTCBatch is the most requests in one batched Bitcoin RPC call (0: rpc.MaxBatch).
	BTCBatch    int
	HemidGRPC   string
	ChainID     string
	Home        string
	Keyring     string
	Key         string
	Poll        time.Duration
	MetricsAddr string
}

// BTCPasswordEnv is the environment variable a daemon reads the Bitcoin RPC password from when
// neither --btc-password nor --btc-password-file is given.
const BTCPasswordEnv = "HEMI_BTC_PASSWORD"

// DefaultKeyringBackend is the keyring a daemon's key is read from unless told otherwise: the
// operating system's, which encrypts it. The test backend, which keeps keys unencrypted on disk,
// is for devnets and tests, which ask for it explicitly.
const DefaultKeyringBackend = "os"

// DefaultConnections are the defaults of a daemon whose key is named key and whose metrics are
// served at metricsAddr.
func DefaultConnections(key, metricsAddr string) Connections {
	return Connections{HemidGRPC: "127.0.0.1:9090", Keyring: DefaultKeyringBackend, Key: key, Poll: 2 * time.Second, MetricsAddr: metricsAddr}
}

// BindFlags declares the flags; their defaults are c's values.
func (c *Connections) BindFlags(fs *pflag.FlagSet) {
	c.BindBitcoinFlags(fs)
	fs.StringVar(&c.HemidGRPC, "hemid-grpc", c.HemidGRPC, "hemid gRPC address (host:port)")
	fs.StringVar(&c.ChainID, "chain-id", c.ChainID, "hemi chain id")
	fs.StringVar(&c.Home, "home", c.Home, "directory of the keyring holding the daemon's key (a hemid home)")
	fs.StringVar(&c.Keyring, "keyring-backend", c.Keyring, "keyring backend: os, file or test (test keeps keys unencrypted: devnets only)")
	fs.StringVar(&c.Key, "key", c.Key, "name of the daemon's key in the keyring")
	fs.DurationVar(&c.Poll, "poll-interval", c.Poll, "wait between steps")
	fs.StringVar(&c.MetricsAddr, "metrics", c.MetricsAddr, "address of the Prometheus /metrics endpoint (empty: off)")
}

// BindBitcoinFlags declares the Bitcoin node flags alone, for commands that read Bitcoin but
// sign nothing on hemi.
func (c *Connections) BindBitcoinFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.BTCRPC, "btc-rpc", c.BTCRPC, "Bitcoin node RPC URL (http://host:port, or https:// with --btc-cacert)")
	fs.StringVar(&c.BTCUser, "btc-user", c.BTCUser, "Bitcoin node RPC user")
	fs.StringVar(&c.BTCPassword, "btc-password", c.BTCPassword, "Bitcoin node RPC password (visible to other users in the process list: "+
		"prefer --btc-password-file or $"+BTCPasswordEnv+")")
	fs.StringVar(&c.BTCPasswordFile, "btc-password-file", c.BTCPasswordFile, "file holding the Bitcoin node RPC password "+
		"(one line; used when --btc-password is not given, before $"+BTCPasswordEnv+")")
	fs.StringVar(&c.BTCCACert, "btc-cacert", c.BTCCACert, "PEM certificate to trust for an https Bitcoin RPC (btcd's rpc.cert)")
	fs.IntVar(&c.BTCBatch, "btc-rpc-batch", c.BTCBatch, fmt.Sprintf("most requests in one batched Bitcoin RPC call, 1 to %d; 0 is %d, 1 sends each request alone (for a node or provider that refuses batches)", rpc.MaxBatch, rpc.MaxBatch))
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
	if c.BTCBatch < 0 || c.BTCBatch > rpc.MaxBatch {
		errs = append(errs, fmt.Errorf("--btc-rpc-batch %d must be between 1 and %d (0 for %d)", c.BTCBatch, rpc.MaxBatch, rpc.MaxBatch))
	}
	if c.BTCPassword != "" && c.BTCPasswordFile != "" {
		errs = append(errs, errors.New("give the Bitcoin RPC password once: --btc-password or --btc-password-file, not both"))
	}
	return errors.Join(errs...)
}

// BTCRPCPassword is the Bitcoin RPC password, from the first of: --btc-password, the file named
// by --btc-password-file (its first line), $HEMI_BTC_PASSWORD. None of them is no password.
func (c Connections) BTCRPCPassword() (string, error) {
	if c.BTCPassword != "" {
		return c.BTCPassword, nil
	}
	if c.BTCPasswordFile != "" {
		b, err := os.ReadFile(c.BTCPasswordFile)
		if err != nil {
			return "", fmt.Errorf("--btc-password-file: %w", err)
		}
		password, _, _ := strings.Cut(string(b), "\n")
		password = strings.TrimSuffix(password, "\r")
		if password == "" {
			return "", fmt.Errorf("--btc-password-file %s is empty: write the Bitcoin RPC password on its first line", c.BTCPasswordFile)
		}
		return password, nil
	}
	return os.Getenv(BTCPasswordEnv), nil
}

// BitcoinRPC is the Bitcoin node client configuration.
func (c Connections) BitcoinRPC() (rpc.Config, error) {
	password, err := c.BTCRPCPassword()
	if err != nil {
		return rpc.Config{}, err
	}
	return rpc.Config{URL: c.BTCRPC, User: c.BTCUser, Password: password, CACertFile: c.BTCCACert, MaxBatch: c.BTCBatch}, nil
}

// Hemi is the hemid client configuration.
func (c Connections) Hemi() hemiclient.Config {
	return hemiclient.Config{GRPCAddress: c.HemidGRPC, ChainID: c.ChainID, KeyringDir: c.Home, KeyringBackend: c.Keyring, KeyName: c.Key}
}

// Clients connects to the Bitcoin node and to hemid with the daemon's key. The address prefixes
// must be set first (params.SetAddressPrefixes).
func (c Connections) Clients() (*rpc.Client, *hemiclient.Client, error) {
	btcCfg, err := c.BitcoinRPC()
	if err != nil {
		return nil, nil, err
	}
	btc, err := rpc.NewClient(btcCfg)
	if err != nil {
		return nil, nil, err
	}
	hemi, err := hemiclient.New(c.Hemi())
	if err != nil {
		return nil, nil, err
	}
	return btc, hemi, nil
}
