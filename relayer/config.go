package relayer

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/hemi-appchain/hemi/daemon"
)

// DaemonConfig is everything `hemid relayer` reads from flags or its config file (see daemon.ParseConfig:
// TOML with the flag names as keys, e.g. `btc-rpc = "http://127.0.0.1:18334"`).
type DaemonConfig struct {
	daemon.Connections
	BatchSize int
}

// DefaultDaemonConfig is the configuration without flags or file.
func DefaultDaemonConfig() DaemonConfig {
	return DaemonConfig{Connections: daemon.DefaultConnections("relayer", "127.0.0.1:9101")}
}

// BindFlags declares the flags; their defaults are cfg's values.
func (cfg *DaemonConfig) BindFlags(fs *pflag.FlagSet) {
	cfg.Connections.BindFlags(fs)
	fs.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "most headers per transaction; 0 follows x/btclc's max_headers_per_msg, a smaller value lowers it")
}

// Validate says what is missing or wrong.
func (cfg DaemonConfig) Validate() error {
	var errs []error
	if cfg.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("--batch-size %d must be 0 (follow x/btclc's max_headers_per_msg) or a positive number of headers", cfg.BatchSize))
	}
	return errors.Join(cfg.Connections.Validate(), errors.Join(errs...))
}
