package wallet

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// BumpFee returns an RBF replacement of tx, a transaction built by BuildTx
// (or an earlier BumpFee) that has not confirmed, and the fee it pays. spent
// are the UTXOs tx spends. The replacement spends exactly the same inputs,
// so the two conflict and at most one of them can ever confirm: bumping never
// pays twice. It pays the same outputs, takes the extra fee from the change
// (the last output, which must pay the wallet) and pays at least
//
//   - newFeeRate × its vsize,
//   - the old fee plus IncrementalRelayFeeSatPerVB × its vsize (BIP125 rule 4),
//   - a higher fee rate than tx, counted in whole sat/kvB as the nodes do
//     (BIP125 rule 6).
//
// If that takes the change below DustLimit (ErrBumpBelowDust) or the rate
// above the wallet's cap (ErrFeeAboveCap), the caller should keep waiting for
// tx instead.
func (w *Wallet) BumpFee(tx *wire.MsgTx, spent []UTXO, newFeeRate int64) (*wire.MsgTx, int64, error) {
	if err := w.checkFeeRate(newFeeRate); err != nil {
		return nil, 0, err
	}
	if !wellFormed(tx) || len(tx.TxIn) == 0 || len(tx.TxOut) == 0 {
		return nil, 0, fmt.Errorf("%w: it needs inputs and outputs, none of them nil", ErrNotReplaceable)
	}
	if w.EstimateVSize(len(tx.TxIn), tx.TxOut)*4 > maxStandardWeight {
		return nil, 0, fmt.Errorf("%w: %d inputs", ErrTooManyInputs, len(tx.TxIn))
	}
	byOutPoint := make(map[wire.OutPoint]UTXO, len(spent))
	for i, u := range spent {
		if !bytes.Equal(u.PkScript, w.pkScript) || u.Value <= 0 || u.Value > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: spent UTXO %d (%s) does not pay this wallet a valid amount", ErrBadInput, i, u.OutPoint)
		}
		byOutPoint[u.OutPoint] = u
	}
	coins := make([]UTXO, len(tx.TxIn))
	seen := make(map[wire.OutPoint]bool, len(tx.TxIn))
	var inSum int64
	for i, in := range tx.TxIn {
		u, ok := byOutPoint[in.PreviousOutPoint]
		if !ok {
			return nil, 0, fmt.Errorf("%w: input %d spends %s, which is not among the spent UTXOs given", ErrNotReplaceable, i, in.PreviousOutPoint)
		}
		if seen[in.PreviousOutPoint] {
			return nil, 0, fmt.Errorf("%w: input %d spends %s twice", ErrNotReplaceable, i, in.PreviousOutPoint)
		}
		seen[in.PreviousOutPoint] = true
		if in.Sequence >= wire.MaxTxInSequenceNum-1 {
			return nil, 0, fmt.Errorf("%w: input %d has nSequence %#x, which does not signal RBF", ErrNotReplaceable, i, in.Sequence)
		}
		coins[i] = u
		// Checked after every addition of at most MaxSatoshi: no overflow.
		inSum += u.Value
		if inSum > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: spent UTXO values add up to more than 21 million BTC", ErrBadInput)
		}
	}
	var outSum int64
	for i, out := range tx.TxOut {
		if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: output %d has value %d sat", ErrNotReplaceable, i, out.Value)
		}
		outSum += out.Value
		if outSum > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: outputs add up to more than 21 million BTC", ErrNotReplaceable)
		}
	}
	oldFee := inSum - outSum
	if oldFee < 0 {
		return nil, 0, fmt.Errorf("%w: outputs (%d sat) exceed the inputs (%d sat)", ErrNotReplaceable, outSum, inSum)
	}
	last := len(tx.TxOut) - 1
	change := tx.TxOut[last]
	if !bytes.Equal(change.PkScript, w.pkScript) {
		return nil, 0, fmt.Errorf("%w: it has no change output to take a higher fee from", ErrNotReplaceable)
	}

	// The replacement has the same inputs and outputs, so its size is the
	// estimate; the original's is its real size if it is signed.
	newVSize := w.EstimateVSize(len(tx.TxIn), tx.TxOut)
	oldVSize := newVSize
	if isSigned(tx) {
		oldVSize = VirtualSize(tx)
	}
	capFee := feeFor(newVSize, w.cap)
	newFee := max(feeFor(newVSize, newFeeRate), oldFee+newVSize*IncrementalRelayFeeSatPerVB)
	if newFee > capFee {
		return nil, 0, fmt.Errorf("%w: it needs %d sat for %d vB, the cap of %d sat/vB allows %d", ErrFeeAboveCap, newFee, newVSize, w.cap, capFee)
	}
	// Nodes compare rates as floor(fee × 1000 / vsize) and want the new one
	// strictly higher. oldFee <= newFee <= capFee here, so the products stay
	// small.
	oldRatePerKvB := oldFee * 1000 / oldVSize
	newFee = max(newFee, ((oldRatePerKvB+1)*newVSize+999)/1000)
	if newFee > capFee {
		return nil, 0, fmt.Errorf("%w: it needs %d sat for %d vB, the cap of %d sat/vB allows %d", ErrFeeAboveCap, newFee, newVSize, w.cap, capFee)
	}
	newChange := change.Value - (newFee - oldFee)
	if newChange < w.DustLimit() {
		return nil, 0, fmt.Errorf("%w: change would be %d sat, dust limit %d", ErrBumpBelowDust, newChange, w.DustLimit())
	}

	replacement := wire.NewMsgTx(tx.Version)
	replacement.LockTime = tx.LockTime
	for _, in := range tx.TxIn {
		r := wire.NewTxIn(&in.PreviousOutPoint, nil, nil)
		r.Sequence = RBFSequence
		replacement.AddTxIn(r)
	}
	for _, out := range tx.TxOut[:last] {
		replacement.AddTxOut(wire.NewTxOut(out.Value, bytes.Clone(out.PkScript)))
	}
	replacement.AddTxOut(wire.NewTxOut(newChange, bytes.Clone(w.pkScript)))
	if err := w.sign(replacement, coins); err != nil {
		return nil, 0, err
	}
	return replacement, newFee, nil
}

