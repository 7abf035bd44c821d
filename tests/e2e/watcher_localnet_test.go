package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc/metadata"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// watcherNet is a 4-validator network whose validators each run their Bitcoin watcher, and no
// relayer: validators 0-2 on btcd A directly, validator 3 on A through a proxy that can lie or go
// down. Each node serves Prometheus metrics.
type watcherNet struct {
	*network
	t       *testing.T
	btcA    *btcdtest.Node
	btcB    *btcdtest.Node // A's peer, partitioned from it for a reorg
	proxy   *btcProxy
	lc      btclctypes.QueryClient
	metrics []string // host:port of each node's Prometheus endpoint
	address []string // each validator's CometBFT address (hex)
}

// TestWatcherLocalnet runs four validators as processes, each with its own Bitcoin watcher on
// btcd regtest, and no relayer, and takes one network through, in order:
//   - x/btclc holds each new Bitcoin block at the second hemi block after it was mined, every
//     validator proposing entries; the PoP miner's keystone becomes superfinal and the miner is
//     paid; a deposit made with `hemid btc deposit` is minted;
//   - a Bitcoin reorg: btcd A (the watchers' node) and B partitioned, A mines 1 block and B 3,
//     joined; x/btclc holds B's branch two hemi blocks later, and the fork offer shows in a metric;
//   - validator 3's Bitcoin node serves a header of bad proof of work: its proposer checks the
//     header as every validator would, leaves it out (logged, headers_refused_total), so no
//     validator rejects its blocks (hemid_proposals_rejected_total{reason="entry"} stays 0), which
//     go on being committed, and x/btclc takes the real block from the others, never the forged one;
//     restarted as a byzantine proposer (app.UnsafeUncheckedEntriesEnv) it proposes the forged
//     header unchecked, the others reject those proposals (hemid_proposals_rejected_total{reason=
//     "entry"}), and the chain goes on without it;
//   - validator 3's Bitcoin node is down: logged, up = 0 and errors_total; it proposes blocks
//     without an entry and the chain goes on;
//
// and ends with all four nodes on the same app hash.
func TestWatcherLocalnet(t *testing.T) {
	w := newWatcherNet(t)
	t.Run("follow, keystone and deposit", w.followKeystoneDeposit)
	if t.Failed() {
		t.FailNow()
	}
	t.Run("reorg", w.reorg)
	t.Run("bad proof of work", w.badProofOfWork)
	t.Run("Bitcoin node down", w.bitcoinNodeDown)

	h := int64(0)
	for i := range w.nodes {
		s, err := w.status(i)
		if err != nil {
			t.Fatal(err)
		}
		if h == 0 || s.Height < h {
			h = s.Height
		}
	}
	want := w.blockAppHash(0, h)
	for i := 1; i < len(w.nodes); i++ {
		if got := w.blockAppHash(i, h); got != want || got == "" {
			t.Fatalf("app hash at height %d: node0 %s, node%d %s", h, want, i, got)
		}
	}
	t.Logf("all 4 nodes report app hash %s at height %d", want, h)
}

func newWatcherNet(t *testing.T) *watcherNet {
	minerKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e popminer key, 32 bytes!"))
	depositorKey, custodianKey := datagen.KeyFromSeed(41), datagen.KeyFromSeed(42)
	btcA := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey})     // coinbases fund the PoP miner
	btcB := btcdtest.Start(t, &btcdtest.Options{MiningKey: depositorKey}) // and the depositor
	btcA.Connect(btcB)
	btcB.Generate(10)
	btcdtest.WaitSynced(t, btcA, btcB)
	// btcd's regtest enforces segwit, which spending the P2WPKH vault needs, from height 432.
	btcA.Generate(430)
	btcdtest.WaitSynced(t, btcA, btcB)

	vault := datagen.P2WPKHScript(t, custodianKey.PubKey())
	env := append(btcEnv(btcA),
		"IMPORTED_KEYS=popminer:"+hex.EncodeToString(minerKey.Serialize())+" depositor:"+hex.EncodeToString(depositorKey.Serialize()),
		"KEYSTONE_INTERVAL=10", "VAULT_SCRIPT="+base64.StdEncoding.EncodeToString(vault))
	w := &watcherNet{network: newNetwork(t, 4, 1, env...), t: t, btcA: btcA, btcB: btcB, proxy: startBtcProxy(t, btcA)}
	for i := range w.nodes {
		cfg := btcA.ClientConfig()
		if i == 3 {
			cfg = w.proxy.ClientConfig()
		}
		enableWatcher(t, w.home(i), cfg)
		addr := w.freeAddr(t)
		w.metrics = append(w.metrics, addr)
		libSh(t, `set_toml "$CFG" instrumentation prometheus true && set_toml "$CFG" instrumentation prometheus_listen_addr "\"$ADDR\""`,
			"CFG="+filepath.Join(w.home(i), "config", "config.toml"), "ADDR="+addr)
	}
	for i := range w.nodes {
		w.start(i)
	}
	for i := range w.nodes {
		w.waitHeight(i, 2, 3*time.Minute)
		var st struct {
			Result struct {
				ValidatorInfo struct {
					Address string `json:"address"`
				} `json:"validator_info"`
			} `json:"result"`
		}
		if err := getJSON(w.nodes[i].RPC+"/status", &st); err != nil {
			t.Fatal(err)
		}
		w.address = append(w.address, st.Result.ValidatorInfo.Address)
	}
	w.lc = btclctypes.NewQueryClient(grpcConn(t, w.network))
	return w
}

