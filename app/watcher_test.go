package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/watcher"
)

// TestWatcherFeedsProposals: a chain whose proposer runs the Bitcoin watcher on a real btcd
// regtest node follows it with no relayer: one proposal brings x/btclc from genesis to btcd's
// tip, and after a PoP transaction is mined, the next proposal brings its block and its
// publication, which x/pop records. Both instances agree on every block.
func TestWatcherFeedsProposals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	key := datagen.KeyFromSeed(11)
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	node.Generate(110) // coinbases mature for the PoP transaction below
	// btcd stamps its blocks with the wall clock; the chain's block times must be near it.
	c := apptest.New(t, apptest.Options{
		GenesisTime: time.Now().Add(-time.Hour).Truncate(time.Second),
		Genesis:     shortKeystoneInterval,
	})
	ctx := context.Background()
	w := watcher.New(node.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 0)
	c.App().SetBitcoinSource(w)

	block := func() [][]byte {
		t.Helper()
		if err := w.Step(ctx); err != nil {
			t.Fatal(err)
		}
		txs := c.PrepareProposal(c.MaxTxBytes())
		if got := c.ProcessProposal(txs...); got != abci.ResponseProcessProposal_ACCEPT {
			t.Fatalf("ProcessProposal of the watcher's proposal: %s", got)
		}
		c.FinalizeTxs(txs...)
		return txs
	}
	requireTip := func() {
		t.Helper()
		height, hash := node.BestBlock()
		if tip := btcTip(t, c); int64(tip.Height) != height || tip.Hash() != hash {
			t.Fatalf("x/btclc's tip is %d %s, btcd's %d %s", tip.Height, tip.Hash(), height, hash)
		}
	}

	if txs := block(); len(txs) != 1 || !inject.IsEntry(txs[0]) {
		t.Fatalf("the first proposal has %d items, want the entry", len(txs))
	}
	requireTip()
	for c.Height() < keystoneInterval {
		block()
	}

	// A PoP transaction of the chain's keystone, mined by btcd.
	abbreviated := firstKeystone(t, c)
	wal, err := wallet.New(key, &chaincfg.RegressionNetParams, wallet.P2PKH, node.Client())
	if err != nil {
		t.Fatal(err)
	}
	utxos, err := wal.UTXOs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	tx, _, err := wal.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(abbreviated))}, 10)
	if err != nil {
		t.Fatal(err)
	}
	txid, err := wal.Broadcast(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	node.Generate(1)

	if txs := block(); len(txs) != 1 || !inject.IsEntry(txs[0]) {
		t.Fatalf("the proposal after the PoP block has %d items, want the entry", len(txs))
	}
	requireTip()
	pub, err := c.App().PoPKeeper.Publications.Get(c.Context(), txid)
	if err != nil {
		t.Fatalf("the publication %s is not recorded: %v", txid, err)
	}
	payee := bitcoin.KeyPayee(key.PubKey())
	if pub.KeystoneHeight != keystoneInterval || pub.Payee != sdk.AccAddress(payee[:]).String() || pub.Submitter != sdk.AccAddress(app.InjectSubmitter).String() {
		t.Fatalf("publication %+v, want keystone %d paying the miner's key, submitted by the injection", pub, keystoneInterval)
	}

	// Nothing new in Bitcoin: no entry.
	if txs := block(); len(txs) != 0 {
		t.Fatalf("with nothing new the proposal has %d items", len(txs))
	}
}
