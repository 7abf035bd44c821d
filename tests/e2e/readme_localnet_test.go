package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// localnetEnv points the README's localnet commands at the binary under test, a temporary home
// and free ports (the default base 36650 may be taken by a user's localnet or another test): the
// four nodes' and btcd's, at the fifth node's place.
func localnetEnv(t *testing.T) (home string, base int, env []string) {
	home = filepath.Join(t.TempDir(), "localnet")
	base = freePortBase(t, 5)
	t.Cleanup(func() { killProcessesMentioning(t, home) })
	return home, base, []string{"HEMID=" + hemidBin, "LOCALNET_HOME=" + home, "BASE_PORT=" + strconv.Itoa(base)}
}

var (
	localnetStatusLine = regexp.MustCompile(`(?m)^node(\d) height (\S+) app hash (\S+) x/btclc tip (\S+)$`)
	localnetBtcdLine   = regexp.MustCompile(`(?m)^btcd tip (\S+) (\S+)$`)
)

// TestReadmeLocalnet runs the commands of the README's "Networks on one machine" block as
// written, from the repository root: `make localnet` starts btcd regtest and four validators that
// make blocks, each running its Bitcoin watcher on that btcd (no relayer); after a Bitcoin block is
// mined, `make localnet-status` shows btcd's tip and all four with their heights, app hashes and
// x/btclc at btcd's tip; the four agree on the app hash at a common height, and after
// `make localnet-stop` none of their processes, btcd's included, is left.
func TestReadmeLocalnet(t *testing.T) {
	cmds := readmeCommands(t, "Networks on one machine")
	if want := []string{"make localnet", "make localnet-status", "make localnet-stop"}; strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the README's localnet block is %q; this test checks %q: update one or the other", cmds, want)
	}
	home, _, env := localnetEnv(t)

	start := runShell(t, cmds[0], env, 3*time.Minute)
	t.Logf("%s: %s", cmds[0], start.Duration.Round(100*time.Millisecond))
	if start.Err != nil {
		t.Fatalf("%s: %v\n%s", cmds[0], start.Err, start.All())
	}
	pids := make([]int, 4)
	for i := range pids {
		b, err := os.ReadFile(filepath.Join(home, fmt.Sprintf("node%d", i), "hemid.pid"))
		if err != nil {
			t.Fatalf("%s recorded no PID for node %d: %v", cmds[0], i, err)
		}
		if pids[i], err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			t.Fatal(err)
		}
	}
	if running := processesMentioning(t, home); len(running) != 5 {
		t.Fatalf("%d processes run for the localnet, want its 4 nodes and btcd: %v", len(running), describe(running))
	}
	b, err := os.ReadFile(filepath.Join(home, "btcd", "btcd.pid"))
	if err != nil {
		t.Fatalf("%s recorded no PID for btcd: %v", cmds[0], err)
	}
	btcdPID, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg := readConfigValue(t, filepath.Join(home, "node0", "config", "app.toml"), "bitcoin", "enable"); cfg != "true" {
		t.Fatalf("node0's [bitcoin] enable is %q, want the watcher on", cfg)
	}

	// The nodes' endpoints, as init-network.sh wrote them.
	ln := &network{t: t, root: home}
	for _, row := range readTSV(t, filepath.Join(home, "nodes.tsv")) {
		ln.nodes = append(ln.nodes, endpoints{RPC: row[1], API: row[2], GRPC: row[3], JSONRPC: row[4], WS: row[5]})
	}
	ln.waitHeight(0, 5, time.Minute)
	// A Bitcoin block; the watchers bring it to x/btclc with no relayer.
	mine := runShell(t, "scripts/localnet.sh mine 1", env, time.Minute)
	if mine.Err != nil {
		t.Fatalf("scripts/localnet.sh mine 1: %v\n%s", mine.Err, mine.All())
	}
	ln.waitHeight(0, mustHeight(t, ln)+3, time.Minute)

	status := runShell(t, cmds[1], env, time.Minute)
	if status.Err != nil {
		t.Fatalf("%s: %v\n%s", cmds[1], status.Err, status.All())
	}
	btcd := localnetBtcdLine.FindStringSubmatch(status.Out)
	if btcd == nil || btcd[1] != "102" {
		t.Fatalf("%s does not show btcd's tip at 102 (101 blocks at start, then one mined):\n%s", cmds[1], status.All())
	}
	rows := localnetStatusLine.FindAllStringSubmatch(status.Out, -1)
	if len(rows) != 4 {
		t.Fatalf("%s shows %d nodes, want 4:\n%s", cmds[1], len(rows), status.All())
	}
	for _, row := range rows {
		if row[4] != btcd[1] {
			t.Fatalf("%s: line %q, want x/btclc at btcd's tip %s", cmds[1], row[0], btcd[1])
		}
	}
	common := int64(0)
	for i, row := range rows {
		h, err := strconv.ParseInt(row[2], 10, 64)
		if row[1] != strconv.Itoa(i) || err != nil || h < 3 || !regexp.MustCompile(`^[0-9A-F]{64}$`).MatchString(row[3]) {
			t.Fatalf("%s: line %q, want node%d with a height of at least 3 and an app hash", cmds[1], row[0], i)
		}
		if common == 0 || h < common {
			common = h
		}
	}
	want := ln.blockAppHash(0, common)
	for i := 1; i < 4; i++ {
		if got := ln.blockAppHash(i, common); got != want || got == "" {
			t.Fatalf("app hash at height %d: node0 %s, node%d %s", common, want, i, got)
		}
	}
	t.Logf("%s:\n%sall 4 nodes: app hash %s at height %d", cmds[1], status.Out, want, common)

	stop := runShell(t, cmds[2], env, 2*time.Minute)
	t.Logf("%s: %s", cmds[2], stop.Duration.Round(100*time.Millisecond))
	if stop.Err != nil {
		t.Fatalf("%s: %v\n%s", cmds[2], stop.Err, stop.All())
	}
	for i, pid := range pids {
		if !strings.Contains(stop.Out, fmt.Sprintf("stopped node%d (pid %d)", i, pid)) {
			t.Errorf("%s does not report stopping node%d (pid %d):\n%s", cmds[2], i, pid, stop.Out)
		}
	}
	if !strings.Contains(stop.Out, fmt.Sprintf("stopped btcd (pid %d)", btcdPID)) {
		t.Errorf("%s does not report stopping btcd (pid %d):\n%s", cmds[2], btcdPID, stop.Out)
	}
	// The script waits for the nodes to exit; a short grace covers their reaping.
	waitNoProcesses(t, home, 5*time.Second)
	after := runShell(t, cmds[1], env, time.Minute)
	if n := strings.Count(after.Out, " height down "); after.Err != nil || n != 4 || !strings.Contains(after.Out, "btcd tip down ") {
		t.Fatalf("after %s, %s shows %d of 4 nodes down, and btcd %v (%v):\n%s", cmds[2], cmds[1], n,
			strings.Contains(after.Out, "btcd tip down "), after.Err, after.All())
	}
}

