package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNodeRefusesAnotherEVMChainID: the EVM chain id comes from the chain id, so a node whose
// app.toml names another one must not start.
func TestNodeRefusesAnotherEVMChainID(t *testing.T) {
	net := newNetwork(t, 1, 0)
	appToml := filepath.Join(net.home(0), "config", "app.toml")
	b, err := os.ReadFile(appToml)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "evm-chain-id = 74303\n") {
		t.Fatalf("hemid init did not write the derived EVM chain id 74303 into app.toml")
	}
	writeFile(t, appToml, strings.Replace(string(b), "evm-chain-id = 74303\n", "evm-chain-id = 1\n", 1))

	cmd := exec.Command(hemidBin, "start", "--home", net.home(0))
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("hemid started with evm-chain-id = 1 on chain " + testChainID)
	}
	if err == nil {
		t.Fatal("hemid start exited without error")
	}
	want := "evm.evm-chain-id is 1 in app.toml"
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "has EVM chain id 74303") {
		t.Fatalf("error does not explain the mismatch (want %q):\n%s", want, tail(out, 2000))
	}
}
