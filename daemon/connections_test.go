package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestDefaultKeyringIsEncrypted: without --keyring-backend a daemon reads its key from the
// operating system's keyring, never from the unencrypted test backend.
func TestDefaultKeyringIsEncrypted(t *testing.T) {
	c := DefaultConnections("relayer", "")
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.BindFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.Keyring != "os" || c.Hemi().KeyringBackend != "os" {
		t.Fatalf("default keyring backend %q, want os", c.Keyring)
	}
	if err := fs.Parse([]string{"--keyring-backend", "test"}); err != nil || c.Hemi().KeyringBackend != "test" {
		t.Fatalf("--keyring-backend test: %q, %v", c.Hemi().KeyringBackend, err)
	}
}

// TestBTCPasswordSources: --btc-password, then --btc-password-file, then $HEMI_BTC_PASSWORD.
func TestBTCPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "password")
	if err := os.WriteFile(file, []byte("from-file\r\nsecond line ignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	parse := func(t *testing.T, args ...string) Connections {
		t.Helper()
		c := DefaultConnections("popminer", "")
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		c.BindFlags(fs)
		if err := fs.Parse(append([]string{"--btc-rpc", "127.0.0.1:1", "--chain-id", "c", "--home", dir}, args...)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		env  string
		args []string
		want string
	}{
		{name: "flag", args: []string{"--btc-password", "from-flag"}, env: "from-env", want: "from-flag"},
		{name: "file", args: []string{"--btc-password-file", file}, env: "from-env", want: "from-file"},
		{name: "environment", env: "from-env", want: "from-env"},
		{name: "none", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(BTCPasswordEnv, tc.env)
			c := parse(t, tc.args...)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			cfg, err := c.BitcoinRPC()
			if err != nil || cfg.Password != tc.want {
				t.Fatalf("password %q, %v; want %q", cfg.Password, err, tc.want)
			}
		})
	}

	t.Setenv(BTCPasswordEnv, "")
	if err := parse(t, "--btc-password", "p", "--btc-password-file", file).Validate(); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("flag and file: %v; want an error", err)
	}
	if _, err := parse(t, "--btc-password-file", filepath.Join(dir, "missing")).BitcoinRPC(); err == nil || !strings.Contains(err.Error(), "--btc-password-file") {
		t.Fatalf("missing file: %v; want an error naming the flag", err)
	}
	if _, err := parse(t, "--btc-password-file", empty).BitcoinRPC(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty file: %v; want an error", err)
	}
}

// TestBTCPasswordFileFromConfig: the TOML config file can name the password file too.
func TestBTCPasswordFileFromConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "password")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "daemon.toml")
	if err := os.WriteFile(config, []byte("btc-password-file = \""+file+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := DefaultConnections("relayer", "")
	if err := ParseConfig("t", []string{"--config", config}, c.BindFlags); err != nil {
		t.Fatal(err)
	}
	if cfg, err := c.BitcoinRPC(); err != nil || cfg.Password != "s3cret" {
		t.Fatalf("password %q, %v; want the file's", cfg.Password, err)
	}
}
