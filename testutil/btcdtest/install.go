// Package btcdtest runs real btcd regtest nodes for tests: it builds the btcd
// binaries once (cached under the repository's build/tools), starts nodes on
// free loopback ports in a test's temporary directory, mines blocks, joins and
// splits nodes, and stops them when the test ends.
//
// Tests that use it start processes and should skip in -short mode:
//
//	if testing.Short() {
//		t.Skip("starts btcd")
//	}
//	a, b := btcdtest.Start(t, nil), btcdtest.Start(t, nil)
//	a.Connect(b)
//	a.Generate(101) // matures a coinbase paying a.MiningKey()
//	btcdtest.WaitSynced(t, a, b)
//	r := btcdtest.Reorg(t, a, b, 1, 2) // a switches to b's longer branch
//	tip, err := a.Client().GetBestBlockHash(ctx) // r.Winning[1]
//
// The helpers fail the test that started the node (t.Fatal) instead of
// returning errors. btcd's regtest differs from Bitcoin Core's in ways tests
// may notice: segwit activates by BIP9 signalling only at height 432, there
// is no estimatesmartfee (the client falls back to estimatefee), and btcd
// deletes its regtest chain whenever it starts (see Node.Restart).
package btcdtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// Version is the btcd release the harness builds; it is the one in go.mod.
const Version = "v0.24.2"

// EnvBtcdBin names an environment variable holding the path of a btcd
// binary to use instead of building one. btcctl is taken from the same
// directory if it is there.
const EnvBtcdBin = "BTCD_BIN"

// Binaries are the paths of the btcd programs. Btcctl is empty when BTCD_BIN
// points to a directory without it; the harness itself never needs btcctl.
type Binaries struct {
	Btcd   string
	Btcctl string
}

// Install makes sure dir holds btcd and btcctl of Version, building them with
// "go install pkg@Version" (which leaves go.mod alone) if either is missing.
// Existing binaries are reused, so only the first run pays for the build.
// Concurrent installers (parallel test packages) are safe: each builds into
// its own temporary directory and renames the results into place.
func Install(dir string) (Binaries, error) {
	bins := Binaries{Btcd: filepath.Join(dir, "btcd"), Btcctl: filepath.Join(dir, "btcctl")}
	if isFile(bins.Btcd) && isFile(bins.Btcctl) {
		return bins, nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return Binaries{}, fmt.Errorf("btcdtest: building btcd needs the go command: %v (or set %s)", err, EnvBtcdBin)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Binaries{}, fmt.Errorf("btcdtest: %v", err)
	}
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return Binaries{}, fmt.Errorf("btcdtest: %v", err)
	}
	defer os.RemoveAll(tmp)

	cmd := exec.Command(goTool, "install",
		"github.com/btcsuite/btcd@"+Version,
		"github.com/btcsuite/btcd/cmd/btcctl@"+Version)
	cmd.Dir = tmp // outside any module, so no go.mod or go.work applies
	cmd.Env = append(os.Environ(), "GOBIN="+tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("btcdtest: go install btcd@%s: %v\n%s", Version, err, out)
	}
	for _, name := range []string{"btcd", "btcctl"} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return Binaries{}, fmt.Errorf("btcdtest: %v", err)
		}
	}
	return bins, nil
}

// DefaultDir is where Bin caches the binaries: build/tools/btcd-<Version>
// in the repository holding the current directory (go test runs in the
// package's directory), or the user cache directory outside a repository.
func DefaultDir() (string, error) {
	if root, err := datagen.RepoRoot(); err == nil {
		return filepath.Join(root, "build", "tools", "btcd-"+Version), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", errors.New("btcdtest: no go.mod above the working directory and no user cache directory")
	}
	return filepath.Join(cache, "hemi", "btcd-"+Version), nil
}

var (
	binOnce sync.Once
	binVal  Binaries
	binErr  error
)

// Bin returns the btcd binaries, locating or building them once per test
// binary: $BTCD_BIN if set, else Install(DefaultDir()). It fails t if there
// are none.
func Bin(t testing.TB) Binaries {
	t.Helper()
	binOnce.Do(func() { binVal, binErr = locate() })
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binVal
}

func locate() (Binaries, error) {
	if path := os.Getenv(EnvBtcdBin); path != "" {
		if !isFile(path) {
			return Binaries{}, fmt.Errorf("btcdtest: %s=%s is not a file", EnvBtcdBin, path)
		}
		bins := Binaries{Btcd: path}
		if ctl := filepath.Join(filepath.Dir(path), "btcctl"); isFile(ctl) {
			bins.Btcctl = ctl
		}
		return bins, nil
	}
	dir, err := DefaultDir()
	if err != nil {
		return Binaries{}, err
	}
	return Install(dir)
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
