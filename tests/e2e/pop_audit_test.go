package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/x/pop/canonical"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestPoPAudit: two single-validator hemi chains with the same chain id, each from its own
// genesis (different validator keys), so that both histories start at the same trusted point
// (the first keystone links to zero bytes) and diverge at once. Only the honest one runs the
// popminer against the shared btcd; one keystone of the other is then published by hand.
// `hemid pop audit` passes the honest node and flags the other at its first keystone, naming
// the honest Bitcoin tx that contradicts it. Then a new node of each chain, with the node guard
// on, syncs from that chain's validator: the forged one halts before block 10 citing the honest
// tx, the honest one syncs. What it does not show: a fork of one chain after shared blocks (both
// chains differ from block 1 on).
func TestPoPAudit(t *testing.T) {
	minerKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e popminer key, 32 bytes!"))
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey})
	btc.Generate(110)
	honest, _ := btcNetwork(t, btc, popMinerEnv(minerKey)...)
	forged, _ := btcNetwork(t, btc, "KEYSTONE_INTERVAL=10")
	miner := startPoPMiner(t, honest, btc)
	t.Cleanup(miner.stop)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			btc.Generate(1)
			time.Sleep(time.Second)
		}
	}()

	// Wait for the honest chain's first publication to be mined.
	client := btc.Client()
	var first *canonical.Publication
	for deadline := time.Now().Add(3 * time.Minute); first == nil; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("no HEMI payload mined in 3 minutes")
		}
		tip, err := client.GetBlockCount(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for h := int64(111); h <= tip && first == nil; h++ {
			if pubs := canonical.ScanBlock(h, btc.BlockAt(h)); len(pubs) > 0 {
				first = &pubs[0]
			}
		}
	}
	t.Logf("honest keystone %d published in tx %s at bitcoin height %d", first.Keystone.KeystoneHeight, first.TxID, first.BlockHeight)

	// Publish the forged chain's keystone at the same height, after the honest one.
	forgedPop := poptypes.NewQueryClient(grpcConn(t, forged))
	forged.waitHeight(0, int64(first.Keystone.KeystoneHeight)+1, 3*time.Minute)
	ks, err := forgedPop.Keystone(context.Background(), &poptypes.QueryKeystoneRequest{Height: uint64(first.Keystone.KeystoneHeight)})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := ks.Keystone.Abbreviate()
	if err != nil {
		t.Fatal(err)
	}
	w, err := wallet.New(minerKey, &chaincfg.RegressionNetParams, wallet.P2PKH, client)
	if err != nil {
		t.Fatal(err)
	}
	var forgedTx *wire.MsgTx
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		utxos, err := w.UTXOs(context.Background(), 1)
		if err == nil {
			if forgedTx, _, err = w.BuildTx(utxos, []*wire.TxOut{{PkScript: bitcoin.PoPScript(payload)}}, 2); err == nil {
				if _, err = w.Broadcast(context.Background(), forgedTx); err == nil {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("publishing the forged keystone: %v", err)
		}
	}
	t.Logf("forged keystone %d published in tx %s", payload.KeystoneHeight, forgedTx.TxHash())
	time.Sleep(4 * time.Second) // mined by the generator
	cancel()

	cfg := btc.ClientConfig()
	passwordFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(passwordFile, []byte(cfg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := func(net *network) (map[string]any, string, error) {
		cmd := exec.Command(hemidBin, "pop", "audit", "--btc-rpc", cfg.URL, "--btc-user", cfg.User,
			"--btc-password-file", passwordFile, "--node", net.nodes[0].GRPC, "--from", "100",
			"--max-lag", "100000", "--output", "json")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var rep map[string]any
		if jerr := json.Unmarshal(out, &rep); jerr != nil {
			t.Fatalf("audit output %q: %v\nstderr %s", out, jerr, stderr.String())
		}
		return rep, stderr.String(), err
	}

	rep, stderr, err := audit(honest)
	if err != nil {
		t.Fatalf("the honest node failed the audit: %v\n%v\n%s", err, rep, stderr)
	}
	if !strings.Contains(stderr, "eta") {
		t.Fatalf("no progress on stderr: %s", stderr)
	}
	if c, _ := rep["canonical"].([]any); len(c) == 0 {
		t.Fatalf("the honest audit found no canonical keystone: %v", rep)
	}

	rep, _, err = audit(forged)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the forged node passed the audit: %v %v", err, rep)
	}
	findings := append(asList(rep["mismatches"]), asList(rep["contested"])...)
	if len(findings) == 0 {
		t.Fatalf("no mismatch or contested keystone: %v", rep)
	}
	f := findings[0].(map[string]any)
	ev := f["evidence"].(map[string]any)
	if f["height"].(float64) != 10 || ev["txid"] == forgedTx.TxHash().String() {
		t.Fatalf("first finding %v: want keystone 10, with an honest tx as evidence", f)
	}
	// The evidence is an honest publication: its keystone is the honest chain's.
	honestPop := poptypes.NewQueryClient(grpcConn(t, honest))
	all, err := honestPop.Keystones(context.Background(), &poptypes.QueryKeystonesRequest{Pagination: &query.PageRequest{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range all.Keystones {
		a, err := k.Abbreviate()
		if err != nil {
			t.Fatal(err)
		}
		b := a.Serialize()
		found = found || hex.EncodeToString(b[:]) == ev["keystone_hex"]
	}
	if !found {
		t.Fatalf("evidence %v is not an honest keystone", ev)
	}
	t.Logf("forged node flagged at keystone 10 by bitcoin tx %s (block %s)", ev["txid"], ev["btc_block_hash"])

	// The node guard: a new node of each chain, guarded, syncs from that chain's validator. The
	// one fed the forged chain halts before it applies block 10, naming Bitcoin's evidence; the
	// honest one syncs past every keystone.
	btc.Generate(6) // every publication so far is superfinal
	forgedNode, forgedProc, forgedLog := startGuardedNode(t, forged, cfg.URL, cfg.User, passwordFile)
	honestNode, honestProc, honestLog := startGuardedNode(t, honest, cfg.URL, cfg.User, passwordFile)
	defer forgedProc.stop()
	defer honestProc.stop()
	target := mustHeight(t, honest)
	honestNode.waitHeight(0, target, 3*time.Minute)
	halt := regexp.MustCompile(`block 10 has hash [0-9A-F]{64}, but Bitcoin anchors keystone [0-9A-F]{24} at height 10 \(bitcoin tx ([0-9a-f]{64}) in block [0-9a-f]{64}`)
	var m []string
	for deadline := time.Now().Add(2 * time.Minute); m == nil; time.Sleep(time.Second) {
		b, _ := os.ReadFile(forgedLog)
		if m = halt.FindStringSubmatch(string(b)); m == nil && time.Now().After(deadline) {
			t.Fatalf("the guarded node of the forged chain did not halt at block 10:\n%s", tail(b, 3000))
		}
	}
	if m[1] != first.TxID.String() {
		t.Fatalf("the guard named bitcoin tx %s, want the honest publication %s", m[1], first.TxID)
	}
	time.Sleep(3 * time.Second)
	if st, err := forgedNode.status(0); err == nil && st.Height >= 10 {
		t.Fatalf("the guarded node of the forged chain is at height %d: it applied the forged block 10", st.Height)
	}
	if b, _ := os.ReadFile(honestLog); bytes.Contains(b, []byte("contradicts the keystone Bitcoin anchors")) {
		t.Fatalf("the guarded node of the honest chain refused a block:\n%s", tail(b, 3000))
	}
	t.Logf("guard: the forged chain's new node halted at block 10 citing tx %s; the honest chain's synced to %d", m[1], target)
}

// startGuardedNode starts a non-validator node of peer's chain with the node guard on, scanning
// btcd from height 100, and syncing from peer's validator; it returns the node (as a one-node
// network for status queries), its process and its log.
func startGuardedNode(t *testing.T, peer *network, btcURL, btcUser, passwordFile string) (*network, *process, string) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "guarded")
	if out, err := exec.Command(hemidBin, "init", "guarded", "--chain-id", testChainID, "--home", home).CombinedOutput(); err != nil {
		t.Fatalf("hemid init: %v\n%s", err, out)
	}
	genesis, err := os.ReadFile(filepath.Join(peer.home(0), "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(home, "config", "genesis.json"), string(genesis))
	nodeID := strings.TrimSpace(must(t, peer, "comet", "show-node-id", "--home", peer.home(0)))
	p2p := strings.TrimPrefix(strings.Trim(readConfigValue(t, filepath.Join(peer.home(0), "config", "config.toml"), "p2p", "laddr"), `"`), "tcp://")
	base := freePortBase(t, 1)
	script := fmt.Sprintf(`source %q/scripts/lib.sh && configure_node %q %d 0 1s && set_toml %q/config/config.toml p2p persistent_peers '"%s@%s"' && enable_guard %q %q %q %q 100 300ms`,
		repoRoot, home, base, home, nodeID, p2p, home, btcURL, btcUser, passwordFile)
	if res := runShell(t, script, []string{"HEMID=" + hemidBin}, time.Minute); res.Err != nil {
		t.Fatalf("configuring the guarded node: %v\n%s", res.Err, res.All())
	}
	logPath := filepath.Join(home, "hemid.log")
	proc := startProcess(t, logPath, hemidBin, "start", "--home", home)
	return &network{t: t, root: home, nodes: []endpoints{{RPC: "http://127.0.0.1:" + strconv.Itoa(base+1)}}}, proc, logPath
}

func asList(v any) []any { l, _ := v.([]any); return l }
