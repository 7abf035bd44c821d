package types

import (
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	appparams "github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
)

// TxID is o's txid. Hashes are 32 bytes (checked when written).
func (o Op) TxID() chainhash.Hash { return hash(o.Txid) }

// BlockHash is o's Bitcoin block hash.
func (o Op) BlockHash() chainhash.Hash { return hash(o.BtcBlockHash) }

// SpentOutpoint is "txid:vout" of the outpoint o's first input spends.
func (o Op) SpentOutpoint() string { return fmt.Sprintf("%s:%d", hash(o.SpentTxid), o.SpentVout) }

func hash(b []byte) chainhash.Hash {
	var h chainhash.Hash
	copy(h[:], b)
	return h
}

// Denom is the bank denomination of a transfer's denom byte.
func Denom(d bitcoin.InboxDenom) string {
	if d == bitcoin.InboxSat {
		return appparams.BTCDenom
	}
	return appparams.BaseDenom
}

// View renders o for queries: hashes in display order, the payload decoded.
func (o Op) View() OpView {
	v := OpView{
		Txid:           o.TxID().String(),
		SpentOutpoint:  o.SpentOutpoint(),
		BtcBlockHash:   o.BlockHash().String(),
		BtcHeight:      o.BtcHeight,
		TxIndex:        o.TxIndex,
		Account:        o.Account,
		Type:           o.Type,
		Status:         o.Status,
		Reason:         o.Reason,
		ProvenHeight:   o.ProvenHeight,
		ExecutedHeight: o.ExecutedHeight,
		WithdrawalId:   o.WithdrawalId,
	}
	p, err := bitcoin.ParseInboxPayload(o.Payload)
	if err != nil { // recorded payloads parsed when proven
		return v
	}
	switch p.Op {
	case bitcoin.InboxTransfer:
		v.Denom, v.Amount, v.To = Denom(p.Denom), p.AmountInt().String(), sdk.AccAddress(p.To[:]).String()
	case bitcoin.InboxWithdrawal:
		v.Denom, v.Amount, v.MaxFeeSats, v.Script = appparams.BTCDenom, fmt.Sprint(p.AmountSats), p.MaxFeeSats, hex.EncodeToString(p.Script)
	case bitcoin.InboxUndelegate:
		v.Denom, v.Amount, v.Validator = appparams.BaseDenom, p.AmountInt().String(), sdk.ValAddress(p.Validator[:]).String()
	}
	return v
}
