package watcher_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/watcher"
	"github.com/hemi-appchain/hemi/x/pop/canonical"
)

// keystoneChain is a hemi chain's keystones at 10, 20, ..., each linking to the one before, with
// block hashes derived from name.
func keystoneChain(name string, n int) ([]bitcoin.AbbreviatedKeystone, [][32]byte) {
	var out []bitcoin.AbbreviatedKeystone
	var hashes [][32]byte
	var prev [32]byte
	for i := 1; i <= n; i++ {
		hash := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", name, i*10)))
		k := bitcoin.AbbreviatedKeystone{Version: bitcoin.AbbreviatedKeystoneVersion, KeystoneHeight: uint32(i * 10), BTCHeight: 100}
		copy(k.PrevKeystoneHashPrefix[:], prev[:])
		copy(k.BlockHashPrefix[:], hash[:])
		out, hashes, prev = append(out, k), append(hashes, hash), hash
	}
	return out, hashes
}

// TestGuardJudgesByBitcoin: against a real btcd regtest node holding an honest chain's
// publications, the guard accepts the honest block at a superfinal keystone height and refuses
// another one there with the Bitcoin evidence; it has no opinion on a keystone not yet deep
// enough, bridges an unpublished keystone with the node's own, and follows a Bitcoin reorg that
// takes a publication away. Its censorship alarm rises and clears with x/btclc's lag after live
// blocks, and ignores old ones.
func TestGuardJudgesByBitcoin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	key, _ := btcec.PrivKeyFromBytes([]byte("hemi guard test mining key 32 b!"))
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	node.Generate(110)
	w, err := wallet.New(key, &chaincfg.RegressionNetParams, wallet.P2PKH, node.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	publish := func(k bitcoin.AbbreviatedKeystone) string {
		t.Helper()
		utxos, err := w.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		tx, _, err := w.BuildTx(utxos, []*wire.TxOut{{PkScript: bitcoin.PoPScript(k)}}, 2)
		if err != nil {
			t.Fatal(err)
		}
		txid, err := w.Broadcast(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		node.Generate(1)
		return txid.String()
	}
	honest, hashes := keystoneChain("honest", 4)
	_, forged := keystoneChain("forged", 4)
	txid10 := publish(honest[0]) // keystone 10 at height 111
	publish(honest[1])           // 20 at 112
	node.Generate(4)             // tip 116: keystone 10 has 6 confirmations, 20 has 5

	g, err := watcher.NewGuard(node.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 100, canonical.Genesis,
		watcher.GuardRules{Interval: 10, Depth: 6, MaxLag: 6}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watcher.NewGuard(node.Client(), nil, nil, 0, canonical.Genesis, watcher.GuardRules{Interval: 10}, 0); err == nil {
		t.Fatal("a guard with no superfinality depth was built")
	}
	step := func() {
		t.Helper()
		for {
			behind, err := g.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if behind == 0 {
				return
			}
		}
	}
	step()
	// The censorship alarm: x/btclc more than 6 blocks behind btcd's 116 after a live block.
	now := time.Now()
	g.LightClient(110, now)
	if on, lag := g.CensorshipAlarm(); on || lag != 6 {
		t.Fatalf("x/btclc 6 behind: alarm %v, lag %d; want no alarm at the limit", on, lag)
	}
	g.LightClient(109, now.Add(-time.Hour))
	if on, _ := g.CensorshipAlarm(); on {
		t.Fatal("an hour-old block (a syncing node) raised the alarm")
	}
	g.LightClient(109, now)
	if on, lag := g.CensorshipAlarm(); !on || lag != 7 {
		t.Fatalf("x/btclc 7 behind after a live block: alarm %v, lag %d", on, lag)
	}
	g.LightClient(116, now)
	if on, _ := g.CensorshipAlarm(); on {
		t.Fatal("the alarm stayed up with x/btclc at Bitcoin's tip")
	}

	if err := g.Check(10, hashes[0][:]); err != nil {
		t.Fatalf("the honest block at keystone 10 was refused: %v", err)
	}
	err = g.Check(10, forged[0][:])
	if !errors.Is(err, watcher.ErrForgedChain) || !strings.Contains(err.Error(), txid10) || !strings.Contains(err.Error(), "6 confirmations") {
		t.Fatalf("a forged block at keystone 10: %v, want ErrForgedChain naming tx %s", err, txid10)
	}
	if err := g.Check(15, forged[0][:]); err != nil {
		t.Fatalf("height 15 is no keystone height by the guard's rules (interval 10), yet it judged: %v", err)
	}
	if err := g.Check(20, forged[1][:]); err != nil {
		t.Fatalf("keystone 20 has 5 confirmations, fewer than %d, yet the guard judged: %v", 6, err)
	}
	if h, ok, err := g.Superfinal(1000); err != nil || !ok || h != 10 {
		t.Fatalf("highest superfinal keystone: %d %v %v, want 10", h, ok, err)
	}

	// Keystone 30 is never published; 40, published, links to it. The node's own keystone 30
	// bridges the gap: 30 and 40 are then canonical, anchored by 40's publication.
	publish(honest[3])
	node.Generate(5)
	step()
	if h, _, _ := g.Superfinal(1000); h != 20 {
		t.Fatalf("without the node's keystone 30, the highest superfinal keystone is %d, want 20", h)
	}
	g.Known([]bitcoin.AbbreviatedKeystone{honest[2]})
	if h, _, _ := g.Superfinal(1000); h != 40 {
		t.Fatalf("with the node's keystone 30, the highest superfinal keystone is %d, want 40", h)
	}
	if err := g.Check(30, forged[2][:]); !errors.Is(err, watcher.ErrForgedChain) {
		t.Fatalf("a forged block at the bridged keystone 30: %v", err)
	}

	// A Bitcoin reorg: block 117, which holds keystone 40's publication, and those above it
	// leave the best chain, and two blocks replace them (btcd mines the publication again in the
	// first). Keystone 40 is 2 deep now, no longer superfinal.
	if err := node.Client().Call(ctx, "invalidateblock", []any{node.BlockAt(117).BlockHash().String()}, nil); err != nil {
		t.Fatal(err)
	}
	node.Generate(2)
	step()
	if h, _, _ := g.Superfinal(1000); h != 20 {
		t.Fatalf("after a reorg to a branch where keystone 40's publication is at most 2 deep, the highest superfinal keystone is %d, want 20", h)
	}
	if err := g.Check(30, forged[2][:]); err != nil {
		t.Fatalf("after the reorg, keystone 30 is not superfinal, yet the guard judged: %v", err)
	}
}

// flakyFunding is a Bitcoin node that, while fail is set, does not serve transactions (a node
// without a transaction index, or one that timed out), and while failRepeats is set, no block it
// served before (the guard's keystone scan reads a new block first, its inbox scan second).
type flakyFunding struct {
	*rpc.Client
	fail, failRepeats bool
	served            map[chainhash.Hash]bool
}

func (f *flakyFunding) GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	if f.failRepeats && f.served[hash] {
		return nil, errors.New("timeout")
	}
	f.served[hash] = true
	return f.Client.GetBlock(ctx, hash)
}

func (f *flakyFunding) GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	if f.fail {
		return nil, errors.New("no such transaction (no transaction index)")
	}
	return f.Client.GetRawTransaction(ctx, txid)
}

