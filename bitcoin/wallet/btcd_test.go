package wallet_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
)

// TestWalletBtcd runs the wallet against a real btcd regtest node whose
// coinbases pay the wallet key's P2PKH address: discovery finds exactly the
// mature coinbases; a PoP-shaped transaction built and signed by the wallet is
// accepted (so its signatures are valid), confirms, and moves the coins as
// expected; a fee bump replaces the original in btcd's mempool and only the
// replacement is ever mined; then the same for P2WPKH after segwit activates.
func TestWalletBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	key := walletKey(9)
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	c := node.Client()
	ctx := walletCtx(t)
	legacy := walletNew(t, key, wallet.P2PKH, c)
	segwit := walletNew(t, key, wallet.P2WPKH, c)
	if legacy.Address().EncodeAddress() != node.MiningAddress().EncodeAddress() {
		t.Fatalf("wallet address %s, node mines to %s", legacy.Address(), node.MiningAddress())
	}

	const mined = 110
	node.Generate(mined)

	t.Run("discovers exactly the mature coinbases", func(t *testing.T) {
		want := map[wire.OutPoint]wallet.UTXO{}
		for h := int64(1); h <= mined-99; h++ {
			hash, err := c.GetBlockHash(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			block, err := c.GetBlock(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			cb := block.Transactions[0]
			want[wire.OutPoint{Hash: cb.TxHash(), Index: 0}] = wallet.UTXO{Value: cb.TxOut[0].Value, Confirmations: mined - h + 1, Coinbase: true}
		}
		utxos, err := legacy.UTXOs(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		walletCheckUTXOs(t, legacy, utxos, want)
		if utxos, err := segwit.UTXOs(ctx, 0); err != nil || len(utxos) != 0 {
			t.Fatalf("P2WPKH wallet: UTXOs = %v, %v; want none", utxos, err)
		}
		rate, err := legacy.FeeRate(ctx, 6)
		if err != nil || rate != 1 {
			t.Fatalf("FeeRate on a fresh regtest = %d, %v; want the floor 1", rate, err)
		}
	})

	walletPublishAndBump(t, node, legacy, 1)

	t.Run("insufficient funds", func(t *testing.T) {
		utxos, err := legacy.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = legacy.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(100_000e8, segwit.PkScript())}, 1)
		if !errors.Is(err, wallet.ErrInsufficientFunds) || !strings.Contains(err.Error(), legacy.Address().EncodeAddress()) {
			t.Fatalf("err = %v, want ErrInsufficientFunds naming %s", err, legacy.Address())
		}
	})

	// P2WPKH: btcd's regtest enforces segwit from height 432 on. The legacy
	// wallet funds the segwit address (same key) with two outputs.
	height, _ := node.BestBlock()
	node.Generate(int(432 - height))
	utxos, err := legacy.UTXOs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	funding, _, err := legacy.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(7e8, segwit.PkScript()), wire.NewTxOut(3e8, segwit.PkScript())}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := legacy.Broadcast(ctx, funding); err != nil {
		t.Fatal(err)
	}
	node.Generate(1)
	t.Run("P2WPKH discovery", func(t *testing.T) {
		utxos, err := segwit.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		walletCheckUTXOs(t, segwit, utxos, map[wire.OutPoint]wallet.UTXO{
			{Hash: funding.TxHash(), Index: 0}: {Value: 7e8, Confirmations: 1},
			{Hash: funding.TxHash(), Index: 1}: {Value: 3e8, Confirmations: 1},
		})
	})
	walletPublishAndBump(t, node, segwit, 2)
}

