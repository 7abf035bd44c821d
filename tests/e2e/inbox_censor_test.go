package e2e

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
)

// TestInboxCensorship: a 4-validator localnet whose validators all censor x/inbox
// (app.UnsafeCensorInboxEnv: their proposals leave inbox operations out, they reject proposals
// with one, their mempools refuse MsgSubmitInboxTx), while their watchers keep x/btclc at
// Bitcoin's tip. A user posts a transfer on Bitcoin with `hemid btc inbox`; relaying its proof
// with `hemid tx inbox submit` is refused. A guarded non-validator node raises the censorship
// alarm once the operation is more than inbox_deadline (12) Bitcoin blocks deep and has not run,
// naming it, and `hemid pop audit` reports it as a finding.
func TestInboxCensorship(t *testing.T) {
	userKey := datagen.KeyFromSeed(61)
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: userKey})
	btc.Generate(110)
	net := newNetwork(t, 4, 1, append(btcEnv(btc), "IMPORTED_KEYS=user:"+hex.EncodeToString(userKey.Serialize()))...)
	cfg := btc.ClientConfig()
	for i := range 4 {
		enableWatcher(t, net.home(i), cfg)
		cmd := exec.Command(hemidBin, "start", "--home", net.home(i))
		cmd.Env = append(os.Environ(), app.UnsafeCensorInboxEnv+"=1")
		net.procs[i] = startCmd(t, filepath.Join(net.home(i), "hemid.log"), cmd)
	}
	net.waitHeight(0, 2, 3*time.Minute)
	passwordFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(passwordFile, []byte(cfg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, guardProc, guardLog := startGuardedNode(t, net, cfg.URL, cfg.User, passwordFile)
	defer guardProc.stop()
	lc := btclctypes.NewQueryClient(grpcConn(t, net))
	mine := func() {
		t.Helper()
		btc.Generate(1)
		height, hash := btc.BestBlock()
		waitLightClientTip(t, lc, height, hash, time.Minute)
	}
	mine()

	out, err := net.cli(append([]string{"btc", "inbox", "transfer", "--to", net.devs[0].Address, "--amount", "1000", "--wait=false"},
		append(btcWalletFlags(net, btc, "user"), "--address-kind", "p2pkh")...)...)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^txid ([0-9a-f]{64})$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("hemid btc inbox transfer printed no txid:\n%s", out)
	}
	txid := m[1]
	mine() // 1 confirmation

	// Relaying the proof is refused by every validator's mempool.
	proofFile := filepath.Join(t.TempDir(), "proof.json")
	hash, err := bitcoin.ParseDisplayHash(txid)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(proofFile, inboxProofJSON(t, btc, hash), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = net.cli(append([]string{"tx", "inbox", "submit", proofFile, "--from", net.devs[0].Name, "--gas", "400000"}, net.txFlags()...)...)
	var res txResult
	if err == nil {
		_ = json.Unmarshal([]byte(lastJSONLine(out)), &res)
	}
	if err == nil && res.Code == 0 {
		t.Fatalf("a censoring validator took MsgSubmitInboxTx into its mempool:\n%s", out)
	}

	// 12 more Bitcoin blocks make 13 confirmations: past the deadline. The alarm is raised at
	// the first hemi block after that.
	alarm := regexp.MustCompile(`CENSORSHIP ALARM: inbox operations[^\n]*` + txid)
	for confirmations := 1; confirmations < 13; confirmations++ {
		b, _ := os.ReadFile(guardLog)
		if alarm.Match(b) {
			t.Fatalf("the alarm was raised at %d confirmations, before the deadline of 12", confirmations)
		}
		mine()
	}
	var b []byte
	for deadline := time.Now().Add(time.Minute); !alarm.Match(b); time.Sleep(time.Second) {
		if b, _ = os.ReadFile(guardLog); time.Now().After(deadline) {
			t.Fatalf("the guarded node raised no censorship alarm for %s within a minute of the deadline:\n%s", txid, tail(b, 4000))
		}
	}
	if line := btcStatus(t, net, txid); !strings.HasPrefix(line, "not proven") {
		t.Fatalf("the censored operation: %q, want not proven", line)
	}

	// The audit reports it.
	cmd := exec.Command(hemidBin, "pop", "audit", "--btc-rpc", cfg.URL, "--btc-user", cfg.User,
		"--btc-password-file", passwordFile, "--node", net.nodes[0].GRPC, "--from", "100", "--output", "json")
	auditOut, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the audit of a censoring chain passed: %v\n%s", err, auditOut)
	}
	var rep struct {
		InboxDeadline uint32 `json:"inbox_deadline"`
		InboxOverdue  []struct {
			Txid          string `json:"txid"`
			Confirmations int64  `json:"confirmations"`
			NodeStatus    string `json:"node_status"`
		} `json:"inbox_overdue"`
	}
	if err := json.Unmarshal(auditOut, &rep); err != nil {
		t.Fatalf("audit output: %v\n%s", err, auditOut)
	}
	if rep.InboxDeadline != inboxtypes.DefaultInboxDeadline || len(rep.InboxOverdue) != 1 || rep.InboxOverdue[0].Txid != txid ||
		rep.InboxOverdue[0].Confirmations <= int64(inboxtypes.DefaultInboxDeadline) || rep.InboxOverdue[0].NodeStatus != "not proven" {
		t.Fatalf("audit: deadline %d, overdue %+v; want %s not proven past the deadline", rep.InboxDeadline, rep.InboxOverdue, txid)
	}
	t.Logf("censored inbox operation %s: alarm raised by the guarded node and reported by the audit", txid)
}
