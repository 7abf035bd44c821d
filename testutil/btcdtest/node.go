package btcdtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
)

const (
	// RPCUser and RPCPassword are the credentials of every node.
	RPCUser     = "hemi"
	RPCPassword = "hemi-regtest"

	startTimeout = 60 * time.Second // a cold start on a busy 2-core machine
	stopTimeout  = 15 * time.Second // then SIGKILL
	rpcTimeout   = 60 * time.Second // for the harness's own RPC calls
	logTailLines = 60
)

// Options change how Start runs a node. The zero value is a plain node.
type Options struct {
	// TLS serves RPC over HTTPS with the certificate btcd generates in the
	// node's directory (btcd's default) instead of --notls.
	TLS bool
	// MiningKey receives the coinbase outputs of blocks the node mines (at
	// its RegtestAddress). By default each node gets its own fixed test key
	// (MiningKey(i) for the i-th node started), so two nodes never mine
	// identical blocks and their chains really compete.
	MiningKey *btcec.PrivateKey
	// Args are extra btcd command-line arguments.
	Args []string
}

// Node is a running (or stopped) btcd regtest node owned by a test.
type Node struct {
	t        testing.TB
	bin      string
	dir      string
	args     []string
	tls      bool
	key      *btcec.PrivateKey
	addr     btcutil.Address
	cmd      *exec.Cmd
	exited   chan struct{}
	client   *rpc.Client
	name     string
	p2pAddr  string
	rpcAddr  string
	certFile string
}

var nodeCount atomic.Int64

// MiningKey returns the i-th fixed test key: sha256("hemi btcdtest mining
// key <i>"). The keys are public knowledge; use them on regtest only.
func MiningKey(i int) *btcec.PrivateKey {
	seed := sha256.Sum256([]byte("hemi btcdtest mining key " + strconv.Itoa(i)))
	key, _ := btcec.PrivKeyFromBytes(seed[:])
	return key
}

// RegtestAddress is the regtest P2PKH address of key's compressed public
// key. Not P2WPKH: btcd's regtest activates segwit by BIP9 signalling only at
// height 432, and coinbase outputs should be spendable as soon as they mature.
func RegtestAddress(key *btcec.PrivateKey) (btcutil.Address, error) {
	pkh := btcutil.Hash160(key.PubKey().SerializeCompressed())
	return btcutil.NewAddressPubKeyHash(pkh, &chaincfg.RegressionNetParams)
}

// Start launches a btcd regtest node with a transaction and address index,
// RPC and P2P on free 127.0.0.1 ports and all its files in a temporary
// directory, and waits until its RPC answers. The node is stopped when the
// test ends; if the test failed, the tail of its log is printed first.
// opts may be nil.
func Start(t testing.TB, opts *Options) *Node {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	i := int(nodeCount.Add(1)) - 1
	n := &Node{
		t:    t,
		bin:  Bin(t).Btcd,
		dir:  t.TempDir(), // before the Cleanup below, so removed after the stop
		tls:  opts.TLS,
		key:  opts.MiningKey,
		name: "btcd" + strconv.Itoa(i),
	}
	if n.key == nil {
		n.key = MiningKey(i)
	}
	var err error
	if n.addr, err = RegtestAddress(n.key); err != nil {
		t.Fatal(err)
	}
	// btcd reads ~/.btcd/btcd.conf unless given a config file; an empty one
	// keeps the user's settings out of tests.
	if err := os.WriteFile(filepath.Join(n.dir, "btcd.conf"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Stop()
		if t.Failed() {
			t.Logf("last lines of %s's log (%s):\n%s", n.name, n.logFile(), n.LogTail(logTailLines))
		}
	})

	// Free ports are found by binding and closing, so another process may
	// take one before btcd binds it; then try again with new ports.
	for attempt := 1; ; attempt++ {
		n.p2pAddr, n.rpcAddr = freeAddr(t), freeAddr(t)
		n.client = nil // it was for the previous ports
		n.args = n.buildArgs(opts.Args)
		err = n.launch()
		if err == nil {
			return n
		}
		if attempt == 3 || !strings.Contains(n.LogTail(logTailLines), "address already in use") {
			t.Fatalf("btcdtest: starting %s: %v\n%s", n.name, err, n.LogTail(logTailLines))
		}
	}
}

