package e2e

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// readmeDevnet maps what the README says about the devnet (paths under build/, the ports of
// base 26650) to where a test runs it.
type readmeDevnet struct {
	binDir, home string
	base         int
}

var readmePort = regexp.MustCompile(`127\.0\.0\.1:(266[5-6][0-9])\b`)

func (d readmeDevnet) rewrite(s string) string {
	s = strings.ReplaceAll(s, "build/devnet", d.home)
	s = strings.ReplaceAll(s, "build/", d.binDir+"/")
	return readmePort.ReplaceAllStringFunc(s, func(m string) string {
		p, _ := strconv.Atoi(m[len("127.0.0.1:"):])
		return "127.0.0.1:" + strconv.Itoa(d.base+p-26650)
	})
}

// runningDemo is `make demo` (scripts/devnet.sh) started by a test: its output goes to a file.
type runningDemo struct {
	*process
	d       readmeDevnet
	logPath string
	start   time.Time
}

// startDemo runs command (the README's demo command) with bash in the repository root, with the
// binaries under test, a temporary home, free ports and env, in its own process group, which
// receives the Ctrl-C, as a terminal's foreground job does. Cleanup presses Ctrl-C if it still
// runs, kills what it left as a last resort, and on failure logs the ends of its output and logs.
func startDemo(t *testing.T, command string, env ...string) *runningDemo {
	t.Helper()
	d := readmeDevnet{binDir: demoBinDir(t), home: filepath.Join(t.TempDir(), "devnet"), base: freePortBase(t, 2)}
	t.Cleanup(func() { killProcessesMentioning(t, d.home) })
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir = repoRoot
	cmd.Env = append(append(cleanEnv(), "HEMID="+filepath.Join(d.binDir, "hemid"), "DEVNET_HOME="+d.home, "BASE_PORT="+strconv.Itoa(d.base)), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r := &runningDemo{d: d, logPath: filepath.Join(t.TempDir(), "demo.out"), start: time.Now()}
	r.process = startCmd(t, r.logPath, cmd)
	t.Cleanup(func() {
		if !r.exited() {
			r.ctrlC()
			if !r.wait(90 * time.Second) {
				_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
				<-r.done
			}
		}
		if t.Failed() {
			for _, name := range []string{"hemid.log", "popminer.log", "deposit.log"} {
				if b, err := os.ReadFile(filepath.Join(d.home, name)); err == nil {
					t.Logf("%s (last 1500 bytes):\n%s", name, tail(b, 1500))
				}
			}
		}
	})
	return r
}

// output is what the demo printed so far, its status line's redraws (\r) as separate lines.
func (r *runningDemo) output() string {
	b, _ := os.ReadFile(r.logPath)
	return strings.ReplaceAll(string(b), "\r", "\n")
}

func (r *runningDemo) ctrlC() { _ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGINT) }