// BumpTx is BumpFee for a transaction the node holds in its mempool, named
// by its txid: the transaction and the outputs it spends are read from the
// node (btcd with --txindex, or Bitcoin Core with -txindex). The replacement
// is returned unbroadcast.
func (w *Wallet) BumpTx(ctx context.Context, txid chainhash.Hash, newFeeRate int64) (*wire.MsgTx, int64, error) {
	if w.node == nil {
		return nil, 0, errors.New("wallet has no node to read the transaction from")
	}
	tx, err := w.node.GetRawTransaction(ctx, txid)
	if err != nil {
		return nil, 0, fmt.Errorf("reading transaction %s from the node: %w", txid, err)
	}
	if got := tx.TxHash(); got != txid {
		return nil, 0, w.node.BadData("getrawtransaction", nil, "asked for %s, got %s", txid, got)
	}
	spent := make([]UTXO, 0, len(tx.TxIn))
	for i, in := range tx.TxIn {
		source, err := w.node.GetRawTransaction(ctx, in.PreviousOutPoint.Hash)
		if err != nil {
			return nil, 0, fmt.Errorf("reading the transaction input %d spends (%s): %w", i, in.PreviousOutPoint, err)
		}
		if source.TxHash() != in.PreviousOutPoint.Hash || int(in.PreviousOutPoint.Index) >= len(source.TxOut) {
			return nil, 0, w.node.BadData("getrawtransaction", nil, "transaction %s has no output %d", in.PreviousOutPoint.Hash, in.PreviousOutPoint.Index)
		}
		out := source.TxOut[in.PreviousOutPoint.Index]
		spent = append(spent, UTXO{OutPoint: in.PreviousOutPoint, Value: out.Value, PkScript: out.PkScript, SourceTx: source})
	}
	return w.BumpFee(tx, spent, newFeeRate)
}
