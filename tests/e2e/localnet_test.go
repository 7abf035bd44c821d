package e2e

import (
	"testing"
	"time"
)

// TestLocalnet runs four validators as separate processes: the chain keeps going with one of
// them stopped (3 of 4 hold more than 2/3 of the power), the stopped one catches up after a
// restart, and all four agree on the app hash at a common height.
func TestLocalnet(t *testing.T) {
	const validators = 4
	net := newNetwork(t, validators, 1)
	for i := range validators {
		net.start(i)
	}
	for i := range validators {
		net.waitHeight(i, 3, 3*time.Minute)
	}
	var set struct {
		Result struct {
			Total string `json:"total"`
		} `json:"result"`
	}
	if err := getJSON(net.nodes[0].RPC+"/validators", &set); err != nil {
		t.Fatal(err)
	}
	if set.Result.Total != "4" {
		t.Fatalf("CometBFT validator set has %s validators, want 4", set.Result.Total)
	}

	const stopped = 3
	net.stop(stopped)
	stoppedAt := mustHeight(t, net)
	net.waitHeight(0, stoppedAt+5, time.Minute)
	t.Logf("node %d stopped at height ~%d; the other three reached %d", stopped, stoppedAt, mustHeight(t, net))

	net.start(stopped)
	target := mustHeight(t, net) + 2
	caughtUp := net.waitHeight(stopped, target, 2*time.Minute)
	t.Logf("node %d restarted and caught up to height %d", stopped, caughtUp)

	common := target
	for i := range validators {
		net.waitHeight(i, common, time.Minute)
	}
	want := net.blockAppHash(0, common)
	if want == "" {
		t.Fatalf("node 0 returned no app hash at height %d", common)
	}
	for i := 1; i < validators; i++ {
		if got := net.blockAppHash(i, common); got != want {
			t.Fatalf("app hash at height %d: node 0 %s, node %d %s", common, want, i, got)
		}
	}
	t.Logf("all %d nodes report app hash %s at height %d", validators, want, common)
}
