package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testChainID carries the EVM chain id 74303 (see app/params.EVMChainID).
const (
	testChainID    = "hemitest_74303-1"
	testEVMChainID = 74303
)

// account is a funded dev account from the network's accounts.tsv.
type account struct {
	Name, Address, EthAddress, PrivateKey string
}

// endpoints of one node, from nodes.tsv.
type endpoints struct {
	RPC, API, GRPC, JSONRPC, WS string
}

// network is a hemid network created by scripts/init-network.sh, whose nodes run as processes
// started and stopped by PID.
type network struct {
	t     *testing.T
	root  string
	nodes []endpoints
	devs  []account
	procs []*process
}

// newNetwork creates an n-validator network with devs funded accounts on free loopback ports.
// env adds variables for scripts/init-network.sh (e.g. BTC_RPC for x/btclc's base).
func newNetwork(t *testing.T, n, devs int, env ...string) *network {
	t.Helper()
	root := t.TempDir()
	base := freePortBase(t, n)
	cmd := exec.Command(filepath.Join(repoRoot, "scripts", "init-network.sh"),
		root, strconv.Itoa(n), strconv.Itoa(base), testChainID, "1s", strconv.Itoa(devs))
	cmd.Env = append(append(os.Environ(), "HEMID="+hemidBin), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("init-network.sh: %v\n%s", err, out)
	}
	net := &network{t: t, root: root, procs: make([]*process, n)}
	for _, row := range readTSV(t, filepath.Join(root, "nodes.tsv")) {
		net.nodes = append(net.nodes, endpoints{RPC: row[1], API: row[2], GRPC: row[3], JSONRPC: row[4], WS: row[5]})
	}
	for _, row := range readTSV(t, filepath.Join(root, "accounts.tsv")) {
		net.devs = append(net.devs, account{Name: row[0], Address: row[1], EthAddress: row[2], PrivateKey: row[3]})
	}
	if len(net.nodes) != n || len(net.devs) != devs {
		t.Fatalf("init-network.sh made %d nodes and %d accounts, want %d and %d", len(net.nodes), len(net.devs), n, devs)
	}
	t.Cleanup(net.stopAll)
	return net
}

func (n *network) home(i int) string { return filepath.Join(n.root, fmt.Sprintf("node%d", i)) }

// start runs node i's hemid process; its output goes to hemid.log in its home.
func (n *network) start(i int) {
	n.t.Helper()
	n.procs[i] = startProcess(n.t, filepath.Join(n.home(i), "hemid.log"), hemidBin, "start", "--home", n.home(i))
}

// stop ends node i's process.
func (n *network) stop(i int) {
	n.procs[i].stop()
	n.procs[i] = nil
}

func (n *network) stopAll() {
	for i := range n.procs {
		n.procs[i].stop()
	}
}

// process is a daemon started by a test and stopped by its PID.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // how it exited (nil: status 0), once done is closed
}

// startProcess runs bin with args, appending its output to logPath.
func startProcess(t *testing.T, logPath, bin string, args ...string) *process {
	t.Helper()
	return startCmd(t, logPath, exec.Command(bin, args...))
}

// startCmd starts cmd as a process stopped when the test ends, appending its output to logPath.
func startCmd(t *testing.T, logPath string, cmd *exec.Cmd) *process {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	bin := cmd.Path
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("%s (last 3000 bytes):\n%s", logPath, tail(b, 3000))
			}
		}
	})
	return p
}

