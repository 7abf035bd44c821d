package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/types/bech32"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
)

// TestUpgradeThroughGov schedules a software upgrade the way the README says, with x/gov, and
// checks what an operator and cosmovisor see: the plan is queryable, and at its height the node
// (whose binary has no handler for it) writes data/upgrade-info.json, logs UPGRADE "v2" NEEDED and
// commits no block at that height. The README's other upgrade commands run too: the same plan as a
// `tx gov submit-proposal` of a MsgSoftwareUpgrade (left unvoted), and the `applied` and
// `module-versions` queries, and `hemid export` of the stopped node.
func TestUpgradeThroughGov(t *testing.T) {
	net := newNetwork(t, 1, 1, "VOTING_PERIOD=6")
	net.start(0)
	net.waitHeight(0, 2, 60*time.Second)

	// Two blocks to include the proposal, six seconds of voting, the second proposal and the
	// queries below, and a margin.
	height := mustHeight(t, net) + 30
	plan := fmt.Sprintf(`{"name":"v2","height":"%d","info":"binaries at example.org"}`, height)
	if res := net.sendTx("tx", "upgrade", "software-upgrade-proposal", "--plan", plan, "--title", "v2", "--summary", "to v2",
		"--deposit", "10000000000000000000ahemi", "--from", "val0"); res.Code != 0 {
		t.Fatalf("software-upgrade-proposal: code %d: %s", res.Code, res.RawLog)
	}
	if res := net.sendTx("tx", "gov", "vote", "1", "yes", "--from", "val0"); res.Code != 0 {
		t.Fatalf("vote: code %d: %s", res.Code, res.RawLog)
	}

	// The plan, once the proposal has passed.
	var scheduled struct {
		Plan struct {
			Name   string `json:"name"`
			Height string `json:"height"`
		} `json:"plan"`
	}
	deadline := time.Now().Add(40 * time.Second)
	for scheduled.Plan.Name == "" {
		if time.Now().After(deadline) {
			out, _ := net.cli("query", "gov", "proposal", "1", "--node", net.nodes[0].RPC, "--output", "json")
			t.Fatalf("no upgrade plan 40 s after the vote; the proposal: %s", out)
		}
		time.Sleep(time.Second)
		out, err := net.cli("query", "upgrade", "plan", "--node", net.nodes[0].RPC, "--output", "json")
		if err == nil {
			if err := json.Unmarshal([]byte(out), &scheduled); err != nil {
				t.Fatalf("query upgrade plan: %v: %s", err, out)
			}
		}
	}
	if scheduled.Plan.Name != "v2" || scheduled.Plan.Height != strconv.FormatInt(height, 10) {
		t.Fatalf("plan %+v, want v2 at %d", scheduled.Plan, height)
	}

	// The README's other way to propose it: x/gov's own command with the message in a file.
	gov, err := bech32.ConvertAndEncode("hemi", authtypes.NewModuleAddress("gov"))
	if err != nil {
		t.Fatal(err)
	}
	proposal := filepath.Join(t.TempDir(), "proposal.json")
	writeFile(t, proposal, fmt.Sprintf(`{"messages":[{"@type":"/cosmos.upgrade.v1beta1.MsgSoftwareUpgrade","authority":%q,
		"plan":{"name":"v3","height":"%d","info":""}}],"deposit":"10000000000000000000ahemi","title":"a later upgrade","summary":"to v3"}`, gov, height+1000))
	if res := net.sendTx("tx", "gov", "submit-proposal", proposal, "--from", "val0"); res.Code != 0 {
		t.Fatalf("gov submit-proposal of a MsgSoftwareUpgrade: code %d: %s", res.Code, res.RawLog)
	}
	var second struct {
		Proposal struct {
			Messages []struct {
				Type  string `json:"type"`
				Value struct {
					Plan struct {
						Name string `json:"name"`
					} `json:"plan"`
				} `json:"value"`
			} `json:"messages"`
		} `json:"proposal"`
	}
	out, err := net.cli("query", "gov", "proposal", "2", "--node", net.nodes[0].RPC, "--output", "json")
	if err != nil || json.Unmarshal([]byte(out), &second) != nil || len(second.Proposal.Messages) != 1 ||
		second.Proposal.Messages[0].Type != "/cosmos.upgrade.v1beta1.MsgSoftwareUpgrade" || second.Proposal.Messages[0].Value.Plan.Name != "v3" {
		t.Fatalf("query gov proposal 2: %v: %s (want one MsgSoftwareUpgrade of v3)", err, out)
	}
	var applied struct {
		Height string `json:"height"`
	}
	out, err = net.cli("query", "upgrade", "applied", "v2", "--node", net.nodes[0].RPC, "--output", "json")
	if err != nil || json.Unmarshal([]byte(out), &applied) != nil || (applied.Height != "" && applied.Height != "0") {
		t.Fatalf("query upgrade applied v2 before its height: %v: %s (want none)", err, out)
	}
	var versions struct {
		ModuleVersions []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"module_versions"`
	}
	out, err = net.cli("query", "upgrade", "module-versions", "--node", net.nodes[0].RPC, "--output", "json")
	if err != nil || json.Unmarshal([]byte(out), &versions) != nil {
		t.Fatalf("query upgrade module-versions: %v: %s", err, out)
	}
	found := false
	for _, v := range versions.ModuleVersions {
		found = found || (v.Name == "upgrade" && v.Version == "2")
	}
	if !found {
		t.Fatalf("query upgrade module-versions lists no upgrade module at version 2: %s", out)
	}

	// The halt.
	logPath := filepath.Join(net.home(0), "hemid.log")
	// The message is quoted in the log's JSON, so the part without quotes is matched.
	want := fmt.Sprintf("NEEDED at height: %d: binaries at example.org", height)
	deadline = time.Now().Add(time.Duration(height-mustHeight(t, net))*2*time.Second + 30*time.Second)
	for {
		b, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(want)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in hemid.log; last height %d", want, mustHeight(t, net))
		}
		time.Sleep(500 * time.Millisecond)
	}
	b, err := os.ReadFile(filepath.Join(net.home(0), "data", "upgrade-info.json"))
	if err != nil {
		t.Fatalf("upgrade-info.json for cosmovisor: %v", err)
	}
	var info struct {
		Name   string `json:"name"`
		Height int64  `json:"height"`
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Name != "v2" || info.Height != height {
		t.Fatalf("upgrade-info.json %s (%v), want v2 at %d", b, err, height)
	}
	time.Sleep(3 * time.Second)
	if h := mustHeight(t, net); h != height-1 {
		t.Fatalf("the app committed height %d; the chain must stop before the upgrade height %d", h, height)
	}

	// The README's `hemid export`, of the stopped node: the state at its last height, as a genesis
	// that validates and starts at the next height.
	net.stop(0)
	exported := filepath.Join(t.TempDir(), "export.json")
	if out, err := net.cli("export", "--home", net.home(0), "--output-document", exported); err != nil {
		t.Fatalf("hemid export: %v: %s", err, out)
	}
	if out, err := net.cli("genesis", "validate", exported, "--home", net.home(0)); err != nil {
		t.Fatalf("hemid genesis validate of the export: %v: %s", err, out)
	}
	b, err = os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	var genesis struct {
		InitialHeight int64 `json:"initial_height"`
	}
	if err := json.Unmarshal(b, &genesis); err != nil || genesis.InitialHeight != height {
		t.Fatalf("the export's initial_height: %d (%v), want %d, the height after the last committed", genesis.InitialHeight, err, height)
	}
}
