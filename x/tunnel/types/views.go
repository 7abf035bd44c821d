package types

import (
	"encoding/hex"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// View renders d for queries and events: txid and block hash in display
// order, the proving tx hash in upper-case hex as CometBFT prints it.
func (d Deposit) View() DepositView {
	op := d.Outpoint()
	v := DepositView{
		Outpoint:     FormatOutpoint(op),
		Txid:         op.K1().String(),
		Vout:         d.Vout,
		Amount:       d.Amount,
		Recipient:    d.Recipient,
		BtcBlockHash: d.BlockHash().String(),
		BtcHeight:    d.BtcHeight,
		Status:       d.Status,
		ProvenHeight: d.ProvenHeight,
		MintedHeight: d.MintedHeight,
	}
	if len(d.ProvenTxHash) != 0 {
		v.ProvenTxHash = strings.ToUpper(hex.EncodeToString(d.ProvenTxHash))
	}
	return v
}

// View renders w for queries: the script in hex, the txid in display order.
func (w Withdrawal) View() WithdrawalView {
	v := WithdrawalView{
		Id:                 w.Id,
		Sender:             w.Sender,
		Script:             hex.EncodeToString(w.Script),
		Amount:             w.Amount,
		MaxFee:             w.MaxFee,
		Deadline:           w.Deadline,
		Status:             w.Status,
		RequestedHeight:    w.RequestedHeight,
		ClosedHeight:       w.ClosedHeight,
		RequestedBtcHeight: w.RequestedBtcHeight,
	}
	if len(w.BtcTxid) == chainhash.HashSize {
		var h chainhash.Hash
		copy(h[:], w.BtcTxid)
		v.BtcTxid = h.String()
	}
	return v
}