// stop sends SIGTERM to the process, and SIGKILL if it has not exited after 30 s. A nil or
// already stopped process is fine.
func (p *process) stop() {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill ends the process with SIGKILL: no chance to clean up, as in a crash.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// exited reports whether the process has ended on its own.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// status is the part of CometBFT's /status answer the tests use.
type status struct {
	Height  int64
	AppHash string
	Syncing bool
}

func (n *network) status(i int) (status, error) {
	var res struct {
		Result struct {
			SyncInfo struct {
				LatestBlockHeight string `json:"latest_block_height"`
				LatestAppHash     string `json:"latest_app_hash"`
				CatchingUp        bool   `json:"catching_up"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	if err := getJSON(n.nodes[i].RPC+"/status", &res); err != nil {
		return status{}, err
	}
	h, err := strconv.ParseInt(res.Result.SyncInfo.LatestBlockHeight, 10, 64)
	return status{Height: h, AppHash: res.Result.SyncInfo.LatestAppHash, Syncing: res.Result.SyncInfo.CatchingUp}, err
}

// waitHeight waits until node i has committed height h.
func (n *network) waitHeight(i int, h int64, timeout time.Duration) int64 {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	var last status
	var lastErr error
	for time.Now().Before(deadline) {
		last, lastErr = n.status(i)
		if lastErr == nil && last.Height >= h {
			return last.Height
		}
		time.Sleep(300 * time.Millisecond)
	}
	n.t.Fatalf("node %d did not reach height %d in %s (last height %d, error %v)", i, h, timeout, last.Height, lastErr)
	return 0
}

// blockAppHash returns the app hash in the header of block h on node i.
func (n *network) blockAppHash(i int, h int64) string {
	n.t.Helper()
	var res struct {
		Result struct {
			Block struct {
				Header struct {
					AppHash string `json:"app_hash"`
				} `json:"header"`
			} `json:"block"`
		} `json:"result"`
	}
	if err := getJSON(fmt.Sprintf("%s/block?height=%d", n.nodes[i].RPC, h), &res); err != nil {
		n.t.Fatalf("node %d block %d: %v", i, h, err)
	}
	return res.Result.Block.Header.AppHash
}

// cli runs hemid with args against node 0 and returns stdout; a non-zero exit is returned as an
// error carrying stderr.
func (n *network) cli(args ...string) (string, error) {
	cmd := exec.Command(hemidBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("hemid %s: %v: %s%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

// txFlags are the flags of a CLI transaction signed from node 0's test keyring.
func (n *network) txFlags() []string {
	return []string{
		"--home", n.home(0), "--keyring-backend", "test", "--chain-id", testChainID,
		"--node", n.nodes[0].RPC, "--output", "json", "--yes",
	}
}

// txResult is the part of a CLI broadcast answer the tests use.
type txResult struct {
	Code   uint32 `json:"code"`
	TxHash string `json:"txhash"`
	RawLog string `json:"raw_log"`
}

// sendTx runs a CLI tx command, checks it passed CheckTx and waits until it is in a block,
// returning the block's result for it.
func (n *network) sendTx(args ...string) txResult {
	n.t.Helper()
	out, err := n.cli(append(args, n.txFlags()...)...)
	if err != nil {
		n.t.Fatal(err)
	}
	var res txResult
	if err := json.Unmarshal([]byte(lastJSONLine(out)), &res); err != nil {
		n.t.Fatalf("tx answer is not JSON: %v\n%s", err, out)
	}
	if res.Code != 0 {
		n.t.Fatalf("tx rejected in CheckTx (code %d): %s", res.Code, res.RawLog)
	}
	return n.waitTx(res.TxHash)
}

// waitTx waits for a transaction to be in a block and returns its result.
func (n *network) waitTx(hash string) txResult {
	n.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, err := n.cli("query", "tx", hash, "--node", n.nodes[0].RPC, "--output", "json")
		if err == nil {
			var res txResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				n.t.Fatalf("query tx answer is not JSON: %v\n%s", err, out)
			}
			return res
		}
		time.Sleep(500 * time.Millisecond)
	}
	n.t.Fatalf("tx %s not in a block after 30 s", hash)
	return txResult{}
}

// freePortBase finds a base port such that the 10 ports of each of n nodes are all free.
func freePortBase(t *testing.T, n int) int {
	t.Helper()
	for range 200 {
		base := 20000 + 10*rand.IntN(3000)
		if portsFree(base, 10*n) {
			return base
		}
	}
	t.Fatal("no free loopback port range found")
	return 0
}

func portsFree(base, count int) bool {
	for p := base; p < base+count; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

func readTSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 || line == "" {
			continue // header
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

func getJSON(url string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// lastJSONLine returns the last line of CLI output that looks like a JSON object (the CLI may
// print gas estimates before it).
func lastJSONLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "{") {
			return lines[i]
		}
	}
	return out
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