// freeAddr is a 127.0.0.1 address whose port was free just now and is none of the ports the
// network's nodes will listen on (free until they start) or metrics ports taken already.
func (w *watcherNet) freeAddr(t *testing.T) string {
	t.Helper()
	_, rpcPort, err := net.SplitHostPort(strings.TrimPrefix(w.nodes[0].RPC, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := strconv.Atoi(rpcPort)
	if err != nil {
		t.Fatal(err)
	}
	first-- // the RPC port is the base + 1 (scripts/lib.sh)
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		port := l.Addr().(*net.TCPAddr).Port
		if (port < first || port >= first+10*len(w.nodes)) && !slices.Contains(w.metrics, addr) {
			return addr
		}
	}
	t.Fatal("no free port outside the network's")
	return ""
}

// tipAt is x/btclc's tip in the state after hemi block h.
func (w *watcherNet) tipAt(t *testing.T, h int64) (int64, string) {
	t.Helper()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-cosmos-block-height", strconv.FormatInt(h, 10))
	// CometBFT reports a block committed once it stores it, a moment before the app's state of it
	// can be queried.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		res, err := w.lc.Tip(ctx, &btclctypes.QueryTipRequest{})
		if err == nil {
			return int64(res.Header.Height), res.Header.Hash
		}
		if !strings.Contains(err.Error(), "height in the future") || time.Now().After(deadline) {
			t.Fatalf("x/btclc tip at hemi height %d: %v", h, err)
		}
	}
}

// mineAndFollow mines a block on btcd A (or runs mine) and checks that x/btclc holds A's new tip
// in the state after the second hemi block from the height committed when it was mined.
func (w *watcherNet) mineAndFollow(t *testing.T, mine func()) {
	t.Helper()
	mine()
	h := mustHeight(t, w.network)
	height, hash := w.btcA.BestBlock()
	w.waitHeight(0, h+2, time.Minute)
	if gotHeight, gotHash := w.tipAt(t, h+2); gotHeight != height || gotHash != hash.String() {
		t.Fatalf("Bitcoin block %d %s mined at hemi height %d: x/btclc's tip after hemi block %d is %d %s",
			height, hash, h, h+2, gotHeight, gotHash)
	}
}

// block is what the tests read of a hemi block: its proposer and whether its first item is an
// injected entry.
func (w *watcherNet) block(t *testing.T, h int64) (proposer int, entry bool) {
	t.Helper()
	var res struct {
		Result struct {
			Block struct {
				Header struct {
					ProposerAddress string `json:"proposer_address"`
				} `json:"header"`
				Data struct {
					Txs []string `json:"txs"`
				} `json:"data"`
			} `json:"block"`
		} `json:"result"`
	}
	if err := getJSON(fmt.Sprintf("%s/block?height=%d", w.nodes[0].RPC, h), &res); err != nil {
		t.Fatal(err)
	}
	proposer = -1
	for i, a := range w.address {
		if a == res.Result.Block.Header.ProposerAddress {
			proposer = i
		}
	}
	if txs := res.Result.Block.Data.Txs; len(txs) > 0 {
		first, err := base64.StdEncoding.DecodeString(txs[0])
		if err != nil {
			t.Fatal(err)
		}
		entry = inject.IsEntry(first)
	}
	return proposer, entry
}

