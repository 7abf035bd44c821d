package wallet_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

func walletSum(outs []*wire.TxOut) int64 {
	var s int64
	for _, o := range outs {
		s += o.Value
	}
	return s
}

func walletPushes(t *testing.T, script []byte) [][]byte {
	t.Helper()
	pushes, err := txscript.PushedData(script)
	if err != nil {
		t.Fatal(err)
	}
	return pushes
}

// TestWalletBuildTx: coin selection, change, the inputs refused and the
// insufficient-funds message.
func TestWalletBuildTx(t *testing.T) {
	for _, kind := range walletKinds {
		w := walletNew(t, walletKey(2), kind, nil)
		values := []int64{1_000, 50_000, 20_000, 50_000}
		coins := walletCoins(w, len(values), 0, "select")
		for i := range coins {
			coins[i].Value = values[i]
		}
		outputs := []*wire.TxOut{walletPoPOutput(1), wire.NewTxOut(60_000, walletPayTo(t))}

		// Largest first, ties by outpoint: the two 50k coins, and the
		// same transaction whatever the order of the list.
		tx, fee, err := w.BuildTx(coins, outputs, 2)
		if err != nil {
			t.Fatal(err)
		}
		byOutPoint := map[wire.OutPoint]wallet.UTXO{}
		for _, c := range coins {
			byOutPoint[c.OutPoint] = c
		}
		var spent []wallet.UTXO
		for _, in := range tx.TxIn {
			spent = append(spent, byOutPoint[in.PreviousOutPoint])
		}
		if len(spent) != 2 || spent[0].Value != 50_000 || spent[1].Value != 50_000 {
			t.Fatalf("%v: selected %v, want the two 50k coins", kind, spent)
		}
		walletVerify(t, w, tx, spent)
		change := tx.TxOut[len(tx.TxOut)-1]
		if !bytes.Equal(change.PkScript, w.PkScript()) || change.Value != 100_000-60_000-fee {
			t.Fatalf("%v: change %v, want %d sat to the wallet", kind, change, 100_000-60_000-fee)
		}
		reversed := slices.Clone(coins)
		slices.Reverse(reversed)
		tx2, _, err := w.BuildTx(reversed, outputs, 2)
		if err != nil || tx2.TxHash() != tx.TxHash() {
			t.Fatalf("%v: other order gave %v, %v; want the same transaction", kind, tx2, err)
		}

		// Insufficient funds: the message says how much, what there is and
		// where to send it.
		_, _, err = w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(200_000, w.PkScript())}, 2)
		if !errors.Is(err, wallet.ErrInsufficientFunds) || !strings.Contains(err.Error(), w.Address().EncodeAddress()) ||
			!strings.Contains(err.Error(), "121000 sat") {
			t.Fatalf("%v: err = %v; want ErrInsufficientFunds naming the 121000 sat held and the address", kind, err)
		}
		if _, _, err := w.BuildTx(nil, outputs, 2); !errors.Is(err, wallet.ErrInsufficientFunds) {
			t.Fatalf("%v: no coins: err = %v", kind, err)
		}
		// Immature coinbases are not spent.
		young := walletCoins(w, 1, 5_000_000_000, "coinbase")
		young[0].Coinbase, young[0].Confirmations = true, 99
		if _, _, err := w.BuildTx(young, outputs, 2); !errors.Is(err, wallet.ErrInsufficientFunds) {
			t.Fatalf("%v: immature coinbase: err = %v", kind, err)
		}
		young[0].Confirmations = 100
		if _, _, err := w.BuildTx(young, outputs, 2); err != nil {
			t.Fatalf("%v: mature coinbase: %v", kind, err)
		}

		other := walletNew(t, walletKey(3), kind, nil)
		bad := map[string]func() ([]wallet.UTXO, []*wire.TxOut, int64){
			"foreign coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(other, 1, 100_000, "x"), outputs, 2
			},
			"duplicate coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return append(slices.Clone(coins), coins[0]), outputs, 2
			},
			"zero coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(w, 1, 0, "x"), outputs, 2
			},
			"huge coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(w, 1, btcutil.MaxSatoshi+1, "x"), outputs, 2
			},
			"coins above 21M BTC": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(w, 2, btcutil.MaxSatoshi, "x"), outputs, 2
			},
			"no outputs": func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, nil, 2 },
			"nil output": func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, []*wire.TxOut{nil}, 2 },
			"negative output": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return coins, []*wire.TxOut{wire.NewTxOut(-1, nil)}, 2
			},
			"rate above cap": func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, outputs, 101 },
			"rate zero":      func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, outputs, 0 },
		}
		for name, f := range bad {
			if tx, _, err := w.BuildTx(f()); err == nil || tx != nil {
				t.Errorf("%v, %s: BuildTx succeeded", kind, name)
			}
		}
	}
}

// TestWalletTooManyInputs: paying from dust-sized coins stops at the
// standard weight with ErrTooManyInputs instead of building a transaction no
// node relays.
func TestWalletTooManyInputs(t *testing.T) {
	w := walletNew(t, walletKey(4), wallet.P2PKH, nil)
	coins := walletCoins(w, 3000, 1_000, "dust")
	_, _, err := w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(2_000_000, w.PkScript())}, 1)
	if !errors.Is(err, wallet.ErrTooManyInputs) {
		t.Fatalf("err = %v, want ErrTooManyInputs", err)
	}
}

// The wallet checks the payee x/pop will bind before a transaction leaves
// it: the first input's signer through its coin's source transaction. A
// first coin without one, or with a transaction that did not create it, gives
// no transaction, since no proof could bind the payee to the wallet's key.
func TestWalletBuildTxBindsPayee(t *testing.T) {
	for _, kind := range walletKinds {
		w := walletNew(t, walletKey(11), kind, nil)
		outputs := []*wire.TxOut{walletPoPOutput(1)}
		coins := walletCoins(w, 2, 1e6, "bind")
		tx, _, err := w.BuildTx(coins, outputs, 2)
		if err != nil {
			t.Fatalf("%v: %v", kind, err)
		}
		walletVerify(t, w, tx, coins)

		first := slices.IndexFunc(coins, func(u wallet.UTXO) bool { return u.OutPoint == tx.TxIn[0].PreviousOutPoint })
		noSource := slices.Clone(coins)
		noSource[first].SourceTx = nil
		if _, _, err := w.BuildTx(noSource, outputs, 2); !errors.Is(err, wallet.ErrBadInput) {
			t.Errorf("%v, first coin without source transaction: %v", kind, err)
		}
		wrongSource := slices.Clone(coins)
		wrongSource[first].SourceTx = coins[1-first].SourceTx
		if _, _, err := w.BuildTx(wrongSource, outputs, 2); !errors.Is(err, bitcoin.ErrFundingTxMismatch) {
			t.Errorf("%v, first coin with another coin's source transaction: %v", kind, err)
		}
	}
}
