package wallet

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// checkUTXOs validates coins given to BuildTx or BumpFee: each must pay this
// wallet's script (the only one it can sign for), carry a positive value,
// and appear once. Immature coinbases are dropped. The result is sorted
// largest first, ties by outpoint, and its total is returned.
func (w *Wallet) checkUTXOs(utxos []UTXO) ([]UTXO, int64, error) {
	coins := make([]UTXO, 0, len(utxos))
	seen := make(map[wire.OutPoint]bool, len(utxos))
	var total int64
	for i, u := range utxos {
		if !bytes.Equal(u.PkScript, w.pkScript) {
			return nil, 0, fmt.Errorf("%w: UTXO %d (%s) pays script %x, not this wallet's %x", ErrBadInput, i, u.OutPoint, u.PkScript, w.pkScript)
		}
		if u.Value <= 0 || u.Value > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: UTXO %d (%s) has value %d sat", ErrBadInput, i, u.OutPoint, u.Value)
		}
		if seen[u.OutPoint] {
			return nil, 0, fmt.Errorf("%w: UTXO %s is listed twice", ErrBadInput, u.OutPoint)
		}
		seen[u.OutPoint] = true
		if u.Coinbase && u.Confirmations < int64(w.net.CoinbaseMaturity) {
			continue
		}
		// Each value is at most MaxSatoshi, so checking after every
		// addition keeps the sum far from overflowing.
		total += u.Value
		if total > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: UTXO values add up to more than 21 million BTC", ErrBadInput)
		}
		coins = append(coins, u)
	}
	sort.Slice(coins, func(i, j int) bool {
		a, b := coins[i], coins[j]
		if a.Value != b.Value {
			return a.Value > b.Value
		}
		if c := bytes.Compare(a.OutPoint.Hash[:], b.OutPoint.Hash[:]); c != 0 {
			return c < 0
		}
		return a.OutPoint.Index < b.OutPoint.Index
	})
	return coins, total, nil
}

// checkOutputs validates the payments of BuildTx and returns their total.
func checkOutputs(outputs []*wire.TxOut) (int64, error) {
	if len(outputs) == 0 {
		return 0, fmt.Errorf("%w: no outputs to pay", ErrBadInput)
	}
	var total int64
	for i, out := range outputs {
		if out == nil {
			return 0, fmt.Errorf("%w: output %d is nil", ErrBadInput, i)
		}
		if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
			return 0, fmt.Errorf("%w: output %d has value %d sat", ErrBadInput, i, out.Value)
		}
		if len(out.PkScript) > txscript.MaxScriptSize {
			return 0, fmt.Errorf("%w: output %d has a %d-byte script", ErrBadInput, i, len(out.PkScript))
		}
		total += out.Value
		if total > btcutil.MaxSatoshi {
			return 0, fmt.Errorf("%w: outputs add up to more than 21 million BTC", ErrBadInput)
		}
	}
	return total, nil
}

// BuildTx builds and signs a transaction paying outputs from utxos at
// feeRate sat/vB, and returns it with the fee it pays.
//
// Coin selection is deterministic and largest first (ties by outpoint): it
// spends the fewest inputs, so a PoP transaction stays small and cheap, and
// the same coins give the same transaction. Change goes back to the wallet's
// address as the last output when it is at least DustLimit; a smaller
// remainder is added to the fee. Every input has nSequence RBFSequence, so
// BumpFee can replace the transaction. The fee is exactly
// EstimateVSize × feeRate (plus the remainder when there is no change).
//
// The first input is signed by the wallet's key, so the payee x/pop binds
// for the result (bitcoin.InputSignerAccount with the first coin's
// SourceTx, which that coin must have) is Payee; this is checked, as the
// popminer's reward depends on it.
func (w *Wallet) BuildTx(utxos []UTXO, outputs []*wire.TxOut, feeRate int64) (*wire.MsgTx, int64, error) {
	if err := w.checkFeeRate(feeRate); err != nil {
		return nil, 0, err
	}
	target, err := checkOutputs(outputs)
	if err != nil {
		return nil, 0, err
	}
	coins, available, err := w.checkUTXOs(utxos)
	if err != nil {
		return nil, 0, err
	}
	withChange := append(append([]*wire.TxOut(nil), outputs...), wire.NewTxOut(0, w.pkScript))

	var inSum int64
	for n := 1; n <= len(coins); n++ {
		inSum += coins[n-1].Value
		vsize := w.EstimateVSize(n, withChange)
		if vsize*4 > maxStandardWeight {
			return nil, 0, fmt.Errorf("%w: %d inputs would be needed", ErrTooManyInputs, n)
		}
		if change := inSum - target - feeFor(vsize, feeRate); change >= w.DustLimit() {
			tx, err := w.assemble(coins[:n], outputs, change)
			return tx, inSum - target - change, err
		}
		if inSum-target >= feeFor(w.EstimateVSize(n, outputs), feeRate) {
			tx, err := w.assemble(coins[:n], outputs, 0)
			return tx, inSum - target, err
		}
	}

	// What spending every coin would need, without change.
	fee := feeFor(w.EstimateVSize(max(len(coins), 1), outputs), feeRate)
	need := target + fee
	return nil, 0, fmt.Errorf("%w: need %d sat (%d for the outputs and a %d sat fee at %d sat/vB) but %d spendable outputs hold %d sat: send at least %d sat to %s",
		ErrInsufficientFunds, need, target, fee, feeRate, len(coins), available, need-available, w.addr.EncodeAddress())
}

// assemble builds the transaction spending coins in order, paying outputs
// and, if change > 0, change to the wallet last, and signs it.
func (w *Wallet) assemble(coins []UTXO, outputs []*wire.TxOut, change int64) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(2)
	for _, c := range coins {
		in := wire.NewTxIn(&c.OutPoint, nil, nil)
		in.Sequence = RBFSequence
		tx.AddTxIn(in)
	}
	for _, out := range outputs {
		// Copies, so the caller's outputs are not shared with the result.
		tx.AddTxOut(wire.NewTxOut(out.Value, bytes.Clone(out.PkScript)))
	}
	if change > 0 {
		tx.AddTxOut(wire.NewTxOut(change, bytes.Clone(w.pkScript)))
	}
	if err := w.sign(tx, coins); err != nil {
		return nil, err
	}
	return tx, nil
}
