package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/watcher"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// TestWatcherFeedsProposals: a chain whose proposer runs the Bitcoin watcher on a real btcd
// regtest node follows it with no relayer: one proposal brings x/btclc from genesis to btcd's
// tip, and after a PoP transaction is mined, the next proposal brings its block and its
// publication, which x/pop records. A deposit to the chain's vault whose first transaction was
// replaced by a fee bump (RBF, a new txid) is injected under the mined txid, recorded pending,
// and minted by x/tunnel five Bitcoin blocks later, with no relayer either. Both instances agree
// on every block.
func TestWatcherFeedsProposals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	key := datagen.KeyFromSeed(11)
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	node.Generate(110) // coinbases mature for the PoP transaction below
	// btcd stamps its blocks with the wall clock; the chain's block times must be near it.
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7000).PubKey())
	c := apptest.New(t, apptest.Options{
		GenesisTime: time.Now().Add(-time.Hour).Truncate(time.Second),
		Genesis: func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
			shortKeystoneInterval(cdc, state)
			vaultGenesis(vault)(cdc, state)
		},
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

	// A deposit, replaced by its fee bump before it is mined.
	recipient := c.Accounts[1]
	first, bumped := btcdtest.SendBumpedDeposit(t, wal, vault, recipient.Address, 150_000)
	node.Generate(1)
	block()
	requireTip()
	outpoint := func(txid chainhash.Hash) (tunneltypes.Deposit, error) {
		return c.App().TunnelKeeper.Deposits.Get(c.Context(), tunneltypes.NewOutpoint(txid, 1))
	}
	if d, err := outpoint(bumped); err != nil || d.Status != tunneltypes.DEPOSIT_STATUS_PENDING || d.Amount != 150_000 || d.Recipient != recipient.String() {
		t.Fatalf("the bumped deposit %s: %+v (%v), want pending 150000 sat to %s", bumped, d, err, recipient)
	}
	if _, err := outpoint(first); err == nil {
		t.Fatalf("the replaced deposit %s was recorded", first)
	}
	node.Generate(5)
	block()
	if d, err := outpoint(bumped); err != nil || d.Status != tunneltypes.DEPOSIT_STATUS_MINTED {
		t.Fatalf("after six confirmations the deposit is %+v (%v), want minted", d, err)
	}
	if got := c.App().BankKeeper.GetBalance(c.Context(), recipient.Address, params.BTCDenom); got.Amount.Int64() != 150_000 {
		t.Fatalf("the recipient holds %s, want 150000 sat", got)
	}
}
