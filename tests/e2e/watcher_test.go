package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
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
	enableWatcher(t, net.home(0), btc.ClientConfig())
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

// enableWatcher turns on the [bitcoin] section of a node's app.toml (scripts/lib.sh's
// enable_watcher), pointed at the Bitcoin node of cfg; the password goes to a file in home.
func enableWatcher(t *testing.T, home string, cfg rpc.Config) {
	t.Helper()
	passwordFile := filepath.Join(home, "btc-rpc-password")
	if err := os.WriteFile(passwordFile, []byte(cfg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	libSh(t, `enable_watcher "$NODE_HOME" "$BTC_URL" "$BTC_USER" "$PASSWORD_FILE" 300ms`,
		"NODE_HOME="+home, "BTC_URL="+cfg.URL, "BTC_USER="+cfg.User, "PASSWORD_FILE="+passwordFile)
}

// libSh runs script after sourcing scripts/lib.sh, with env added, and fails the test if it fails.
func libSh(t *testing.T, script string, env ...string) {
	t.Helper()
	res := runShell(t, "source scripts/lib.sh && "+script, append(env, "HEMID="+hemidBin), time.Minute)
	if res.Err != nil {
		t.Fatalf("%s: %v\n%s", script, res.Err, res.All())
	}
}
