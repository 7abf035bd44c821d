package wallet_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

// TestWalletBumpFee checks the replacement rules: same inputs, same
// payments, fee at least old fee + vsize × 1 sat/vB and at least the new
// rate, a strictly higher rate, the difference taken from the change; and
// the refusals (dust change, cap, not our transaction).
func TestWalletBumpFee(t *testing.T) {
	for _, kind := range walletKinds {
		w := walletNew(t, walletKey(5), kind, nil)
		coins := walletCoins(w, 2, 30_000, "bump")
		outputs := []*wire.TxOut{walletPoPOutput(2), wire.NewTxOut(40_000, walletPayTo(t))}
		orig, oldFee, err := w.BuildTx(coins, outputs, 2)
		if err != nil {
			t.Fatal(err)
		}
		vsize := wallet.VirtualSize(orig)

		check := func(newRate, wantFee int64) *wire.MsgTx {
			t.Helper()
			repl, fee, err := w.BumpFee(orig, coins, newRate)
			if err != nil {
				t.Fatalf("%v: BumpFee(%d): %v", kind, newRate, err)
			}
			if fee != wantFee {
				t.Fatalf("%v: BumpFee(%d) fee = %d, want %d", kind, newRate, fee, wantFee)
			}
			if wallet.VirtualSize(repl) != vsize {
				t.Fatalf("%v: replacement is %d vB, original %d", kind, wallet.VirtualSize(repl), vsize)
			}
			if fee < oldFee+vsize || fee*1000/vsize <= oldFee*1000/vsize {
				t.Fatalf("%v: fee %d breaks BIP125 against old fee %d at %d vB", kind, fee, oldFee, vsize)
			}
			if len(repl.TxOut) != len(orig.TxOut) {
				t.Fatalf("%v: %d outputs, want %d", kind, len(repl.TxOut), len(orig.TxOut))
			}
			for i, out := range orig.TxOut[:len(orig.TxOut)-1] {
				if repl.TxOut[i].Value != out.Value || !bytes.Equal(repl.TxOut[i].PkScript, out.PkScript) {
					t.Fatalf("%v: output %d changed", kind, i)
				}
			}
			last := len(orig.TxOut) - 1
			if repl.TxOut[last].Value != orig.TxOut[last].Value-(fee-oldFee) {
				t.Fatalf("%v: change %d, want %d", kind, repl.TxOut[last].Value, orig.TxOut[last].Value-(fee-oldFee))
			}
			for i, in := range repl.TxIn {
				if in.PreviousOutPoint != orig.TxIn[i].PreviousOutPoint {
					t.Fatalf("%v: replacement input %d spends %s, the original %s", kind, i, in.PreviousOutPoint, orig.TxIn[i].PreviousOutPoint)
				}
			}
			walletVerify(t, w, repl, coins)
			return repl
		}
		check(5, 5*vsize)      // the new rate decides
		check(1, oldFee+vsize) // BIP125 rule 4 decides: old fee + 1 sat/vB
		check(3, max(3*vsize, oldFee+vsize))
		second := check(4, 4*vsize)
		// A bump of a bump counts from the fee of the one it replaces.
		if _, fee, err := w.BumpFee(second, coins, 4); err != nil || fee != 5*vsize {
			t.Fatalf("%v: second bump: fee %d, %v; want %d", kind, fee, err, 5*vsize)
		}

		// The cap: 100 sat/vB is more than this change can give.
		if _, _, err := w.BumpFee(orig, coins, 100); !errors.Is(err, wallet.ErrBumpBelowDust) {
			t.Fatalf("%v: bump into dust: err = %v", kind, err)
		}
		if err := w.SetFeeLimits(1, 3); err != nil {
			t.Fatal(err)
		}
		third, _, err := w.BumpFee(orig, coins, 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.BumpFee(third, coins, 3); !errors.Is(err, wallet.ErrFeeAboveCap) {
			t.Fatalf("%v: bump above the cap: err = %v", kind, err)
		}
		if err := w.SetFeeLimits(1, 100); err != nil {
			t.Fatal(err)
		}

		// Not replaceable by this wallet.
		noChange, _, err := w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(60_000-w.EstimateVSize(2, []*wire.TxOut{outputs[1]})*2, outputs[1].PkScript)}, 2)
		if err != nil {
			t.Fatal(err)
		}
		final := orig.Copy()
		final.TxIn[1].Sequence = wire.MaxTxInSequenceNum
		bad := map[string]func() (*wire.MsgTx, []wallet.UTXO){
			"no change":        func() (*wire.MsgTx, []wallet.UTXO) { return noChange, coins },
			"missing spent":    func() (*wire.MsgTx, []wallet.UTXO) { return orig, coins[:1] },
			"no RBF signal":    func() (*wire.MsgTx, []wallet.UTXO) { return final, coins },
			"nil tx":           func() (*wire.MsgTx, []wallet.UTXO) { return nil, coins },
			"nil input":        func() (*wire.MsgTx, []wallet.UTXO) { o := orig.Copy(); o.TxIn[1] = nil; return o, coins },
			"nil output":       func() (*wire.MsgTx, []wallet.UTXO) { o := orig.Copy(); o.TxOut[0] = nil; return o, coins },
			"empty tx":         func() (*wire.MsgTx, []wallet.UTXO) { return wire.NewMsgTx(2), coins },
			"outputs > inputs": func() (*wire.MsgTx, []wallet.UTXO) { o := orig.Copy(); o.TxOut[0].Value = 1_000_000; return o, coins },
		}
		for name, f := range bad {
			tx, spent := f()
			if repl, _, err := w.BumpFee(tx, spent, 5); !errors.Is(err, wallet.ErrNotReplaceable) || repl != nil {
				t.Errorf("%v, %s: BumpFee err = %v, want ErrNotReplaceable", kind, name, err)
			}
		}
		foreign := slices.Clone(coins)
		foreign[0].PkScript = w.PkScript()[:3]
		if _, _, err := w.BumpFee(orig, foreign, 5); !errors.Is(err, wallet.ErrBadInput) {
			t.Errorf("%v: foreign spent UTXO: err = %v", kind, err)
		}
		if _, _, err := w.BumpFee(orig, coins, 101); !errors.Is(err, wallet.ErrFeeRate) {
			t.Errorf("%v: rate above the cap: err = %v", kind, err)
		}
	}
}