func (n *Node) buildArgs(extra []string) []string {
	args := []string{
		"--regtest",
		"--configfile=" + filepath.Join(n.dir, "btcd.conf"),
		"--datadir=" + filepath.Join(n.dir, "data"),
		"--logdir=" + filepath.Join(n.dir, "logs"),
		"--rpcuser=" + RPCUser,
		"--rpcpass=" + RPCPassword,
		"--rpclisten=" + n.rpcAddr,
		"--listen=" + n.p2pAddr,
		"--txindex",
		"--addrindex",
		"--miningaddr=" + n.addr.EncodeAddress(),
		// A test's nodes misbehave on purpose (forks, restarts); banning or
		// stall detection would cut them off at random.
		"--nobanning",
		"--nostalldetect",
	}
	if n.tls {
		n.certFile = filepath.Join(n.dir, "rpc.cert")
		args = append(args, "--rpccert="+n.certFile, "--rpckey="+filepath.Join(n.dir, "rpc.key"))
	} else {
		args = append(args, "--notls")
	}
	return append(args, extra...)
}

// launch starts the process and waits until RPC answers or the process dies.
func (n *Node) launch() error {
	out, err := os.OpenFile(n.logFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer out.Close() // the child has its own descriptor
	cmd := exec.Command(n.bin, n.args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	n.cmd, n.exited = cmd, exited

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("btcd exited during startup: %v", cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.Stop()
			return fmt.Errorf("RPC did not answer within %s", startTimeout)
		}
		if n.client == nil {
			// With TLS the client needs the certificate btcd writes at
			// startup, so it is built once that exists.
			if n.client, err = rpc.NewClient(n.ClientConfig()); err != nil {
				continue
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := n.client.GetBlockCount(ctx)
		cancel()
		if err == nil {
			return nil
		}
	}
}

func (n *Node) logFile() string { return filepath.Join(n.dir, "btcd.out") }

// freeAddr returns a 127.0.0.1 address with a port that was free just now.
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Stop stops the node: SIGTERM, then SIGKILL if it has not exited in time.
// It is idempotent; the test's Cleanup calls it too.
func (n *Node) Stop() {
	if n.cmd == nil {
		return
	}
	select {
	case <-n.exited:
	default:
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-n.exited:
		case <-time.After(stopTimeout):
			n.t.Logf("btcdtest: %s (pid %d) ignored SIGTERM for %s; killing it", n.name, n.cmd.Process.Pid, stopTimeout)
			_ = n.cmd.Process.Kill()
			<-n.exited
		}
	}
	n.cmd = nil
}

// Restart stops the node and starts it again on the same ports and
// directory. btcd deletes its block database at every regtest start, so
// Restart saves the best chain's blocks first and submits them again after:
// the node comes back with the same best chain, but without its mempool,
// side branches or peer connections (Connect again).
func (n *Node) Restart() {
	n.t.Helper()
	height, tip := n.BestBlock()
	blocks := make([]string, 0, height)
	for h := int64(1); h <= height; h++ {
		var hash, block string
		if err := n.call("getblockhash", []any{h}, &hash); err != nil {
			n.t.Fatalf("btcdtest: saving %s's chain: %v", n.name, err)
		}
		if err := n.call("getblock", []any{hash, 0}, &block); err != nil {
			n.t.Fatalf("btcdtest: saving %s's chain: %v", n.name, err)
		}
		blocks = append(blocks, block)
	}
	n.Stop()
	if err := n.launch(); err != nil {
		n.t.Fatalf("btcdtest: restarting %s: %v\n%s", n.name, err, n.LogTail(logTailLines))
	}
	for i, block := range blocks {
		// submitblock answers null, or a string saying why it refused.
		var reason *string
		if err := n.call("submitblock", []any{block}, &reason); err != nil {
			n.t.Fatalf("btcdtest: restoring block %d on %s: %v", i+1, n.name, err)
		} else if reason != nil {
			n.t.Fatalf("btcdtest: restoring block %d on %s: %s", i+1, n.name, *reason)
		}
	}
	if _, got := n.BestBlock(); got != tip {
		n.t.Fatalf("btcdtest: %s restarted at tip %s, was %s", n.name, got, tip)
	}
}

// LogTail returns the last lines of the node's output.
func (n *Node) LogTail(lines int) string {
	data, err := os.ReadFile(n.logFile())
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// Name labels the node in logs and errors ("btcd0", "btcd1", ...).
func (n *Node) Name() string { return n.name }

// Dir is the node's directory (data, logs, config, TLS certificate).
func (n *Node) Dir() string { return n.dir }

// P2PAddr is the host:port the node listens on for peers.
func (n *Node) P2PAddr() string { return n.p2pAddr }

// RPCAddr is the host:port of the node's RPC server.
func (n *Node) RPCAddr() string { return n.rpcAddr }

// CertFile is the RPC TLS certificate (empty without TLS).
func (n *Node) CertFile() string { return n.certFile }

// MiningKey is the key mined coinbase outputs pay to.
func (n *Node) MiningKey() *btcec.PrivateKey { return n.key }

// MiningAddress is the RegtestAddress of MiningKey.
func (n *Node) MiningAddress() btcutil.Address { return n.addr }

// ClientConfig is the RPC configuration for this node, to build clients
// with other settings (a wrong password, say).
func (n *Node) ClientConfig() rpc.Config {
	cfg := rpc.Config{
		URL:      "http://" + n.rpcAddr,
		User:     RPCUser,
		Password: RPCPassword,
		Name:     n.name,
	}
	if n.tls {
		cfg.URL = "https://" + n.rpcAddr
		cfg.CACertFile = n.certFile
	}
	return cfg
}

// Client returns the node's RPC client.
func (n *Node) Client() *rpc.Client { return n.client }

func (n *Node) call(method string, params []any, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	return n.client.Call(ctx, method, params, result)
}

// Generate mines count blocks on the node's own chain and returns their
// hashes, oldest first.
func (n *Node) Generate(count int) []chainhash.Hash {
	n.t.Helper()
	var strs []string
	if err := n.call("generate", []any{count}, &strs); err != nil {
		n.t.Fatalf("btcdtest: %v", err)
	}
	if len(strs) != count {
		n.t.Fatalf("btcdtest: %s mined %d blocks, asked for %d", n.name, len(strs), count)
	}
	hashes := make([]chainhash.Hash, count)
	for i, s := range strs {
		h, err := bitcoin.ParseDisplayHash(s)
		if err != nil {
			n.t.Fatalf("btcdtest: %s: generate returned %q: %v", n.name, s, err)
		}
		hashes[i] = h
	}
	return hashes
}

// BestBlock returns the node's best-chain height and tip hash.
func (n *Node) BestBlock() (int64, chainhash.Hash) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	height, err := n.client.GetBlockCount(ctx)
	if err != nil {
		n.t.Fatalf("btcdtest: %v", err)
	}
	hash, err := n.client.GetBlockHash(ctx, height)
	if err != nil {
		n.t.Fatalf("btcdtest: %v", err)
	}
	return height, hash
}

// BlockAt returns the node's best-chain block at height.
func (n *Node) BlockAt(height int64) *wire.MsgBlock {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	hash, err := n.client.GetBlockHash(ctx, height)
	if err != nil {
		n.t.Fatalf("btcdtest: block hash at %d: %v", height, err)
	}
	block, err := n.client.GetBlock(ctx, hash)
	if err != nil {
		n.t.Fatalf("btcdtest: block %s: %v", hash, err)
	}
	return block
}

type peerInfo struct {
	ID        int32  `json:"id"`
	Addr      string `json:"addr"`
	AddrLocal string `json:"addrlocal"`
	Inbound   bool   `json:"inbound"`
}

func (n *Node) peers() []peerInfo {
	n.t.Helper()
	var ps []peerInfo
	if err := n.call("getpeerinfo", nil, &ps); err != nil {
		n.t.Fatalf("btcdtest: %v", err)
	}
	return ps
}

// Connect makes the node open a (non-persistent) peer connection to other
// and waits until the handshake is done. Blocks then flow both ways; use
// WaitSynced to wait for the chains to agree.
func (n *Node) Connect(other *Node) {
	n.t.Helper()
	if len(links(n, other)) > 0 {
		return
	}
	if err := n.call("node", []any{"connect", other.p2pAddr, "temp"}, nil); err != nil {
		n.t.Fatalf("btcdtest: %v", err)
	}
	waitFor(n.t, fmt.Sprintf("%s to connect to %s", n.name, other.name), func() bool {
		for _, p := range n.peers() {
			if !p.Inbound && p.Addr == other.p2pAddr {
				return true
			}
		}
		return false
	})
}

// link is one peer connection between two nodes, seen from one end.
type link struct {
	node *Node
	id   int32
}

// links lists the connections between a and b, from both ends. An outbound
// connection is known by the peer's listen address; the inbound end shows
// the dialer's ephemeral address, which is the dialer's "addrlocal".
func links(a, b *Node) []link {
	var out []link
	pa, pb := a.peers(), b.peers()
	for _, side := range []struct {
		node, other  *Node
		mine, theirs []peerInfo
	}{{a, b, pa, pb}, {b, a, pb, pa}} {
		dialers := map[string]bool{} // ephemeral addresses other dialed us from
		for _, p := range side.theirs {
			if !p.Inbound && p.Addr == side.node.p2pAddr {
				dialers[p.AddrLocal] = true
			}
		}
		for _, p := range side.mine {
			if (!p.Inbound && p.Addr == side.other.p2pAddr) || (p.Inbound && dialers[p.Addr]) {
				out = append(out, link{side.node, p.ID})
			}
		}
	}
	return out
}

// Disconnect drops every connection between the node and other and waits
// until both ends have let go.
func (n *Node) Disconnect(other *Node) {
	n.t.Helper()
	ls := links(n, other)
	for _, l := range ls {
		// The other end may already be gone with the first; ignore errors.
		_ = l.node.call("node", []any{"disconnect", strconv.Itoa(int(l.id))}, nil)
	}
	waitFor(n.t, fmt.Sprintf("%s and %s to disconnect", n.name, other.name), func() bool {
		for _, l := range ls {
			for _, p := range l.node.peers() {
				if p.ID == l.id {
					return false
				}
			}
		}
		return true
	})
}

// WaitSynced waits until all nodes have the same best block and returns it.
func WaitSynced(t testing.TB, nodes ...*Node) chainhash.Hash {
	t.Helper()
	var best chainhash.Hash
	waitFor(t, "nodes to agree on the best block", func() bool {
		_, best = nodes[0].BestBlock()
		for _, n := range nodes[1:] {
			if _, h := n.BestBlock(); h != best {
				return false
			}
		}
		return true
	})
	return best
}

// waitFor polls cond until it holds, failing t after 30 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("btcdtest: timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ReorgResult describes a reorg made by Reorg.
type ReorgResult struct {
	ForkHeight int64          // height of the last block both chains share
	Fork       chainhash.Hash // its hash
	Orphaned   []chainhash.Hash
	Winning    []chainhash.Hash
}

// Reorg makes loser reorganize onto winner's chain: the two nodes, which must
// agree on their tip, are disconnected, mine loserBlocks and winnerBlocks
// (more) blocks on competing branches, and are connected again; the helper
// waits until both are on winner's branch. Orphaned are loser's blocks that
// left its best chain, oldest first; Winning are winner's.
func Reorg(t testing.TB, loser, winner *Node, loserBlocks, winnerBlocks int) ReorgResult {
	t.Helper()
	if winnerBlocks <= loserBlocks {
		t.Fatalf("btcdtest: Reorg needs the winner to mine more blocks than the loser (%d <= %d)", winnerBlocks, loserBlocks)
	}
	loser.Disconnect(winner)
	forkHeight, fork := loser.BestBlock()
	if _, h := winner.BestBlock(); h != fork {
		t.Fatalf("btcdtest: Reorg: %s and %s do not share a tip (%s vs %s)", loser.name, winner.name, fork, h)
	}
	res := ReorgResult{
		ForkHeight: forkHeight,
		Fork:       fork,
		Orphaned:   loser.Generate(loserBlocks),
		Winning:    winner.Generate(winnerBlocks),
	}
	loser.Connect(winner)
	if best := WaitSynced(t, loser, winner); best != res.Winning[len(res.Winning)-1] {
		t.Fatalf("btcdtest: Reorg: nodes settled on %s, not on the winner's tip %s", best, res.Winning[len(res.Winning)-1])
	}
	return res
}
