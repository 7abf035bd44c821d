// Package e2e runs hemid as real processes on loopback ports and drives it through its CLI,
// REST, gRPC and Ethereum JSON-RPC, the way validators, users and integrators do.
//
// The binaries (hemid, relayer, popminer) are built once per run: `make test` passes their directory in
// HEMI_BIN_DIR; otherwise TestMain builds them. `go test -short` skips this package's tests.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app/params"
)

var (
	hemidBin string // path of the hemid binary under test (`hemid relayer` and `hemid popminer` are the daemons)
	repoRoot string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		os.Exit(0)
	}
	params.SetAddressPrefixes(sdk.GetConfig())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))

	binDir := os.Getenv("HEMI_BIN_DIR")
	if binDir == "" {
		dir, err := os.MkdirTemp("", "hemi-e2e-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binDir = dir
		build := exec.Command("go", "build", "-o", binDir, "./cmd/hemid")
		build.Dir = repoRoot
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		fmt.Println("e2e: building hemid (set HEMI_BIN_DIR to reuse a build) ...")
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: building the binaries:", err)
			return 1
		}
	}
	hemidBin = filepath.Join(binDir, "hemid")
	return m.Run()
}
