package watcher_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/watcher"
)

// view is x/btclc as a test sets it: a tip and the hashes it holds.
type view struct {
	height uint64
	hash   chainhash.Hash
	known  map[chainhash.Hash]bool
	vault  []byte
}

func (v view) Tip() (uint64, chainhash.Hash, error) { return v.height, v.hash, nil }
func (v view) Known(h chainhash.Hash) bool          { return v.known[h] }
func (v view) VaultScript() ([]byte, error)         { return v.vault, nil }

// TestWatcherFollowsRegtest: against a real btcd regtest node, the watcher offers the headers
// above x/btclc's tip in order, from the tip's child; when x/btclc's tip is not on the node's
// chain (a reorg), it offers the node's branch from the highest block x/btclc holds.
func TestWatcherFollowsRegtest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	node := btcdtest.Start(t, nil)
	hashes := node.Generate(30)
	w := watcher.New(node.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	ctx := context.Background()
	if err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}

	// x/btclc at height 10 on the node's chain: headers 11..30.
	c := w.Candidate(view{height: 10, hash: hashes[9]})
	if len(c.Headers) != 20 {
		t.Fatalf("offered %d headers above height 10 of 30, want 20", len(c.Headers))
	}
	for i, h := range c.Headers {
		if got := chainhash.DoubleHashH(h); got != hashes[10+i] {
			t.Fatalf("header %d is %s, want block %d %s", i, got, 11+i, hashes[10+i])
		}
	}

	// x/btclc's tip at 25 is another block (a fork the node does not have); it holds the
	// node's blocks up to 20: the watcher offers 21..30, which build on block 20.
	known := map[chainhash.Hash]bool{}
	for _, h := range hashes[:20] {
		known[h] = true
	}
	c = w.Candidate(view{height: 25, hash: chainhash.Hash{1}, known: known})
	if len(c.Headers) != 10 || chainhash.Hash(c.Headers[0][4:36]) != hashes[19] {
		t.Fatalf("on a reorg offered %d headers, want the 10 above the common ancestor 20", len(c.Headers))
	}

	// In sync: nothing to offer; the node's next block is offered after the next step.
	if c := w.Candidate(view{height: 30, hash: hashes[29]}); len(c.Headers) != 0 {
		t.Fatalf("in sync, offered %d headers", len(c.Headers))
	}
	next := node.Generate(1)
	if err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	c = w.Candidate(view{height: 30, hash: hashes[29]})
	if len(c.Headers) != 1 || chainhash.DoubleHashH(c.Headers[0]) != next[0] {
		t.Fatalf("after one more block offered %d headers, want it", len(c.Headers))
	}

	// A reorg deeper than the window: x/btclc's tip is at the node's height 231 but another
	// block, and its chain shares only the node's blocks up to 5. The first step's window (100
	// blocks below the tip) holds no block x/btclc has; the watcher looks deeper on the next
	// steps and then offers the node's chain from block 6.
	hashes = append(append(hashes, next...), node.Generate(200)...)
	deep := map[chainhash.Hash]bool{}
	for _, h := range hashes[:5] {
		deep[h] = true
	}
	w2 := watcher.New(node.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	forked := view{height: 231, hash: chainhash.Hash{2}, known: deep}
	w2.Candidate(forked) // learns x/btclc's tip
	found := -1
	for i := range 5 {
		if err := w2.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if c = w2.Candidate(forked); len(c.Headers) > 0 {
			found = i
			break
		}
	}
	if found < 1 {
		t.Fatalf("the common ancestor 226 blocks below the tip was found at step %d, want after the first", found)
	}
	if len(c.Headers) != 226 || chainhash.Hash(c.Headers[0][4:36]) != hashes[4] {
		t.Fatalf("after a deep reorg offered %d headers, want the 226 above block 5", len(c.Headers))
	}

	// A node that is down fails the step and leaves what the watcher held.
	node.Stop()
	if err := w.Step(ctx); err == nil {
		t.Fatal("a step against a stopped node succeeded")
	}
	if c := w.Candidate(view{height: 30, hash: hashes[29]}); len(c.Headers) != 1 {
		t.Fatalf("with the node down offered %d headers, want the 1 it held", len(c.Headers))
	}
}

