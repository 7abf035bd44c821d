package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// TestWatcherFollowsBtcd: one hemid validator with app.toml's [bitcoin] watcher pointed at btcd
// regtest, and no relayer: x/btclc follows btcd's tip, through a first catch-up and then block by
// block.
func TestWatcherFollowsBtcd(t *testing.T) {
	btc := btcdtest.Start(t, nil)
	btc.Generate(50)
	net := newNetwork(t, 1, 1, btcEnv(btc)...)
	enableWatcher(t, net.home(0), btc)
	net.start(0)
	lc := btclctypes.NewQueryClient(grpcConn(t, net))

	height, hash := btc.BestBlock()
	waitLightClientTip(t, lc, height, hash, 2*time.Minute)
	for range 3 {
		btc.Generate(1)
		height, hash = btc.BestBlock()
		waitLightClientTip(t, lc, height, hash, time.Minute)
	}
}

// enableWatcher turns on the [bitcoin] section of a node's app.toml, pointed at btc.
func enableWatcher(t *testing.T, home string, btc *btcdtest.Node) {
	t.Helper()
	cfg := btc.ClientConfig()
	passwordFile := filepath.Join(home, "btc-rpc-password")
	if err := os.WriteFile(passwordFile, []byte(cfg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "config", "app.toml")
	toml, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// [bitcoin] is the last section; its keys (enable among them) are set there only.
	at := regexp.MustCompile(`(?m)^\[bitcoin\]$`).FindIndex(toml)
	if at == nil {
		t.Fatal("app.toml has no [bitcoin] section")
	}
	head, section := toml[:at[0]], toml[at[0]:]
	set := func(key, value string) {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + ` = .*$`)
		if !re.Match(section) {
			t.Fatalf("app.toml's [bitcoin] has no %s", key)
		}
		section = re.ReplaceAll(section, []byte(key+" = "+value))
	}
	set("enable", "true")
	set("rpc-address", `"`+cfg.URL+`"`)
	set("rpc-user", `"`+cfg.User+`"`)
	set("rpc-password-file", `"`+passwordFile+`"`)
	set("poll-interval", `"300ms"`)
	toml = append(append([]byte{}, head...), section...)
	if err := os.WriteFile(path, toml, 0o644); err != nil {
		t.Fatal(err)
	}
}