// walletPublishAndBump publishes a PoP-shaped transaction from w and mines
// it, then publishes another, replaces it with a fee bump and mines that.
func walletPublishAndBump(t *testing.T, node *btcdtest.Node, w *wallet.Wallet, tag byte) {
	c := node.Client()
	ctx := walletCtx(t)
	mempool := func(t *testing.T) []string {
		t.Helper()
		var txids []string
		if err := c.Call(ctx, "getrawmempool", nil, &txids); err != nil {
			t.Fatal(err)
		}
		slices.Sort(txids)
		return txids
	}
	minedTxIDs := func(t *testing.T, hash chainhash.Hash) []chainhash.Hash {
		t.Helper()
		block, err := c.GetBlock(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		var ids []chainhash.Hash
		for _, tx := range block.Transactions {
			ids = append(ids, tx.TxHash())
		}
		return ids
	}
	utxoSet := func(t *testing.T, minConf int64) map[wire.OutPoint]wallet.UTXO {
		t.Helper()
		utxos, err := w.UTXOs(ctx, minConf)
		if err != nil {
			t.Fatal(err)
		}
		set := map[wire.OutPoint]wallet.UTXO{}
		for _, u := range utxos {
			set[u.OutPoint] = u
		}
		return set
	}
	spentBy := func(tx *wire.MsgTx, before map[wire.OutPoint]wallet.UTXO) []wallet.UTXO {
		var coins []wallet.UTXO
		for _, in := range tx.TxIn {
			coins = append(coins, before[in.PreviousOutPoint])
		}
		return coins
	}

	t.Run(w.Kind().String()+" publish", func(t *testing.T) {
		before := utxoSet(t, 1)
		utxos, err := w.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		tx, fee, err := w.BuildTx(utxos, []*wire.TxOut{walletPoPOutput(tag)}, 3)
		if err != nil {
			t.Fatal(err)
		}
		walletVerify(t, w, tx, spentBy(tx, before))
		txid, err := w.Broadcast(ctx, tx)
		if err != nil || txid != tx.TxHash() {
			t.Fatalf("Broadcast = %s, %v", txid, err)
		}
		if txid, err := w.Broadcast(ctx, tx); err != nil || txid != tx.TxHash() {
			t.Fatalf("second Broadcast = %s, %v; want success (already known)", txid, err)
		}
		if got := mempool(t); !slices.Equal(got, []string{tx.TxHash().String()}) {
			t.Fatalf("mempool %v, want only %s", got, tx.TxHash())
		}
		// btcd has no getmempoolentry; the verbose mempool has the same.
		var entries map[string]struct {
			Vsize int64 `json:"vsize"`
		}
		if err := c.Call(ctx, "getrawmempool", []any{true}, &entries); err != nil {
			t.Fatal(err)
		}
		entry, ok := entries[tx.TxHash().String()]
		if !ok || entry.Vsize != wallet.VirtualSize(tx) {
			t.Errorf("btcd counts %d vB (listed %v), the wallet %d", entry.Vsize, ok, wallet.VirtualSize(tx))
		}
		t.Logf("published %s: %d inputs, %d vB, fee %d sat", tx.TxHash(), len(tx.TxIn), entry.Vsize, fee)
		if fee != 3*wallet.VirtualSize(tx) {
			t.Errorf("fee %d, want 3 sat/vB × %d vB", fee, wallet.VirtualSize(tx))
		}

		// In the mempool: the spent coin is gone at once, the change is
		// there with 0 confirmations, and not with minConf 1.
		change := wire.OutPoint{Hash: tx.TxHash(), Index: uint32(len(tx.TxOut) - 1)}
		now := utxoSet(t, 0)
		for _, in := range tx.TxIn {
			if _, ok := now[in.PreviousOutPoint]; ok {
				t.Fatalf("spent coin %s still listed", in.PreviousOutPoint)
			}
		}
		if u, ok := now[change]; !ok || u.Confirmations != 0 || u.Value != tx.TxOut[change.Index].Value {
			t.Fatalf("change %s: %+v, %v; want unconfirmed %d sat", change, u, ok, tx.TxOut[change.Index].Value)
		}
		if _, ok := utxoSet(t, 1)[change]; ok {
			t.Fatal("unconfirmed change listed with minConf 1")
		}

		hash := node.Generate(1)[0]
		if !slices.Contains(minedTxIDs(t, hash), tx.TxHash()) {
			t.Fatal("the transaction was not mined")
		}
		after := utxoSet(t, 1)
		if u, ok := after[change]; !ok || u.Confirmations != 1 {
			t.Fatalf("change after mining: %+v, %v", u, ok)
		}
		// Every other coin is still there (one more block matured no new
		// coinbase for a P2WPKH wallet, and only adds to a P2PKH one).
		spent := map[wire.OutPoint]bool{}
		for _, in := range tx.TxIn {
			spent[in.PreviousOutPoint] = true
		}
		for op := range before {
			if _, listed := after[op]; listed == spent[op] {
				t.Fatalf("coin %s: listed %v after the transaction, spent by it %v", op, listed, spent[op])
			}
		}
	})

	t.Run(w.Kind().String()+" bump", func(t *testing.T) {
		before := utxoSet(t, 1)
		utxos, err := w.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		orig, oldFee, err := w.BuildTx(utxos, []*wire.TxOut{walletPoPOutput(tag + 100)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Broadcast(ctx, orig); err != nil {
			t.Fatal(err)
		}
		spent := spentBy(orig, before)
		repl, newFee, err := w.BumpFee(orig, spent, 2)
		if err != nil {
			t.Fatal(err)
		}
		if newFee <= oldFee {
			t.Fatalf("bump fee %d, old %d", newFee, oldFee)
		}
		if _, err := w.Broadcast(ctx, repl); err != nil {
			t.Fatalf("btcd refused the replacement: %v", err)
		}
		t.Logf("replaced %s (fee %d sat) with %s (fee %d sat)", orig.TxHash(), oldFee, repl.TxHash(), newFee)
		if got := mempool(t); !slices.Equal(got, []string{repl.TxHash().String()}) {
			t.Fatalf("mempool %v, want only the replacement %s (original %s)", got, repl.TxHash(), orig.TxHash())
		}
		// The original cannot come back: it conflicts with the replacement
		// and pays less.
		if _, err := w.Broadcast(ctx, orig); err == nil {
			t.Fatal("btcd took the original back after the replacement")
		}
		now := utxoSet(t, 0)
		if _, ok := now[wire.OutPoint{Hash: orig.TxHash(), Index: uint32(len(orig.TxOut) - 1)}]; ok {
			t.Fatal("the replaced transaction's change is listed")
		}
		if _, ok := now[wire.OutPoint{Hash: repl.TxHash(), Index: uint32(len(repl.TxOut) - 1)}]; !ok {
			t.Fatal("the replacement's change is not listed")
		}

		hash := node.Generate(1)[0]
		ids := minedTxIDs(t, hash)
		if !slices.Contains(ids, repl.TxHash()) || slices.Contains(ids, orig.TxHash()) {
			t.Fatalf("block has %v; want the replacement %s and not the original %s", ids, repl.TxHash(), orig.TxHash())
		}
		if _, err := c.GetRawTransaction(ctx, orig.TxHash()); err == nil {
			t.Fatal("the original is known to the node after the replacement was mined")
		}
		if got := mempool(t); len(got) != 0 {
			t.Fatalf("mempool %v after mining, want empty", got)
		}
	})
}
