package watcher

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
)

// Config is app.toml's [bitcoin] section.
type Config struct {
	// Enable runs the watcher with `hemid start`; off, the node proposes no Bitcoin data.
	Enable bool `mapstructure:"enable"`
	// RPCAddress is the Bitcoin node's JSON-RPC endpoint (host:port or a URL).
	RPCAddress string `mapstructure:"rpc-address"`
	// RPCUser is the RPC user name.
	RPCUser string `mapstructure:"rpc-user"`
	// RPCPasswordFile holds the RPC password (its first line), kept out of app.toml.
	RPCPasswordFile string `mapstructure:"rpc-password-file"`
	// RPCCertFile is the PEM certificate to trust for HTTPS (btcd's rpc.cert); empty for none.
	RPCCertFile string `mapstructure:"rpc-cert-file"`
	// PollInterval is the wait between two reads of the node.
	PollInterval time.Duration `mapstructure:"poll-interval"`
}

// DefaultConfig is off.
func DefaultConfig() Config {
	return Config{RPCAddress: "127.0.0.1:18334", PollInterval: time.Second}
}

// ConfigTemplate is the [bitcoin] section of app.toml.
const ConfigTemplate = `
###############################################################################
###                         Bitcoin watcher                                 ###
###############################################################################

# The node-local Bitcoin watcher: when this node proposes a block, it injects the Bitcoin headers
# x/btclc lacks and the PoP publications and vault deposits it found, read from this Bitcoin node. No node needs it;
# without it the chain relies on relayers.
[bitcoin]

# Run the watcher with "hemid start".
enable = {{ .Bitcoin.Enable }}

# The Bitcoin node's JSON-RPC endpoint (host:port for plain HTTP, or an http(s):// URL).
rpc-address = "{{ .Bitcoin.RPCAddress }}"

# The RPC user, and a file whose first line is the RPC password.
rpc-user = "{{ .Bitcoin.RPCUser }}"
rpc-password-file = "{{ .Bitcoin.RPCPasswordFile }}"

# A PEM certificate to trust for HTTPS (btcd's rpc.cert); empty for none.
rpc-cert-file = "{{ .Bitcoin.RPCCertFile }}"

# The wait between two reads of the Bitcoin node.
poll-interval = "{{ .Bitcoin.PollInterval }}"
`

// Start builds the watcher of cfg and runs it in the background until ctx ends. Its metrics are
// registered with reg.
func Start(ctx context.Context, cfg Config, log Logger, reg prometheus.Registerer) (*Watcher, error) {
	var password string
	if cfg.RPCPasswordFile != "" {
		b, err := os.ReadFile(cfg.RPCPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("[bitcoin] rpc-password-file: %w", err)
		}
		password, _, _ = strings.Cut(strings.TrimRight(string(b), "\r\n"), "\n")
	}
	client, err := rpc.NewClient(rpc.Config{URL: cfg.RPCAddress, User: cfg.RPCUser, Password: password, CACertFile: cfg.RPCCertFile})
	if err != nil {
		return nil, fmt.Errorf("[bitcoin]: %w", err)
	}
	w := New(client, log, NewMetrics(reg), cfg.PollInterval)
	go w.Run(ctx)
	log.Info("bitcoin watcher started", "node", client.Name(), "poll_interval", cfg.PollInterval)
	return w, nil
}