// wait waits up to timeout for the demo to exit, and says whether it did.
func (r *runningDemo) wait(timeout time.Duration) bool {
	select {
	case <-r.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// waitOutput waits until the demo's output matches re and returns the output; it fails the test
// when the demo exits first or timeout passes.
func (r *runningDemo) waitOutput(t *testing.T, re *regexp.Regexp, what string, timeout time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(250 * time.Millisecond) {
		out := r.output()
		if re.MatchString(out) {
			return out
		}
		if r.exited() {
			t.Fatalf("make demo exited (%v) before %s", r.err, what)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s %s after make demo started", what, timeout)
		}
	}
}

// checkNoRelayer: of the processes the demo runs, none is a relayer; hemid is among them.
func checkNoRelayer(t *testing.T, d readmeDevnet) {
	t.Helper()
	hemid := false
	for _, p := range describe(processesMentioning(t, d.home)) {
		if strings.Contains(p, " relayer ") || strings.HasSuffix(p, " relayer") {
			t.Errorf("the demo runs a relayer: %s", p)
		}
		hemid = hemid || strings.Contains(p, "hemid start ")
	}
	if !hemid {
		t.Errorf("no `hemid start` among the demo's processes: %q", describe(processesMentioning(t, d.home)))
	}
}

// checkWatcherUp: the validator's Bitcoin watcher reports itself up on the metrics endpoint the
// demo prints.
func checkWatcherUp(t *testing.T, d readmeDevnet) {
	t.Helper()
	url := d.rewrite("http://127.0.0.1:26662/metrics")
	res := runShell(t, "curl -s --max-time 10 "+url, nil, time.Minute)
	if res.Err != nil || !regexp.MustCompile(`(?m)^hemid_bitcoin_watcher_up 1$`).MatchString(res.Out) {
		t.Fatalf("%s does not report hemid_bitcoin_watcher_up 1 (%v):\n%s", url, res.Err, tail([]byte(res.All()), 2000))
	}
}

// The demo's summary of its deposit: its outpoint, amount and recipient, the wallet's status line
// and, once minted, the provenance line (lock proof, minting, anchoring).
var (
	demoSummaryDeposit = regexp.MustCompile(`(?m)^  deposit ([0-9a-f]{64}:0), (\d+) sat to dev0 (hemi1\w+):\n` +
		`    minted at hemi height (\d+): (\d+) sat to (hemi1\w+)\n` +
		`    lock proof: Bitcoin block (\d+) [0-9a-f]{64}, (\d+) confirmations; minting: proven at hemi height (\d+)[^;]*, minted at hemi height (\d+); ` +
		`anchoring: keystone (\d+) published in Bitcoin block (\d+) [0-9a-f]{64}[^,]*, (\d+) publications, (\d+) Bitcoin confirmations, superfinal\n`)
	demoSummarySuperfinal = regexp.MustCompile(`(?m)^  newest keystone \d+, latest superfinal keystone (\d+);$`)
)

// TestReadmeDemo runs the README's demo command with DEMO_ONESHOT=1, as the README shows it, with
// the binaries under test, a temporary home and free ports. While it runs: every endpoint of the
// README's table listens where the demo says, the README's "Using the chain" block works line by
// line against it, the eth_call of the IBitcoin precompile that the demo prints answers x/btclc's
// tip (checkDemoBitcoinCall), the validator's watcher reports itself up, and no relayer runs. Then
// the demo stops by itself and exits 0, its status line having shown the deposit pending k/6, then
// minted, then its provenance superfinal; its summary shows a superfinal keystone and the deposit
// minted with its provenance (lock proof, minting, covering keystone and its Bitcoin block)
// superfinal, and no process it started is left.
func TestReadmeDemo(t *testing.T) {
	oneshot := "DEMO_ONESHOT=1 " + readmeDemoCommand(t)
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "`"+oneshot+"`") {
		t.Fatalf("the README does not show `%s`", oneshot)
	}
	r := startDemo(t, oneshot)
	d := r.d

	// When the first keystone becomes superfinal, measured beside the checks below.
	superfinal := regexp.MustCompile(`\| superfinal (\d+)`)
	firstSuperfinal := make(chan time.Duration, 1)
	go func() {
		for !r.exited() {
			if superfinal.MatchString(r.output()) {
				firstSuperfinal <- time.Since(r.start)
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		close(firstSuperfinal)
	}()

	output := r.waitOutput(t, regexp.MustCompile(`DEMO_ONESHOT=1: stops by itself .*\n.*fails if that has not happened (\d+) s after the start`),
		"the oneshot notice with its time limit", 3*time.Minute)
	limit, _ := strconv.Atoi(regexp.MustCompile(`has not happened (\d+) s after the start`).FindStringSubmatch(output)[1])
	checkReadmeEndpoints(t, d, output)
	checkNoRelayer(t, d)
	checkWatcherUp(t, d)
	runUsingTheChain(t, d)
	checkDemoBitcoinCall(t, d, output)

	if !r.wait(time.Duration(limit)*time.Second + time.Minute - time.Since(r.start)) {
		t.Fatalf("DEMO_ONESHOT=1 make demo still runs %s after its start, past its time limit of %d s", time.Since(r.start).Round(time.Second), limit)
	}
	total := time.Since(r.start)
	output = r.output()
	if r.err != nil {
		t.Fatalf("DEMO_ONESHOT=1 make demo: %v, want exit 0", r.err)
	}
	if took, ok := <-firstSuperfinal; ok {
		t.Logf("make demo: first superfinal keystone after %s", took.Round(time.Second))
	} else {
		t.Errorf("the status line never showed a superfinal keystone")
	}
	t.Logf("DEMO_ONESHOT=1 make demo: exited 0 after %s (the README's checks ran meanwhile)", total.Round(time.Second))

	// The status line's deposit: pending k/6, then minted at H, then its provenance superfinal.
	pending := regexp.MustCompile(`\| deposit pending [1-6]/6 `).FindStringIndex(output)
	minted := regexp.MustCompile(`\| deposit minted at \d+[ ,]`).FindStringIndex(output)
	final := regexp.MustCompile(`\| deposit minted at \d+, provenance superfinal \(keystone \d+\)`).FindStringIndex(output)
	if pending == nil || minted == nil || final == nil || !(pending[0] < minted[0] && minted[0] <= final[0]) {
		t.Fatalf("the status line did not show the deposit pending k/6, then minted, then its provenance superfinal, in that order")
	}
	for _, want := range []string{"DEMO_ONESHOT: keystone ", "Summary: hemi height", "Stopped the popminer, hemid and btcd."} {
		if !strings.Contains(output, want) {
			t.Fatalf("the demo did not print %q", want)
		}
	}
	sf := demoSummarySuperfinal.FindStringSubmatch(output)
	if sf == nil {
		t.Fatalf("the summary shows no superfinal keystone")
	}
	m := demoSummaryDeposit.FindStringSubmatch(output)
	if m == nil {
		t.Fatalf("the summary does not show the deposit minted with superfinal provenance (lock proof, minting, covering keystone and its Bitcoin block)")
	}
	amount, recipient, mintedAt, mintedAmount, mintedTo := m[2], m[3], m[4], m[5], m[6]
	lockConfs, provenAt, provMinted, keystone := atoi(t, m[8]), atoi(t, m[9]), m[10], atoi(t, m[11])
	if mintedAmount != amount || mintedTo != recipient || provMinted != mintedAt {
		t.Fatalf("the summary's deposit of %s sat to %s says minted %s sat to %s at %s, provenance minted at %s", amount, recipient, mintedAmount, mintedTo, mintedAt, provMinted)
	}
	if lockConfs < 6 || provenAt > atoi(t, mintedAt) || keystone < atoi(t, mintedAt) || atoi(t, m[12]) <= atoi(t, m[7]) || atoi(t, m[14]) < 6 {
		t.Fatalf("the summary's provenance does not add up: lock %s confirmations, proven at %d, minted at %s, keystone %d, published in Bitcoin block %s "+
			"after the lock's %s, %s confirmations", m[8], provenAt, mintedAt, keystone, m[12], m[7], m[14])
	}
	t.Logf("summary: latest superfinal keystone %s; deposit %s minted at %s, covering keystone %d superfinal", sf[1], m[1], mintedAt, keystone)
	waitNoProcesses(t, d.home, 5*time.Second)
}

// TestReadmeDemoCtrlC: `make demo` without DEMO_ONESHOT keeps running until Ctrl-C, which prints
// its summary (the deposit's status included) and stops every process it started.
func TestReadmeDemoCtrlC(t *testing.T) {
	r := startDemo(t, readmeDemoCommand(t))
	r.waitOutput(t, regexp.MustCompile(`Press Ctrl-C to stop\.`), "the Ctrl-C notice", 3*time.Minute)
	r.waitOutput(t, regexp.MustCompile(`\| deposit (pending [1-6]/6|minted at \d+)`), "a deposit pending or minted on the status line", 2*time.Minute)
	checkNoRelayer(t, r.d)
	r.ctrlC()
	if !r.wait(90 * time.Second) {
		t.Fatal("make demo did not exit within 90 s of Ctrl-C")
	}
	output := r.output()
	for _, want := range []string{"Summary: hemi height", "  deposit ", "Stopped the popminer, hemid and btcd."} {
		if !strings.Contains(output, want) {
			t.Fatalf("after Ctrl-C the demo did not print %q:\n%s", want, tail([]byte(output), 2000))
		}
	}
	if !regexp.MustCompile(`(?m)^    (pending [1-6]/6 confirmations|minted at hemi height \d+): `).MatchString(output) {
		t.Fatalf("the summary after Ctrl-C does not show the deposit's status:\n%s", tail([]byte(output), 2000))
	}
	waitNoProcesses(t, r.d.home, 5*time.Second)
	t.Logf("make demo: Ctrl-C after %s, summary printed, no process left", time.Since(r.start).Round(time.Second))
}

// readmeDemoCommand is the README's demo command, which must be `make demo`.
func readmeDemoCommand(t *testing.T) string {
	t.Helper()
	var demoCmd string
	for _, c := range readmeCommands(t, "The two commands") {
		if strings.HasPrefix(c, "make demo") {
			demoCmd = c
		}
	}
	if demoCmd != "make demo" {
		t.Fatalf("the README's demo command is %q; this test runs `make demo`", demoCmd)
	}
	return demoCmd
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// demoBinDir is a directory holding hemid under test and btcd with btcctl, which the demo
// expects beside hemid.
func demoBinDir(t *testing.T) string {
	t.Helper()
	btc := btcdtest.Bin(t)
	if btc.Btcctl == "" { // BTCD_BIN names a directory without btcctl
		dir, err := btcdtest.DefaultDir()
		if err != nil {
			t.Fatal(err)
		}
		if btc, err = btcdtest.Install(dir); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for name, path := range map[string]string{"hemid": hemidBin, "btcd": btc.Btcd, "btcctl": btc.Btcctl} {
		abs, err := filepath.Abs(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkDemoBitcoinCall runs the eth_call of IBitcoin.tip() that the demo prints, exactly as printed:
// its answer decodes as IBitcoin's Header and is, field by field, x/btclc's header at that height
// (REST), at a height between x/btclc's tips before and after the call. The printed `cast call`
// names the same address, the demo's JSON-RPC and tip()'s return tuple as the ABI declares it.
func checkDemoBitcoinCall(t *testing.T, d readmeDevnet, output string) {
	t.Helper()
	var curlLine, castLine string
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "curl ") && strings.Contains(line, `"eth_call"`):
			curlLine = line
		case strings.HasPrefix(line, "cast call "):
			castLine = line
		}
	}
	if curlLine == "" || castLine == "" {
		t.Fatalf("the demo prints no eth_call curl line or no cast call line for the IBitcoin precompile")
	}
	jsonRPC := d.rewrite("http://127.0.0.1:26654")
	ibtc := mustABI(t, contracts.IBitcoinABI)
	tip := ibtc.Methods["tip"]
	m := regexp.MustCompile(`^cast call (0x[0-9a-fA-F]{40}) "([^"]+)" --rpc-url (\S+)$`).FindStringSubmatch(castLine)
	var outputs []string
	for _, o := range tip.Outputs {
		outputs = append(outputs, o.Type.String())
	}
	if wantSig := tip.Sig + "(" + strings.Join(outputs, ",") + ")"; m == nil || m[1] != ibitcoin.Address.Hex() || m[2] != wantSig || m[3] != jsonRPC {
		t.Errorf("the demo prints %q; want cast call %s \"%s\" --rpc-url %s", castLine, ibitcoin.Address.Hex(), wantSig, jsonRPC)
	}
	if !strings.Contains(curlLine, jsonRPC) || !strings.Contains(strings.ToLower(curlLine), strings.ToLower(ibitcoin.Address.Hex())) {
		t.Errorf("the demo's curl line %q does not call %s at %s", curlLine, ibitcoin.Address.Hex(), jsonRPC)
	}

	api := d.rewrite("http://127.0.0.1:26652")
	// headerView is x/btclc's HeaderView as REST prints it (64-bit integers as strings).
	type headerView struct {
		Hash           string `json:"hash"`
		Height         uint64 `json:"height,string"`
		Version        int32  `json:"version"`
		PrevBlock      string `json:"prev_block"`
		MerkleRoot     string `json:"merkle_root"`
		Time           uint32 `json:"time"`
		Bits           uint32 `json:"bits"`
		Nonce          uint32 `json:"nonce"`
		CumulativeWork string `json:"cumulative_work"`
	}
	restHeader := func(path string) headerView {
		var res struct {
			Header headerView `json:"header"`
		}
		if err := getJSON(api+path, &res); err != nil {
			t.Fatal(err)
		}
		return res.Header
	}
	before := restHeader("/hemi/btclc/v1/tip")
	res := runShell(t, curlLine, nil, time.Minute)
	after := restHeader("/hemi/btclc/v1/tip")
	var answer struct {
		Result string `json:"result"`
	}
	if err := json.Unmarshal([]byte(res.Out), &answer); res.Err != nil || err != nil || answer.Result == "" {
		t.Fatalf("the demo's %s\nanswered %v %v: %s", curlLine, res.Err, err, res.All())
	}
	ret, err := hexutil.Decode(answer.Result)
	if err != nil {
		t.Fatal(err)
	}
	values, err := tip.Outputs.Unpack(ret)
	if err != nil || len(values) != 1 {
		t.Fatalf("the answer %s is not an IBitcoin Header: %v", answer.Result, err)
	}
	var got precompiles.Header
	reflectSet(t, &got, values[0])
	if got.Height < before.Height || got.Height > after.Height {
		t.Fatalf("tip() answered height %d, outside x/btclc's tips %d..%d around the call", got.Height, before.Height, after.Height)
	}
	want := restHeader(fmt.Sprintf("/hemi/btclc/v1/header/%d", got.Height))
	gotView := headerView{
		Hash: hex.EncodeToString(got.Hash[:]), Height: got.Height, Version: int32(got.Version),
		PrevBlock: hex.EncodeToString(got.PrevHash[:]), MerkleRoot: hex.EncodeToString(got.MerkleRoot[:]),
		Time: got.Time, Bits: got.Bits, Nonce: got.Nonce, CumulativeWork: got.CumulativeWork.String(),
	}
	if gotView != want {
		t.Fatalf("the demo's eth_call of tip() answered\n%+v\nx/btclc's header at that height is\n%+v", gotView, want)
	}
	t.Logf("the demo's eth_call of IBitcoin.tip() answered x/btclc's header %d %s", got.Height, gotView.Hash)
}

// checkReadmeEndpoints: every address in the README's endpoint table is in the demo's list and
// listens; the btcd password file the README names holds the password it names.
func checkReadmeEndpoints(t *testing.T, d readmeDevnet, output string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "\n| endpoint | address (devnet) |\n")
	if !ok {
		t.Fatal("README.md has no endpoint table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	rows := regexp.MustCompile("(?m)^\\| ([^|]+?) \\| `([^`]+)`(.*)\\|$").FindAllStringSubmatch(table, -1)
	if len(rows) < 8 {
		t.Fatalf("found %d rows in the README's endpoint table, want at least 8", len(rows))
	}
	for _, row := range rows {
		name, addr := row[1], d.rewrite(row[2])
		if !strings.Contains(output, addr) {
			t.Errorf("README endpoint %s %s (here %s) is not in the demo's list", name, row[2], addr)
			continue
		}
		hostPort := addr
		if i := strings.Index(hostPort, "://"); i >= 0 {
			hostPort = hostPort[i+3:]
		}
		hostPort, _, _ = strings.Cut(hostPort, "/")
		conn, err := net.DialTimeout("tcp", hostPort, 5*time.Second)
		if err != nil {
			t.Errorf("README endpoint %s %s (here %s): %v", name, row[2], addr, err)
			continue
		}
		conn.Close()
	}
	if !strings.Contains(output, "(user hemi, password hemi-devnet)") {
		t.Errorf("the demo does not print btcd's user and password as the README does")
	}
	if p, err := os.ReadFile(d.rewrite("build/devnet/btcd/rpc-password")); err != nil || strings.TrimSpace(string(p)) != "hemi-devnet" {
		t.Errorf("build/devnet/btcd/rpc-password: %q, %v; the README says it holds btcd's password", p, err)
	}
}

// runUsingTheChain runs the README's "Using the chain" block against the demo, one command at a
// time (the block's variable assignments before each), for a new account as <hemi1…> / <0x…>.
// Every command must exit 0 and do what the README says; a command this test does not know fails
// it, so that a new README example gets a check.
func runUsingTheChain(t *testing.T, d readmeDevnet) {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	eth := crypto.PubkeyToAddress(key.PublicKey)
	bech := sdk.AccAddress(eth.Bytes()).String()
	const sent = "1000000000000000000" // the README's amount
	placeholders := strings.NewReplacer("<hemi1…>", bech, "<0x…>", eth.Hex())
	assignments := regexp.MustCompile(`^[A-Z0-9_]+=\S*(;\s*[A-Z0-9_]+=\S*)*;?$`)

	prefix := "set -euo pipefail; "
	for _, line := range readmeCommands(t, "Using the chain") {
		if assignments.MatchString(line) {
			prefix += d.rewrite(line) + "; "
			continue
		}
		// <hemi1…|0x…> takes either form: run the line with each.
		variants := []string{strings.ReplaceAll(line, "<hemi1…|0x…>", "<hemi1…>")}
		if strings.Contains(line, "<hemi1…|0x…>") {
			variants = append(variants, strings.ReplaceAll(line, "<hemi1…|0x…>", "<0x…>"))
		}
		for _, variant := range variants {
			script := placeholders.Replace(d.rewrite(variant))
			res := runShell(t, prefix+script, nil, time.Minute)
			if res.Err != nil {
				t.Fatalf("README: %s\nran: %s\n%v\n%s", line, script, res.Err, res.All())
			}
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("README: %s\nran: %s\n%s\noutput:\n%s", line, script, fmt.Sprintf(format, args...), res.All())
			}
			switch {
			case strings.HasPrefix(variant, "$H query bank balances <hemi1…> "):
				if !strings.Contains(res.Out, "balances") {
					fail("no balances")
				}
			case strings.HasPrefix(variant, "$H tx bank send "):
				m := regexp.MustCompile(`"?txhash"?:\s*"?([0-9A-F]{64})`).FindStringSubmatch(res.Out)
				if m == nil || !regexp.MustCompile(`"?code"?:\s*0\b`).MatchString(res.Out) {
					fail("no accepted transaction (code 0 and a txhash)")
				}
				waitTxREST(t, d.rewrite("http://127.0.0.1:26652"), m[1])
			case strings.HasPrefix(variant, "curl http://127.0.0.1:26652/cosmos/bank/v1beta1/balances/<hemi1…>"):
				var rest struct {
					Balances []struct{ Denom, Amount string } `json:"balances"`
				}
				if err := json.Unmarshal([]byte(res.Out), &rest); err != nil || len(rest.Balances) != 1 ||
					rest.Balances[0].Denom != "ahemi" || rest.Balances[0].Amount != sent {
					fail("want the balance of %sahemi sent above (%v)", sent, err)
				}
			case strings.Contains(variant, `"method":"eth_getBalance","params":["<0x…>"`):
				var rpc struct {
					Result string `json:"result"`
				}
				if err := json.Unmarshal([]byte(res.Out), &rpc); err != nil || rpc.Result != "0xde0b6b3a7640000" {
					fail("want result 0xde0b6b3a7640000 (%s wei) (%v)", sent, err)
				}
			case strings.HasPrefix(variant, "$H debug addr <hemi1…>"):
				if !strings.Contains(strings.ToLower(res.Out), "address hex: "+strings.ToLower(eth.Hex())) {
					fail("want the 0x form %s", eth.Hex())
				}
			case strings.HasPrefix(variant, "$H debug addr <0x…>"):
				if !strings.Contains(res.Out, "Bech32 Acc "+bech) {
					fail("want the hemi1 form %s", bech)
				}
			default:
				t.Fatalf("README command %q has no check in runUsingTheChain: add one", variant)
			}
			t.Logf("README: %s: ok", variant)
		}
	}
}

// waitTxREST waits until the REST server knows the transaction, as included in a block.
func waitTxREST(t *testing.T, api, hash string) {
	t.Helper()
	var res struct {
		TxResponse struct {
			Code   uint32 `json:"code"`
			RawLog string `json:"raw_log"`
		} `json:"tx_response"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := getJSON(api+"/cosmos/tx/v1beta1/txs/"+hash, &res)
		if err == nil {
			if res.TxResponse.Code != 0 {
				t.Fatalf("tx %s failed in its block: code %d: %s", hash, res.TxResponse.Code, res.TxResponse.RawLog)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tx %s not in a block after 30 s: %v", hash, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
