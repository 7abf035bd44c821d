// Package daemon holds what hemi's long-running processes (relayer, popminer) share: configuration
// from a TOML file and flags, the Prometheus endpoint, and shutdown on SIGINT/SIGTERM.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"
)

// ParseConfig fills cfg from the flags bind declares over its fields, and from the TOML file named
// by --config, whose keys are the flag names and whose values are read exactly as the flags'
// (so "3s" is a duration in both). Flags given on the command line override the file.
func ParseConfig(name string, args []string, bind func(*pflag.FlagSet)) error {
	_, err := ParseConfigArgs(name, args, bind)
	return err
}

// ParseConfigArgs is ParseConfig for a command that also takes positional arguments, which it
// returns.
func ParseConfigArgs(name string, args []string, bind func(*pflag.FlagSet)) ([]string, error) {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	configFile := fs.String("config", "", "TOML config file whose keys are these flags' names (flags override it)")
	bind(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *configFile == "" {
		return fs.Args(), nil
	}
	b, err := os.ReadFile(*configFile)
	if err != nil {
		return nil, err
	}
	var values map[string]any
	if err := toml.Unmarshal(b, &values); err != nil {
		return nil, fmt.Errorf("config file %s: %w", *configFile, err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		f := fs.Lookup(key)
		if f == nil || key == "config" {
			return nil, fmt.Errorf("config file %s: unknown key %q (the keys are the flag names; see --help)", *configFile, key)
		}
		if f.Changed {
			continue // the command line wins
		}
		if err := fs.Set(key, fmt.Sprint(values[key])); err != nil {
			return nil, fmt.Errorf("config file %s: %s: %w", *configFile, key, err)
		}
	}
	return fs.Args(), nil
}

// ServeMetrics serves reg at http://addr/metrics until the returned stop is called. An empty addr
// serves nothing.
func ServeMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics endpoint %s: %w", addr, err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics endpoint stopped", "err", err)
		}
	}()
	log.Info("serving Prometheus metrics", "address", "http://"+l.Addr().String()+"/metrics")
	return func() { _ = srv.Close() }, nil
}

// SignalContext is cancelled by SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
