package btcdtest

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// TestVersionIsGoMod: the btcd the tests build is the one go.mod requires, which is also the one
// `make btcd` installs (the Makefile asks `go list -m`), so the demo, the e2e tests and the code
// linked against btcd's packages agree.
func TestVersionIsGoMod(t *testing.T) {
	root, err := datagen.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/btcsuite/btcd (v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod does not require github.com/btcsuite/btcd")
	}
	if string(m[1]) != Version {
		t.Fatalf("btcdtest.Version is %s, go.mod requires btcd %s", Version, m[1])
	}
}