// TestGuardInboxAlarm: against btcd, the guard finds the inbox operations the chain would take
// (a HEMF transfer signed by a wallet key) and not the ones it would refuse (a malformed HEMF
// payload). After a live block it raises the alarm once an operation is more than inbox_deadline
// blocks deep and its coin has not acted on the chain, never for an old block (a syncing node),
// and clears it once the coin has acted, which it then never asks about again. A block whose
// funding transaction the node did not serve is read again; a raised min_confirmations moves the
// deadline as much later; operations below x/btclc's base are not the chain's. A reorg that
// replaces the operation's transaction (a fee bump of the same coin) is followed, and an
// operation whose block left the rescan window, in a step that then failed, stays overdue until
// its coin acts.
func TestGuardInboxAlarm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	key, _ := btcec.PrivKeyFromBytes([]byte("hemi guard inbox test key 32 by!"))
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	node.Generate(110)
	w, err := wallet.New(key, &chaincfg.RegressionNetParams, wallet.P2PKH, node.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	post := func(payload []byte) *wire.MsgTx {
		t.Helper()
		utxos, err := w.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		tx, _, err := w.BuildTx(utxos, []*wire.TxOut{{PkScript: bitcoin.InboxScript(payload)}}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Broadcast(ctx, tx); err != nil {
			t.Fatal(err)
		}
		node.Generate(1)
		return tx
	}
	transfer := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, To: [20]byte{1}}
	transfer.Amount[15] = 1
	raw, err := transfer.Encode()
	if err != nil {
		t.Fatal(err)
	}
	good := post(raw)                       // height 111
	post(append([]byte("HEMF\x01\x01"), 0)) // 112: too short, the chain refuses it
	node.Generate(10)                       // tip 122: the transfer has 12 confirmations

	const deadline, minConfirmations = 12, 6
	rules := watcher.GuardRules{Interval: 10, Depth: 6, InboxDeadline: deadline, InboxMinConfirmations: minConfirmations}
	flaky := &flakyFunding{Client: node.Client(), fail: true, served: map[chainhash.Hash]bool{}}
	newGuard := func(rules watcher.GuardRules) *watcher.Guard {
		g, err := watcher.NewGuard(flaky, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 100, canonical.Genesis, rules, 0)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	step := func(g *watcher.Guard) {
		t.Helper()
		for {
			behind, err := g.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if behind == 0 {
				return
			}
		}
	}
	g := newGuard(rules)
	acted := map[wire.OutPoint]bool{}
	var asked []wire.OutPoint
	ran := func(coin wire.OutPoint) (bool, error) {
		asked = append(asked, coin)
		return acted[coin], nil
	}
	step(g)
	now := time.Now()
	g.Inbox(ran, minConfirmations, now)
	if overdue := g.InboxAlarm(); len(overdue) != 0 || len(asked) != 0 {
		t.Fatalf("at %d confirmations (the deadline): overdue %v, asked %v; want no alarm and no lookup", deadline, overdue, asked)
	}
	node.Generate(1) // 13 confirmations
	step(g)
	g.Inbox(ran, minConfirmations, now)
	if overdue := g.InboxAlarm(); len(overdue) != 0 {
		t.Fatalf("an operation whose funding transaction the node did not serve was judged: %v", overdue)
	}
	flaky.fail = false
	step(g)
	g.Inbox(ran, minConfirmations, now.Add(-time.Hour))
	if overdue := g.InboxAlarm(); len(overdue) != 0 {
		t.Fatalf("an hour-old block (a syncing node) raised the inbox alarm: %v", overdue)
	}
	g.Inbox(ran, minConfirmations, now)
	overdue := g.InboxAlarm()
	if len(overdue) != 1 || overdue[0].TxID != good.TxHash() || overdue[0].Coin != good.TxIn[0].PreviousOutPoint || overdue[0].Height != 111 {
		t.Fatalf("overdue %v, want only the transfer %s at 111 (the malformed payload is not an operation), read once the node served its funding tx", overdue, good.TxHash())
	}
	if err := g.Check(7, nil); err != nil {
		t.Fatalf("a guard without guard-halt-on-censorship refused a block on the alarm: %v", err)
	}
	haltRules := rules
	haltRules.HaltOnCensorship = true
	halting := newGuard(haltRules)
	step(halting)
	if err := halting.Check(7, nil); err != nil {
		t.Fatalf("a halting guard refused a block before any alarm: %v", err)
	}
	halting.Inbox(ran, minConfirmations, now)
	if err := halting.Check(7, nil); !errors.Is(err, watcher.ErrCensorship) || !strings.Contains(err.Error(), good.TxHash().String()) {
		t.Fatalf("a halting guard with the inbox alarm raised: %v, want ErrCensorship naming %s", err, good.TxHash())
	}
	g.Inbox(ran, minConfirmations+2, now) // operations now wait 2 blocks longer: the deadline is 14
	if overdue := g.InboxAlarm(); len(overdue) != 0 {
		t.Fatalf("at 13 confirmations with min_confirmations raised to 8: overdue %v, want none", overdue)
	}
	g.Inbox(ran, minConfirmations, now)
	if len(g.InboxAlarm()) != 1 {
		t.Fatal("the alarm was not raised again at min_confirmations 6")
	}
	above := newGuard(watcher.GuardRules{Interval: 10, Depth: 6, InboxDeadline: deadline, InboxMinConfirmations: minConfirmations, InboxFrom: 112})
	step(above)
	above.Inbox(ran, minConfirmations, now)
	if overdue := above.InboxAlarm(); len(overdue) != 0 {
		t.Fatalf("a guard of a chain whose x/btclc begins at 112 judged %v", overdue)
	}

	// A reorg replaces block 111, and the coin posts the operation in a replacement (a fee bump,
	// another txid): the guard follows Bitcoin's chain to the replacement.
	hash, err := node.Client().GetBlockHash(ctx, 111)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Client().Call(ctx, "invalidateblock", []any{hash.String()}, nil); err != nil {
		t.Fatal(err)
	}
	bumped, _, err := w.BumpTx(ctx, good.TxHash(), 20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Broadcast(ctx, bumped); err != nil {
		t.Fatal(err)
	}
	node.Generate(20) // a longer chain from 111 on, which holds the replacement
	step(g)
	g.Inbox(ran, minConfirmations, now)
	overdue = g.InboxAlarm()
	if len(overdue) != 1 || overdue[0].TxID != bumped.TxHash() || overdue[0].Coin != good.TxIn[0].PreviousOutPoint {
		t.Fatalf("after the reorg: overdue %v, want only the replacement %s, spending the same coin", overdue, bumped.TxHash())
	}
	acted[good.TxIn[0].PreviousOutPoint] = true
	g.Inbox(ran, minConfirmations, now)
	if overdue := g.InboxAlarm(); len(overdue) != 0 {
		t.Fatalf("the alarm stayed up after the coin acted: %v", overdue)
	}
	lookups := len(asked)
	g.Inbox(ran, minConfirmations, now)
	if len(asked) != lookups {
		t.Fatalf("the guard asked again about a coin that has acted: %v", asked[lookups:])
	}

	// Censored for longer than the guard rereads: still overdue.
	late := post(raw)
	step(g) // a guard that runs sees each block
	node.Generate(int(watcher.ScanDepth) + 5)
	flaky.failRepeats = true // the step in which late's block leaves the window fails in its inbox scan
	if _, err := g.Step(ctx); err == nil || !strings.Contains(err.Error(), "inbox operations") {
		t.Fatalf("a step whose inbox scan the node did not serve: %v, want its error", err)
	}
	flaky.failRepeats = false
	step(g)
	g.Inbox(ran, minConfirmations, now)
	if overdue := g.InboxAlarm(); len(overdue) != 1 || overdue[0].TxID != late.TxHash() {
		t.Fatalf("an operation %d blocks deep, below the guard's window of %d: overdue %v, want it", watcher.ScanDepth+6, watcher.ScanDepth, overdue)
	}
	acted[late.TxIn[0].PreviousOutPoint] = true
	g.Inbox(ran, minConfirmations, now)
	if overdue := g.InboxAlarm(); len(overdue) != 0 {
		t.Fatalf("the alarm stayed up after the old operation's coin acted: %v", overdue)
	}
}

// txSource serves the transactions it holds, as a Bitcoin node with a transaction index.
type txSource map[chainhash.Hash]*wire.MsgTx

func (s txSource) GetRawTransaction(_ context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	if tx, ok := s[txid]; ok {
		return tx, nil
	}
	return nil, errors.New("no such transaction")
}

// TestInboxOpsOfUnprovable: an operation whose merkle path x/btclc refuses is not one the chain
// takes, so the guard never calls it censored. Its sender (or a miner) grinds the transaction
// next to it so that the pair of their txids decodes as a 64-byte transaction: every proof of
// the operation then fails (bitcoin.ErrMerkleNodeIsTx). The same operation beside another
// transaction is taken.
func TestInboxOpsOfUnprovable(t *testing.T) {
	key := datagen.KeyFromSeed(4242)
	payload := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, To: [20]byte{1}}
	payload.Amount[15] = 1
	raw, err := payload.Encode()
	if err != nil {
		t.Fatal(err)
	}
	spend := datagen.Spend{Kind: datagen.P2WPKH, Key: key, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.InboxScript(raw))}}
	var op datagen.MinedSpend
	for i := 0; ; i++ { // the operation's txid has byte 4 = 1 (the pair's input count)
		op = datagen.SignedSpend(t, spend, chainhash.Hash{byte(i), byte(i >> 8), 0x77})
		if op.Spending.TxHash()[4] == 1 {
			break
		}
	}
	child := wire.NewMsgTx(2)
	child.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: op.Spending.TxHash(), Index: 1}, nil, nil))
	child.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	for child.LockTime = 0; ; child.LockTime++ { // byte 9 = 13 (a script length), byte 27 = 0 (no outputs' padding)
		if h := child.TxHash(); h[9] == 13 && h[27] == 0 {
			break
		}
	}
	other := wire.NewMsgTx(2)
	other.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{0x99}}, nil, nil))
	other.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	source := txSource{op.Funding.TxHash(): op.Funding}
	genesis := datagen.RegtestGenesis()
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		neighbour *wire.MsgTx
		want      int
	}{{"beside the ground transaction", child, 0}, {"beside another transaction", other, 1}} {
		// coinbase, funding, the operation (index 2), its neighbour (index 3)
		block := datagen.MineTxBlock(t, &genesis, 1, op.Funding, op.Spending, c.neighbour).Block
		if c.want == 0 {
			txids := []chainhash.Hash{block.Transactions[0].TxHash(), op.Funding.TxHash(), op.Spending.TxHash(), child.TxHash()}
			branch, _ := bitcoin.MerkleBranch(txids, 2)
			if _, err := bitcoin.VerifyTxInclusion(op.Spending, block.Header.MerkleRoot, 2, branch); !errors.Is(err, bitcoin.ErrMerkleNodeIsTx) {
				t.Fatalf("the ground block's proof of the operation: %v, want ErrMerkleNodeIsTx", err)
			}
		}
		if ops, unread := watcher.InboxOpsOf(ctx, source, block, 1); len(ops) != c.want || len(unread) != 0 {
			t.Errorf("%s: %d operations (%d unread), want %d", c.name, len(ops), len(unread), c.want)
		}
	}
}