// metric is the value of a metric without labels on node i's Prometheus endpoint (0 if absent).
func (w *watcherNet) metric(t *testing.T, i int, name string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(httpGet(t, "http://"+w.metrics[i]+"/metrics")))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q", name, sc.Text())
			}
			return f
		}
	}
	return 0
}

// logHas tells whether node i's log holds s.
func (w *watcherNet) logHas(t *testing.T, i int, s string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.home(i), "hemid.log"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}

func (w *watcherNet) followKeystoneDeposit(t *testing.T) {
	conn := grpcConn(t, w.network)
	pop := poptypes.NewQueryClient(conn)
	minerKey := w.btcA.MiningKey()
	payee := sdk.AccAddress(crypto.PubkeyToAddress(minerKey.ToECDSA().PublicKey).Bytes()).String()
	startHeight := mustHeight(t, w.network)

	miner := startPoPMiner(t, w.network, w.btcA)
	defer miner.stop()
	dev := w.devs[0]
	out, err := w.cli(append([]string{"btc", "deposit", "--to", dev.EthAddress, "--amount", "50000", "--wait=false",
		"--address-kind", "p2pkh"}, btcWalletFlags(w.network, w.btcA, "depositor")...)...)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^outpoint ([0-9a-f]{64}:0)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("hemid btc deposit printed no outpoint:\n%s", out)
	}
	outpoint := m[1]

	// A Bitcoin block at a time, until a keystone is superfinal, the deposit is minted and every
	// validator's watcher has fed the chain (each proposed a block with an entry). The wait before
	// each block varies, so that the proposers right after a new Bitcoin block take turns.
	var superfinal uint64
	minted := false
	withEntry := make([]int, len(w.nodes))
	scanned := startHeight - 1
	for blocks := 0; superfinal == 0 || !minted || slices.Contains(withEntry, 0); blocks++ {
		if blocks == 80 {
			t.Fatalf("after %d Bitcoin blocks: superfinal keystone %d, deposit %s: %q, blocks with an entry by proposer %v",
				blocks, superfinal, outpoint, btcStatus(t, w.network, outpoint), withEntry)
		}
		w.waitHeight(0, mustHeight(t, w.network)+int64(blocks%3), time.Minute)
		w.mineAndFollow(t, func() { w.btcA.Generate(1) })
		if fin, err := pop.Finality(context.Background(), &poptypes.QueryFinalityRequest{}); err == nil && fin.LatestSuperfinal != nil {
			if superfinal == 0 {
				// Superfinality latency: Bitcoin blocks from the one holding the keystone's first
				// publication to the tip at which it became superfinal (this step mined one block).
				st, err := pop.KeystoneStatus(context.Background(), &poptypes.QueryKeystoneStatusRequest{Height: fin.LatestSuperfinal.Height})
				if err != nil {
					t.Fatal(err)
				}
				s := st.Status
				latency := int64(s.BtcTipHeight) - int64(s.FirstBtcHeight) + 1
				t.Logf("RESULT superfinality_latency_btc_blocks=%d bound=%d (keystone %d first published in Bitcoin block %d, superfinal at tip %d)",
					latency, 6, s.KeystoneHeight, s.FirstBtcHeight, s.BtcTipHeight)
				if latency < 6 {
					t.Fatalf("keystone %d became superfinal %d Bitcoin blocks after its first publication, fewer than superfinality_depth 6",
						s.KeystoneHeight, latency)
				}
			}
			superfinal = fin.LatestSuperfinal.Height
		}
		minted = strings.HasPrefix(btcStatus(t, w.network, outpoint), "minted at hemi height ")
		for now := mustHeight(t, w.network); scanned < now; {
			scanned++
			if p, entry := w.block(t, scanned); entry && p >= 0 {
				withEntry[p]++
			}
		}
	}
	t.Logf("keystone %d superfinal and deposit %s minted; x/btclc held each Bitcoin block 2 hemi blocks after it was mined", superfinal, outpoint)

	var bal struct {
		Balance struct{ Amount string } `json:"balance"`
	}
	if err := getJSON(w.nodes[0].API+"/cosmos/bank/v1beta1/balances/"+dev.Address+"/by_denom?denom="+tunneltypes.Denom, &bal); err != nil || bal.Balance.Amount != "50000" {
		t.Fatalf("bank REST: %+v, %v; want 50000 sat minted", bal, err)
	}
	end := mustHeight(t, w.network)
	rewards, _ := rewardsAndFees(t, w.network, payee, end)
	if !rewards.IsPositive() {
		t.Fatalf("no EventPoPReward paid the miner's payee %s", payee)
	}
	t.Logf("the miner's payee %s received %s ahemi in PoP rewards", payee, rewards)
	t.Logf("blocks with an entry by proposer: %v", withEntry)
	if miner.exited() {
		t.Fatal("the PoP miner exited")
	}
}