// TestLocalnetFailedStartStopsNodes: when a node cannot start (here its RPC port is taken),
// `make localnet` fails, says which node and why, and stops the nodes it did start, and btcd.
func TestLocalnetFailedStartStopsNodes(t *testing.T) {
	home, base, env := localnetEnv(t)
	taken, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+10*3+1)) // node 3's RPC
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	start := runShell(t, "make localnet", env, 3*time.Minute)
	t.Logf("make localnet: %s", start.Duration.Round(100*time.Millisecond))
	if start.Err == nil {
		t.Fatalf("make localnet succeeded with node 3's RPC port taken:\n%s", start.All())
	}
	if !strings.Contains(start.Stderr, "node3 exited") || !strings.Contains(start.Stderr, "address already in use") {
		t.Fatalf("make localnet does not say that node3 exited and why:\n%s", start.All())
	}
	waitNoProcesses(t, home, 5*time.Second)
	if left, _ := filepath.Glob(filepath.Join(home, "*", "*.pid")); len(left) != 0 {
		t.Fatalf("PID files left after the failed start: %v", left)
	}
}

// TestInitNetworkNamesFailingCommand: scripts/init-network.sh keeps its commands quiet, so when one
// fails (here `hemid init` refusing Ethereum's chain id) it must say which, not exit silently.
func TestInitNetworkNamesFailingCommand(t *testing.T) {
	res := runShell(t, `scripts/init-network.sh "$ROOT" 1 "$BASE" hemi_1-1 1s 0`,
		[]string{"HEMID=" + hemidBin, "ROOT=" + filepath.Join(t.TempDir(), "net"), "BASE=" + strconv.Itoa(freePortBase(t, 1))}, time.Minute)
	if res.Err == nil {
		t.Fatalf("init-network.sh accepted chain id hemi_1-1:\n%s", res.All())
	}
	if !strings.Contains(res.Stderr, `failed (exit 1): "$HEMID" init`) {
		t.Fatalf("init-network.sh does not name the command that failed:\n%s", res.All())
	}
}
