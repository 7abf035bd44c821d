package popminer

import (
	"context"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// TestMinerPublishesNewestAndProves: the miner publishes the newest keystone only, waits for the
// block to be mined and to reach x/btclc, then proves it, and moves to the next keystone.
func TestMinerPublishesNewestAndProves(t *testing.T) {
	h := newHarness(t, 100, 1_000_000)
	h.step() // no keystone yet
	if len(h.node.mempool) != 0 {
		t.Fatal("published before the first keystone")
	}
	h.hemi.addKeystone(10)
	h.hemi.addKeystone(20)
	h.step()
	if len(h.node.mempool) != 1 || publishedKeystone(t, h.node.mempool[0]) != 20 {
		t.Fatalf("mempool %v; want one publication of keystone 20, the newest", h.node.mempool)
	}
	tx := h.node.mempool[0]
	if p := h.pending(); p.Status != StatusBroadcast || p.KeystoneHeight != 20 {
		t.Fatalf("pending %+v; want keystone 20 broadcast", p)
	}

	block := h.node.mine(tx)
	h.step()
	if p := h.pending(); p.Status != StatusMined || p.BlockHash != block.BlockHash().String() {
		t.Fatalf("pending %+v; want mined in %s", p, block.BlockHash())
	}
	h.step() // x/btclc does not hold the block yet: nothing to prove
	if len(h.hemi.proofs) != 0 {
		t.Fatal("proved before x/btclc held the block")
	}
	h.hemi.btclc[block.BlockHash()] = true
	h.step()
	if !h.hemi.recorded[tx.TxHash()] || h.miner.state.Pending() != nil {
		t.Fatalf("proofs %v, state %+v; want the publication proven", h.hemi.proofs, h.miner.state)
	}
	// The proof carries the funding transaction, so the payee bound is the miner's key's.
	if payee, ok := h.hemi.payees[tx.TxHash()]; !ok || payee != h.w.Payee() {
		t.Fatal("the publication does not pay the miner's key")
	}

	h.hemi.published[30] = true // another miner published keystone 30: nothing to do
	h.hemi.addKeystone(30)
	h.step()
	if len(h.node.mempool) != 0 {
		t.Fatal("published a keystone someone else published")
	}
	h.hemi.addKeystone(40)
	h.step()
	if len(h.node.mempool) != 1 || publishedKeystone(t, h.node.mempool[0]) != 40 {
		t.Fatalf("mempool %v; want keystone 40 published", h.node.mempool)
	}
}

// TestMinerBumpsFee: a publication not mined within BumpAfterBlocks is replaced (RBF: same inputs,
// higher fee); the replacement is the one mined and proven.
func TestMinerBumpsFee(t *testing.T) {
	h := newHarness(t, 100, 1_000_000)
	h.hemi.addKeystone(10)
	h.step()
	orig := h.node.mempool[0]
	origFee := h.pending().Fee
	h.node.mineEmpty(3)
	h.step()
	if h.w.bumpCalls != 1 || len(h.node.mempool) != 1 {
		t.Fatalf("bump calls %d, mempool %d; want one replacement in the mempool", h.w.bumpCalls, len(h.node.mempool))
	}
	repl := h.node.mempool[0]
	p := h.pending()
	if repl.TxHash() == orig.TxHash() || len(p.TxIDs) != 2 || p.Fee <= origFee || p.FeeRate <= 2 {
		t.Fatalf("publication %+v after the bump; want a second version with a higher fee than %d", p, origFee)
	}
	for i := range orig.TxIn {
		if repl.TxIn[i].PreviousOutPoint != orig.TxIn[i].PreviousOutPoint {
			t.Fatal("the replacement spends other inputs: both could be mined")
		}
	}
	block := h.node.mine(repl)
	h.hemi.btclc[block.BlockHash()] = true
	h.step()
	h.step()
	if !h.hemi.recorded[repl.TxHash()] || h.miner.state.Pending() != nil {
		t.Fatalf("the replacement was not proven: proofs %v", h.hemi.proofs)
	}
}

// TestMinerMovesOnAtFeeCap: a publication whose fee has reached the cap is given up for the newest
// keystone once there is one nobody published; the reason is logged. Until then the miner waits
// without failing and without trying to bump again.
func TestMinerMovesOnAtFeeCap(t *testing.T) {
	h := newHarness(t, 2, 1_000_000, 900_000) // the fee rate is 2, the cap too
	h.hemi.addKeystone(10)
	h.step()
	stuck := h.node.mempool[0]
	h.node.mineEmpty(3)
	h.step()
	h.step()
	if h.w.bumpCalls != 1 {
		t.Fatalf("%d bump attempts; want one: the cap does not move while the miner runs", h.w.bumpCalls)
	}
	if p := h.pending(); p.KeystoneHeight != 10 || !h.node.inMempool(stuck.TxHash()) {
		t.Fatalf("pending %+v; want keystone 10 still waiting in the mempool (no newer keystone yet)", p)
	}

	h.hemi.addKeystone(20)
	h.step()
	p := h.pending()
	if p.KeystoneHeight != 20 || p.Status != StatusBroadcast {
		t.Fatalf("pending %+v; want the newest keystone, 20, published", p)
	}
	if got := h.miner.state.Publications[0].Status; got != StatusSuperseded {
		t.Fatalf("keystone 10's publication is %q, want superseded", got)
	}
	if len(h.node.mempool) != 2 || publishedKeystone(t, h.node.mempool[1]) != 20 {
		t.Fatalf("mempool %v; want keystone 10's and keystone 20's publications", h.node.mempool)
	}
	log := h.log.String()
	if !strings.Contains(log, "publishing the newest keystone instead") || !strings.Contains(log, "above the wallet's cap") ||
		!strings.Contains(log, "newest_keystone=20") {
		t.Fatalf("the log does not say why the miner moved on:\n%s", log)
	}

	// A restart keeps keystone 20 pending, not 10.
	h.restart()
	if p := h.pending(); p.KeystoneHeight != 20 {
		t.Fatalf("after a restart, pending %+v; want keystone 20", p)
	}
}

// TestMinerNotReplaceable: a publication without change (the remainder went to the fee) cannot be
// bumped. The miner neither fails every poll nor retries the bump; it waits for the transaction
// to be mined (and proves it), or gives it up for a newer keystone.
func TestMinerNotReplaceable(t *testing.T) {
	h := newHarness(t, 100)
	payload, _ := testKeystone(10).Abbreviate()
	pop := []*wire.TxOut{{PkScript: bitcoin.PoPScript(payload)}}
	// Just enough for the fee at 2 sat/vB, and less than the dust limit more: no change output.
	exact := 2*h.w.EstimateVSize(1, pop) + 100
	h.w = newFakeWallet(t, h.node, 100, exact, 1_000_000)
	big := h.w.coins[1] // comes later
	h.w.coins = h.w.coins[:1]
	h.restart()
	h.hemi.addKeystone(10)
	h.step()
	tx := h.node.mempool[0]
	if len(tx.TxOut) != 1 {
		t.Fatalf("the publication has %d outputs; the test needs one without change", len(tx.TxOut))
	}
	h.node.mineEmpty(3)
	for range 3 {
		h.step() // fails before the fix: ErrNotReplaceable on every poll
	}
	if h.w.bumpCalls != 1 {
		t.Fatalf("%d bump attempts; want one", h.w.bumpCalls)
	}
	if !strings.Contains(h.log.String(), "cannot be fee-bumped") {
		t.Fatalf("the log does not say why the fee is not raised:\n%s", h.log.String())
	}
	if !h.node.inMempool(tx.TxHash()) {
		t.Fatal("the publication left the mempool")
	}

	// Mined after all: it is proven.
	block := h.node.mine(tx)
	h.hemi.btclc[block.BlockHash()] = true
	h.step()
	h.step()
	if !h.hemi.recorded[tx.TxHash()] {
		t.Fatal("the publication was not proven once mined")
	}

	// The next one cannot be bumped either, and a newer keystone replaces it.
	h.w.coins = append(h.w.coins, h.w.newCoin(exact, 77))
	h.hemi.addKeystone(20)
	h.step()
	if p := h.pending(); p.KeystoneHeight != 20 || len(h.node.mempool[0].TxOut) != 1 {
		t.Fatalf("pending %+v; want keystone 20 published without change", p)
	}
	h.w.coins = append(h.w.coins, big)
	h.node.mineEmpty(3)
	h.step()
	h.hemi.addKeystone(30)
	h.step()
	if p := h.pending(); p.KeystoneHeight != 30 {
		t.Fatalf("pending %+v; want keystone 30 once keystone 20's publication could not be bumped", p)
	}
}

// TestMinerDuplicateProofIsSuccess: another submitter (the relayer) proved the publication first;
// the miner's proof is a duplicate, which completes the publication.
func TestMinerDuplicateProofIsSuccess(t *testing.T) {
	h := newHarness(t, 100, 1_000_000)
	h.hemi.addKeystone(10)
	h.step()
	tx := h.node.mempool[0]
	block := h.node.mine(tx)
	h.hemi.btclc[block.BlockHash()] = true
	h.hemi.recorded[tx.TxHash()] = true      // the relayer was first
	h.hemi.payees[tx.TxHash()] = h.w.Payee() // with the funding transaction
	h.step()
	h.step()
	if len(h.hemi.proofs) != 1 || h.miner.state.Pending() != nil || h.miner.state.Latest().Status != StatusProven {
		t.Fatalf("proofs %v, state %+v; want one (duplicate) proof and the publication proven", h.hemi.proofs, h.miner.state)
	}
}

// TestMinerRestartFromStateFile: a transaction is persisted before it is broadcast, so a miner
// restarted after a failed broadcast, a node restart (empty mempool) or a mined block sends the
// same bytes and proves the same transaction: it never signs a second one for a keystone.
func TestMinerRestartFromStateFile(t *testing.T) {
	h := newHarness(t, 100, 1_000_000)
	h.hemi.addKeystone(10)
	h.node.refuse = errNodeDown
	if err := h.miner.Step(context.Background()); err == nil {
		t.Fatal("a refused broadcast was not an error")
	}
	signed := h.pending()
	if signed.Status != StatusSigned || len(h.node.mempool) != 0 {
		t.Fatalf("pending %+v; want the transaction signed and saved, not sent", signed)
	}
	txid := signed.TxIDs[0]

	h.node.refuse = nil
	h.restart()
	h.step()
	if len(h.node.mempool) != 1 || h.node.mempool[0].TxHash().String() != txid {
		t.Fatalf("after the restart the mempool holds %v; want the saved transaction %s", h.node.mempool, txid)
	}

	h.node.mempool = nil // the Bitcoin node restarted and lost its mempool
	h.restart()
	h.step()
	if len(h.node.mempool) != 1 || h.node.mempool[0].TxHash().String() != txid || len(h.miner.state.Publications) != 1 {
		t.Fatalf("mempool %v, %d publications; want the same transaction sent again", h.node.mempool, len(h.miner.state.Publications))
	}

	block := h.node.mine(h.node.mempool[0])
	h.step()
	h.hemi.btclc[block.BlockHash()] = true
	h.restart()
	h.step()
	if got := h.hemi.proofs; len(got) != 1 || got[0].String() != txid || h.miner.state.Pending() != nil {
		t.Fatalf("proofs %v; want the saved transaction %s proven", got, txid)
	}
	// The funding transaction came from the state file: the restarted miner still binds its payee.
	if payee, ok := h.hemi.payees[h.node.blocks[len(h.node.blocks)-1].Transactions[1].TxHash()]; !ok || payee != h.w.Payee() {
		t.Fatal("after the restart the proof did not bind the miner's payee")
	}
}

var errNodeDown = &nodeDownError{}

type nodeDownError struct{}

func (*nodeDownError) Error() string { return "connection refused" }

// TestCheckNetwork: the miner starts only on x/btclc's network, with a node of that network that
// holds x/btclc's base header; the errors say what to change.
func TestCheckNetwork(t *testing.T) {
	ctx := context.Background()
	node := newFakeNode()
	node.mineEmpty(5)
	hemi := newFakeHemi()
	hemi.chain.BaseHeight, hemi.chain.BaseHash = 3, node.blocks[3].BlockHash()

	for _, flag := range []string{"", bitcoin.RegTest} {
		params, err := CheckNetwork(ctx, hemi, node, flag)
		if err != nil || params.Name != bitcoin.RegTest {
			t.Fatalf("--network %q: %v, %v; want regtest", flag, params, err)
		}
	}
	if _, err := CheckNetwork(ctx, hemi, node, bitcoin.MainNet); err == nil || !strings.Contains(err.Error(), "--network regtest") {
		t.Fatalf("--network mainnet on a regtest chain: %v; want an error naming the flag to use", err)
	}

	mainnet := &fakeNode{blocks: []*wire.MsgBlock{chaincfg.MainNetParams.GenesisBlock}}
	if _, err := CheckNetwork(ctx, hemi, mainnet, ""); err == nil || !strings.Contains(err.Error(), "--btc-rpc at a regtest node") {
		t.Fatalf("a mainnet node: %v; want an error saying which node to use", err)
	}

	other := newFakeNode() // another regtest chain: same genesis, other blocks
	other.mineEmpty(1)
	other.blocks[1].Header.Nonce = 1
	other.mineEmpty(4)
	if _, err := CheckNetwork(ctx, hemi, other, ""); err == nil || !strings.Contains(err.Error(), "another regtest chain") {
		t.Fatalf("a node of another regtest chain: %v; want an error", err)
	}

	short := newFakeNode() // still syncing, below the base: nothing to compare yet
	if _, err := CheckNetwork(ctx, hemi, short, ""); err != nil {
		t.Fatalf("a node below x/btclc's base: %v", err)
	}

	hemi.chain.Network = "litecoin"
	if _, err := CheckNetwork(ctx, hemi, node, ""); err == nil {
		t.Fatal("an unknown network was accepted")
	}
	_ = chainhash.Hash{}
}

// superseded is a harness whose publication of keystone 10 reached the fee cap and was given up
// for keystone 20's, which is pending; it returns keystone 10's transaction, still in the mempool.
func superseded(t *testing.T) (*harness, *wire.MsgTx) {
	h := newHarness(t, 2, 1_000_000, 900_000) // the fee rate is 2, the cap too
	h.hemi.addKeystone(10)
	h.step()
	stuck := h.node.mempool[0]
	h.node.mineEmpty(3)
	h.step()
	h.hemi.addKeystone(20)
	h.step()
	if p := h.pending(); p.KeystoneHeight != 20 || h.miner.state.Publications[0].Status != StatusSuperseded {
		t.Fatalf("state %+v; want keystone 10 superseded by keystone 20", h.miner.state)
	}
	return h, stuck
}

// TestMinerProvesSupersededPublication: a publication given up at the fee cap and mined later
// is proven by the miner, with the funding transaction from its state file, so its payee is
// bound even when the relayer proved it first without one (its node has no txindex). The watch
// survives a restart, and the pending publication goes on meanwhile.
func TestMinerProvesSupersededPublication(t *testing.T) {
	h, stuck := superseded(t)
	block := h.node.mine(stuck)
	h.hemi.btclc[block.BlockHash()] = true
	h.hemi.recorded[stuck.TxHash()] = true // the relayer proved it, without the funding transaction

	h.restart()
	h.step() // found in its block
	if p := h.miner.state.Publications[0]; p.Status != StatusSuperseded || p.BlockHash != block.BlockHash().String() {
		t.Fatalf("keystone 10's publication %+v; want superseded and mined in %s", p, block.BlockHash())
	}
	h.restart()
	h.step() // proven
	if !h.hemi.funded[stuck.TxHash()] {
		t.Fatalf("proofs %v; want keystone 10's publication proven with its funding transaction", h.hemi.proofs)
	}
	if payee, ok := h.hemi.payees[stuck.TxHash()]; !ok || payee != h.w.Payee() {
		t.Fatal("the superseded publication does not pay the miner's key")
	}
	if got := h.miner.state.Publications[0].Status; got != StatusProven {
		t.Fatalf("keystone 10's publication is %q, want proven", got)
	}
	if p := h.pending(); p.KeystoneHeight != 20 || p.Status != StatusBroadcast {
		t.Fatalf("pending %+v; want keystone 20 still waiting", p)
	}
	proofs := len(h.hemi.proofs)
	h.node.mineEmpty(2)
	h.step()
	if len(h.hemi.proofs) != proofs {
		t.Fatal("a proven superseded publication was proven again")
	}
}

// TestMinerStopsWatchingSuperseded: the watch of a superseded publication is bounded: it ends
// when another transaction spends one of its inputs (it can never be mined then), or when it is
// not mined within supersededWatchBlocks blocks.
func TestMinerStopsWatchingSuperseded(t *testing.T) {
	t.Run("inputs spent", func(t *testing.T) {
		h, stuck := superseded(t)
		other := wire.NewMsgTx(2)
		other.AddTxIn(wire.NewTxIn(&stuck.TxIn[0].PreviousOutPoint, nil, nil))
		other.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
		h.node.mine(other)
		h.step()
		if got := h.miner.state.Publications[0].Status; got != StatusAbandoned {
			t.Fatalf("keystone 10's publication is %q once its input is spent elsewhere, want abandoned", got)
		}
		if !strings.Contains(h.log.String(), other.TxHash().String()+" spends one of its inputs") {
			t.Fatalf("the log does not say why the watch ended:\n%s", h.log.String())
		}
		h.restart()
		if p := h.pending(); p.KeystoneHeight != 20 {
			t.Fatalf("pending %+v; want keystone 20", p)
		}
	})
	t.Run("not mined in time", func(t *testing.T) {
		h, stuck := superseded(t)
		h.miner.state.Publications[0].SupersededHeight -= supersededWatchBlocks // given up long ago
		h.node.mineEmpty(1)
		h.step()
		if got := h.miner.state.Publications[0].Status; got != StatusAbandoned {
			t.Fatalf("keystone 10's publication is %q after %d blocks, want abandoned", got, supersededWatchBlocks)
		}
		block := h.node.mine(stuck) // mined after the watch ended: not looked for any more
		h.hemi.btclc[block.BlockHash()] = true
		h.step()
		h.step()
		if h.hemi.recorded[stuck.TxHash()] {
			t.Fatal("an abandoned publication was still watched and proven")
		}
	})
}

// TestMinerWarnsWhenTheRewardIsSettled: a proof that comes after the keystone's reward was
// settled without a payee completes the publication (it anchors), and the miner logs a warning
// that the reward is lost instead of reporting success.
func TestMinerWarnsWhenTheRewardIsSettled(t *testing.T) {
	h := newHarness(t, 100, 1_000_000)
	h.hemi.addKeystone(10)
	h.step()
	tx := h.node.mempool[0]
	block := h.node.mine(tx)
	h.hemi.btclc[block.BlockHash()] = true
	h.hemi.recorded[tx.TxHash()] = true // proven without a payee by someone else
	h.hemi.settled[10] = true           // and keystone 10's reward went to the community pool
	h.step()
	h.step()
	if h.miner.state.Latest().Status != StatusProven {
		t.Fatalf("state %+v; want the publication proven", h.miner.state)
	}
	log := h.log.String()
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "too late to bind its payee") {
		t.Fatalf("the log does not warn that the reward is lost:\n%s", log)
	}
}