func (w *watcherNet) reorg(t *testing.T) {
	forks := 0.0
	for i := range w.nodes {
		forks += w.metric(t, i, "hemid_bitcoin_watcher_forks_offered_total")
	}
	w.btcA.Disconnect(w.btcB)
	var orphan chainhash.Hash
	w.mineAndFollow(t, func() { orphan = w.btcA.Generate(1)[0] })
	winning := w.btcB.Generate(3)
	w.mineAndFollow(t, func() {
		w.btcA.Connect(w.btcB)
		if best := btcdtest.WaitSynced(t, w.btcA, w.btcB); best != winning[2] {
			t.Fatalf("btcd settled on %s, not on B's tip %s", best, winning[2])
		}
	})
	res, err := w.lc.Contains(context.Background(), &btclctypes.QueryContainsRequest{Hash: orphan.String()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Contains {
		t.Fatalf("x/btclc still holds block %s that the reorg orphaned", orphan)
	}
	after, logged := 0.0, false
	for i := range w.nodes {
		after += w.metric(t, i, "hemid_bitcoin_watcher_forks_offered_total")
		logged = logged || w.logHas(t, i, "bitcoin watcher offers a fork")
	}
	if after <= forks || !logged {
		t.Fatalf("the reorg is not in the metrics (forks_offered_total %v, before %v) or the logs (%v)", after, forks, logged)
	}
	t.Logf("x/btclc followed the reorg to %s two hemi blocks after btcd; forks_offered_total %v", winning[2], after)
}

func (w *watcherNet) badProofOfWork(t *testing.T) {
	const faulty = 3
	w.btcA.Generate(1)
	height, real := w.btcA.BestBlock()
	fake := w.proxy.forge(height)
	defer w.proxy.honest()
	from := mustHeight(t, w.network)

	// The chain goes on, with the faulty validator's blocks committed, until it has proposed
	// twice since and refused the forged header.
	proposed := 0
	deadline := time.Now().Add(2 * time.Minute)
	h := from + 1
	for proposed < 2 || w.metric(t, faulty, "hemid_bitcoin_watcher_headers_refused_total") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after hemi block %d: validator %d proposed %d blocks, headers_refused_total %v", h, faulty, proposed,
				w.metric(t, faulty, "hemid_bitcoin_watcher_headers_refused_total"))
		}
		w.waitHeight(0, h, time.Minute)
		if p, _ := w.block(t, h); p == faulty {
			proposed++
		}
		h++
	}
	if !w.logHas(t, faulty, "the Bitcoin watcher's headers are refused by x/btclc; proposing without them") ||
		!w.logHas(t, faulty, "invalid proof of work") {
		t.Fatalf("node %d does not log the refused header of bad proof of work", faulty)
	}
	// Its proposals leave the forged header out, so no validator had a proposal to reject.
	for i := range w.nodes {
		if !strings.Contains(httpGet(t, "http://"+w.metrics[i]+"/metrics"), `hemid_proposals_rejected_total{reason="entry"} 0`) {
			t.Fatalf("node %d does not report hemid_proposals_rejected_total{reason=\"entry\"} 0", i)
		}
	}
	gotHeight, gotHash := w.tipAt(t, mustHeight(t, w.network))
	if gotHeight != height || gotHash != real.String() {
		t.Fatalf("x/btclc's tip is %d %s, want the real block %d %s from the other validators", gotHeight, gotHash, height, real)
	}
	res, err := w.lc.Contains(context.Background(), &btclctypes.QueryContainsRequest{Hash: fake.String()})
	if err != nil || res.Contains {
		t.Fatalf("x/btclc contains the forged block %s: %v %v", fake, res, err)
	}
	t.Logf("validator %d refused the forged header %s in its own proposals (%d committed); x/btclc took the real %s",
		faulty, fake, proposed, real)

	// The same validator as a byzantine proposer: restarted with app.UnsafeUncheckedEntriesEnv,
	// it proposes the forged header unchecked. The others reject those proposals in
	// ProcessProposal, the round passes to the next proposer, and the chain goes on without it.
	w.stop(faulty)
	cmd := exec.Command(hemidBin, "start", "--home", w.home(faulty))
	cmd.Env = append(os.Environ(), app.UnsafeUncheckedEntriesEnv+"=1")
	w.procs[faulty] = startCmd(t, filepath.Join(w.home(faulty), "hemid.log"), cmd)
	from = mustHeight(t, w.network)
	var rejected float64
	for deadline := time.Now().Add(2 * time.Minute); rejected == 0; time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no validator rejected a proposal of the byzantine validator %d since hemi block %d", faulty, from)
		}
		rejected = 0
		for i := range faulty {
			rejected += w.rejectedEntries(t, i)
		}
	}
	if !w.logHas(t, faulty, "proposing the Bitcoin watcher's candidate unchecked") {
		t.Fatalf("node %d does not log that it proposes unchecked", faulty)
	}
	w.waitHeight(0, mustHeight(t, w.network)+3, time.Minute)
	if res, err := w.lc.Contains(context.Background(), &btclctypes.QueryContainsRequest{Hash: fake.String()}); err != nil || res.Contains {
		t.Fatalf("x/btclc contains the forged block %s after the byzantine proposals: %v %v", fake, res, err)
	}
	t.Logf("the other validators rejected %v proposals of byzantine validator %d carrying the forged header; the chain went on to %d",
		rejected, faulty, mustHeight(t, w.network))
	w.stop(faulty)
	w.start(faulty)
	w.waitHeight(faulty, mustHeight(t, w.network), time.Minute)
}

