// Package e2e runs hemid as real processes on loopback ports and drives it through its CLI,
// REST, gRPC and Ethereum JSON-RPC, the way validators, users and integrators do.
//
// The hemid binary is built once per run: `make test` passes it in HEMID_BIN; otherwise TestMain
// builds it. `go test -short` skips this package's tests.
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
	hemidBin string // path of the hemid binary under test
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

	hemidBin = os.Getenv("HEMID_BIN")
	if hemidBin == "" {
		dir, err := os.MkdirTemp("", "hemid-e2e-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		hemidBin = filepath.Join(dir, "hemid")
		build := exec.Command("go", "build", "-o", hemidBin, "./cmd/hemid")
		build.Dir = repoRoot
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		fmt.Println("e2e: building hemid (set HEMID_BIN to reuse a build) ...")
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: building hemid:", err)
			return 1
		}
	}
	return m.Run()
}
