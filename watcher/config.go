package watcher

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/x/pop/canonical"
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
	// Guard runs the node guard with `hemid start`, with or without Enable.
	Guard bool `mapstructure:"guard"`
	// GuardFromHeight is the first Bitcoin height the guard scans for keystone publications.
	GuardFromHeight int64 `mapstructure:"guard-from-height"`
	// GuardTrusted is the keystone the guard's canonical sequence grows from, "height:blockhash";
	// empty for the chain's genesis.
	GuardTrusted string `mapstructure:"guard-trusted"`
	// GuardMaxLag is how many Bitcoin blocks x/btclc may be behind before the censorship alarm
	// (0: no alarm).
	GuardMaxLag int64 `mapstructure:"guard-max-lag"`
	// GuardHaltOnCensorship makes the censorship alarm halt the node: the next block fails to
	// apply, and the node stops until restarted.
	GuardHaltOnCensorship bool `mapstructure:"guard-halt-on-censorship"`
}

// DefaultConfig is off.
func DefaultConfig() Config {
	return Config{RPCAddress: "127.0.0.1:18334", PollInterval: time.Second, GuardMaxLag: DefaultGuardMaxLag}
}

// DefaultGuardMaxLag is about an hour of Bitcoin blocks.
const DefaultGuardMaxLag = 6

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

# The node guard (x/pop's README, "Node guard"), on its own or with the watcher: the node follows
# the keystones Bitcoin anchors, from this Bitcoin node, and halts rather than apply a block that
# contradicts a superfinal one (a forged chain). Until its first scan of Bitcoin is done, blocks at
# keystone heights wait.
guard = {{ .Bitcoin.Guard }}

# The first Bitcoin height the guard scans: at or below the Bitcoin block of the chain's first
# publication (or of the trusted keystone's); the scan from there reads every block once.
guard-from-height = {{ .Bitcoin.GuardFromHeight }}

# The keystone the canonical sequence grows from, "height:blockhash" (64 hex digits); empty for
# the chain's genesis.
guard-trusted = "{{ .Bitcoin.GuardTrusted }}"

# The censorship alarm: raised (an error in the log, hemid_bitcoin_guard_censorship_alarm 1) when,
# after a live block, x/btclc is more than this many blocks behind this Bitcoin node; 0 is off.
guard-max-lag = {{ .Bitcoin.GuardMaxLag }}

# Halt the node when the censorship alarm is raised (x/btclc kept behind, or an x/inbox
# operation overdue): the next block fails to apply and the node stops, until it is restarted.
# The alarm lives in memory: a restarted node follows the chain again until it sees the alarm at
# the chain's live edge. An honest chain with a backlog of inbox proofs longer than the deadline
# (a flood of operations) also raises it. Off: the alarm is a log line and a metric only.
guard-halt-on-censorship = {{ .Bitcoin.GuardHaltOnCensorship }}
`

// client is the RPC client of cfg's Bitcoin node.
func (cfg Config) client() (*rpc.Client, error) {
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
	return client, nil
}

// StartGuard builds the node guard of cfg, judging by rules, and runs it in the background until
// ctx ends. Its metrics are registered with reg.
func StartGuard(ctx context.Context, cfg Config, rules GuardRules, log Logger, reg prometheus.Registerer) (*Guard, error) {
	if cfg.GuardMaxLag < 0 {
		return nil, fmt.Errorf("[bitcoin] guard-max-lag must not be negative, got %d", cfg.GuardMaxLag)
	}
	rules.MaxLag = cfg.GuardMaxLag
	rules.HaltOnCensorship = cfg.GuardHaltOnCensorship
	if cfg.GuardFromHeight < 0 {
		return nil, fmt.Errorf("[bitcoin] guard-from-height must not be negative, got %d", cfg.GuardFromHeight)
	}
	start, err := canonical.ParseStart(cfg.GuardTrusted)
	if err != nil {
		return nil, fmt.Errorf("[bitcoin] guard-trusted: %w", err)
	}
	client, err := cfg.client()
	if err != nil {
		return nil, err
	}
	g, err := NewGuard(client, log, NewGuardMetrics(reg), cfg.GuardFromHeight, start, rules, cfg.PollInterval)
	if err != nil {
		return nil, err
	}
	go g.Run(ctx)
	log.Info("bitcoin guard started", "node", client.Name(), "from_height", cfg.GuardFromHeight, "trusted", cfg.GuardTrusted,
		"keystone_interval", rules.Interval, "superfinality_depth", rules.Depth, "inbox_deadline", rules.InboxDeadline, "halt_on_censorship", rules.HaltOnCensorship)
	return g, nil
}

// Start builds the watcher of cfg and runs it in the background until ctx ends. Its metrics are
// registered with reg.
func Start(ctx context.Context, cfg Config, log Logger, reg prometheus.Registerer) (*Watcher, error) {
	client, err := cfg.client()
	if err != nil {
		return nil, err
	}
	w := New(client, log, NewMetrics(reg), cfg.PollInterval)
	go w.Run(ctx)
	log.Info("bitcoin watcher started", "node", client.Name(), "poll_interval", cfg.PollInterval)
	return w, nil
}