// TestWatcherReadsAheadOfFollowedTip: told x/btclc's tip after a block (not only when its node
// proposes), the watcher reads two entries' worth of headers above it, so that its node's next
// proposal finds headers even after other validators' blocks moved x/btclc on by a full entry.
func TestWatcherReadsAheadOfFollowedTip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	node := btcdtest.Start(t, nil)
	var hashes []chainhash.Hash
	for len(hashes) < 3*inject.MaxHeaders {
		hashes = append(hashes, node.Generate(1000)...)
	}
	w := watcher.New(node.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	w.Followed(100)
	if err := w.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Another validator's block brought x/btclc a full entry further, to 100 + MaxHeaders.
	at := 100 + inject.MaxHeaders
	c := w.Candidate(view{height: uint64(at), hash: hashes[at-1]})
	if len(c.Headers) != inject.MaxHeaders || chainhash.Hash(c.Headers[0][4:36]) != hashes[at-1] {
		t.Fatalf("offered %d headers above height %d, want %d from its child", len(c.Headers), at, inject.MaxHeaders)
	}
}

// TestWatcherStepAfterReorg: the watcher keeps the headers it holds between steps only while they
// are still its node's chain: after its node reorgs onto another node's longer chain, the next
// step offers that chain from the common ancestor.
func TestWatcherStepAfterReorg(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	a, b := btcdtest.Start(t, nil), btcdtest.Start(t, nil)
	a.Connect(b)
	common := a.Generate(50)
	btcdtest.WaitSynced(t, a, b)
	a.Disconnect(b)
	a.Generate(5)
	fork := b.Generate(10)
	w := watcher.New(a.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	w.Followed(50)
	if err := w.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := w.Candidate(view{height: 50, hash: common[49]}); len(c.Headers) != 5 {
		t.Fatalf("before the reorg offered %d headers, want a's 5", len(c.Headers))
	}
	a.Connect(b)
	btcdtest.WaitSynced(t, a, b)
	if err := w.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := w.Candidate(view{height: 50, hash: common[49]})
	if len(c.Headers) != 10 || chainhash.DoubleHashH(c.Headers[0]) != fork[0] || chainhash.DoubleHashH(c.Headers[9]) != fork[9] {
		t.Fatalf("after the reorg offered %d headers, want b's 10 above the common ancestor", len(c.Headers))
	}
}

// TestWatcherDeposits: against a real btcd regtest node, the watcher offers the transactions of
// recent blocks that pay the vault script the chain names (read from the view at a proposal),
// found by script, with proofs of the mined block; it scans again when the vault script
// changes; and it forgets a transaction once a proposer reports it done.
func TestWatcherDeposits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	node := btcdtest.Start(t, nil)
	node.Generate(101) // matures a coinbase
	ctx := context.Background()
	wal, err := wallet.New(node.MiningKey(), &chaincfg.RegressionNetParams, wallet.P2PKH, node.Client())
	if err != nil {
		t.Fatal(err)
	}
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7000).PubKey())
	utxos, err := wal.UTXOs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	tx, _, err := wal.BuildTx(utxos, []*wire.TxOut{datagen.OpReturn(t, make([]byte, 20)), wire.NewTxOut(10_000, vault), wire.NewTxOut(20_000, vault)}, 2)
	if err != nil {
		t.Fatal(err)
	}
	txid, err := wal.Broadcast(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	mined := node.Generate(1)[0]
	height, _ := node.BestBlock()

	w := watcher.New(node.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	tip := view{height: uint64(height), hash: mined}
	if err := w.Step(ctx); err != nil { // the vault is not known yet: nothing found
		t.Fatal(err)
	}
	if c := w.Candidate(view{height: tip.height, hash: tip.hash, vault: vault}); len(c.Deposits) != 0 {
		t.Fatalf("offered %d deposits before a step knew the vault", len(c.Deposits))
	}
	if err := w.Step(ctx); err != nil { // scans again, with the vault the proposal showed
		t.Fatal(err)
	}
	c := w.Candidate(view{height: tip.height, hash: tip.hash, vault: vault})
	if len(c.Deposits) != 1 {
		t.Fatalf("offered %d deposits, want the one transaction with two vault outputs", len(c.Deposits))
	}
	p := c.Deposits[0]
	decoded, err := bitcoin.DecodeTx(p.Tx)
	if err != nil || decoded.TxHash() != txid || p.BtcBlockHash != mined.String() || p.TxIndex != 1 {
		t.Fatalf("offered a proof of %v in %s at %d, want %s in %s at 1", err, p.BtcBlockHash, p.TxIndex, txid, mined)
	}

	// Another vault: the blocks are scanned again and the transaction is not a deposit to it.
	other := view{height: tip.height, hash: tip.hash, vault: datagen.P2WPKHScript(t, datagen.KeyFromSeed(7001).PubKey())}
	w.Candidate(other)
	if err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if c := w.Candidate(other); len(c.Deposits) != 0 {
		t.Fatalf("offered %d deposits to another vault", len(c.Deposits))
	}

	// Back to the vault; once reported done the transaction is not offered again.
	w.Candidate(view{height: tip.height, hash: tip.hash, vault: vault})
	if err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if c := w.Candidate(view{height: tip.height, hash: tip.hash, vault: vault}); len(c.Deposits) != 1 {
		t.Fatalf("after the vault came back offered %d deposits, want 1", len(c.Deposits))
	}
	w.DepositsDone([]chainhash.Hash{txid})
	if c := w.Candidate(view{height: tip.height, hash: tip.hash, vault: vault}); len(c.Deposits) != 0 {
		t.Fatalf("after it was reported done offered %d deposits", len(c.Deposits))
	}
}

// TestWatcherInbox: against btcd, the watcher offers a block's inbox operation with its funding
// transaction; while its Bitcoin node does not serve that funding transaction it offers none and
// reads the block again at the next step, and once a proposer reports the operation done it
// forgets it.
func TestWatcherInbox(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	node := btcdtest.Start(t, nil)
	node.Generate(101) // matures a coinbase
	ctx := context.Background()
	wal, err := wallet.New(node.MiningKey(), &chaincfg.RegressionNetParams, wallet.P2PKH, node.Client())
	if err != nil {
		t.Fatal(err)
	}
	payload := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, To: [20]byte{1}}
	payload.Amount[15] = 1
	raw, err := payload.Encode()
	if err != nil {
		t.Fatal(err)
	}
	utxos, err := wal.UTXOs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	tx, _, err := wal.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(0, bitcoin.InboxScript(raw))}, 2)
	if err != nil {
		t.Fatal(err)
	}
	txid, err := wal.Broadcast(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	mined := node.Generate(1)[0]
	height, _ := node.BestBlock()
	tip := view{height: uint64(height), hash: mined}

	flaky := &flakyFunding{Client: node.Client(), fail: true, served: map[chainhash.Hash]bool{}}
	w := watcher.New(flaky, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	if err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if c := w.Candidate(tip); len(c.Inbox) != 0 {
		t.Fatalf("offered %d inbox operations without their funding transaction", len(c.Inbox))
	}
	flaky.fail = false
	if err := w.Step(ctx); err != nil { // the block is read again
		t.Fatal(err)
	}
	c := w.Candidate(tip)
	if len(c.Inbox) != 1 {
		t.Fatalf("offered %d inbox operations once the node served the funding transaction, want 1", len(c.Inbox))
	}
	p := c.Inbox[0]
	decoded, err := bitcoin.DecodeTx(p.Tx)
	if err != nil || decoded.TxHash() != txid || p.BtcBlockHash != mined.String() || len(p.FundingTx) == 0 {
		t.Fatalf("offered a proof of %v in %s with %d bytes of funding tx, want %s in %s with its funding tx", err, p.BtcBlockHash, len(p.FundingTx), txid, mined)
	}
	w.InboxDone([]chainhash.Hash{txid})
	if c := w.Candidate(tip); len(c.Inbox) != 0 {
		t.Fatalf("after it was reported done offered %d inbox operations", len(c.Inbox))
	}
}