// rejectedEntries is hemid_proposals_rejected_total{reason="entry"} on node i.
func (w *watcherNet) rejectedEntries(t *testing.T, i int) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^hemid_proposals_rejected_total\{reason="entry"\} (\S+)$`).FindStringSubmatch(httpGet(t, "http://"+w.metrics[i]+"/metrics"))
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (w *watcherNet) bitcoinNodeDown(t *testing.T) {
	const faulty = 3
	errorsBefore := w.metric(t, faulty, "hemid_bitcoin_watcher_errors_total")
	w.proxy.down()
	for deadline := time.Now().Add(time.Minute); w.metric(t, faulty, "hemid_bitcoin_watcher_errors_total") == errorsBefore; time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watcher of the validator whose Bitcoin node is down counts no error")
		}
	}
	if up := w.metric(t, faulty, "hemid_bitcoin_watcher_up"); up != 0 {
		t.Fatalf("hemid_bitcoin_watcher_up = %v with its Bitcoin node down, want 0", up)
	}
	if !w.logHas(t, faulty, "bitcoin watcher step failed; retrying") {
		t.Fatalf("node %d does not log that its Bitcoin node is down", faulty)
	}
	from := mustHeight(t, w.network)

	// New Bitcoin blocks, one per faulty proposal: the others bring them, the faulty validator
	// proposes no entry.
	proposed, empty := 0, 0
	deadline := time.Now().Add(3 * time.Minute)
	for h := from + 1; proposed < 3; h++ {
		if time.Now().After(deadline) {
			t.Fatalf("validator %d proposed %d blocks since hemi block %d", faulty, proposed, from)
		}
		w.btcA.Generate(1)
		w.waitHeight(0, h, time.Minute)
		if p, entry := w.block(t, h); p == faulty {
			proposed++
			if !entry {
				empty++
			}
		}
	}
	if empty != proposed {
		t.Fatalf("validator %d, its Bitcoin node down, proposed %d blocks, %d of them with an entry", faulty, proposed, proposed-empty)
	}
	height, hash := w.btcA.BestBlock()
	waitLightClientTip(t, w.lc, height, hash, time.Minute)
	t.Logf("validator %d proposed %d blocks without an entry; x/btclc followed btcd to %d from the others", faulty, proposed, height)
}
