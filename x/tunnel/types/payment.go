package types

import (
	"bytes"

	"github.com/btcsuite/btcd/wire"
)

// PaidTo is what a payment pays a withdrawal's script: its largest output paying exactly
// script (0 if none does). MsgProveWithdrawal requires at least amount − max_fee of it, and the
// custodian counts a transaction as a withdrawal's payment by the same rule.
func PaidTo(tx *wire.MsgTx, script []byte) uint64 {
	var paid uint64
	for _, out := range tx.TxOut {
		if out != nil && out.Value > 0 && bytes.Equal(out.PkScript, script) {
			paid = max(paid, uint64(out.Value))
		}
	}
	return paid
}

// Due is the least a payment of w must pay its script: amount − max_fee (never below 0).
func (w Withdrawal) Due() uint64 { return w.Amount - min(w.MaxFee, w.Amount) }
