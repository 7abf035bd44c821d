package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDaemonSubcommands: `hemid relayer` and `hemid popminer` parse their own flags and config
// file (hemid's global flags such as --home are theirs), print their flags for --help without an
// error, and report a bad configuration as "name: error" before connecting to anything.
func TestDaemonSubcommands(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	root := NewRootCmd()
	run := func(args ...string) error {
		root.SetArgs(args)
		return root.Execute()
	}
	for _, name := range []string{"relayer", "popminer"} {
		if err := run(name, "--help"); err != nil {
			t.Errorf("%s --help: %v", name, err)
		}
		err := run(name, "--chain-id", "hemidev_74301-1", "--home", t.TempDir())
		if err == nil || err.Error() != name+": --btc-rpc is required" {
			t.Errorf("%s without --btc-rpc: %v; want %q", name, err, name+": --btc-rpc is required")
		}
		config := filepath.Join(t.TempDir(), name+".toml")
		if err := os.WriteFile(config, []byte("btc-rpc = \"http://127.0.0.1:1\"\nchain-id = \"c\"\nhome = \"/h\"\nbogus = 1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := run(name, "--config", config); err == nil || !strings.Contains(err.Error(), `unknown key "bogus"`) {
			t.Errorf("%s --config with an unknown key: %v; want it named", name, err)
		}
	}
	if err := run("popminer", "--btc-rpc", "http://127.0.0.1:1", "--chain-id", "c", "--home", "/h", "--fee-floor", "0"); err == nil ||
		!strings.Contains(err.Error(), "--fee-floor") {
		t.Errorf("popminer --fee-floor 0: %v; want the fee limits refused", err)
	}
}
