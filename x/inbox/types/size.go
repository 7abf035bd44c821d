package types

import (
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// CheckSizes refuses an inbox transaction or a funding transaction above MaxInboxTxBytes or
// MaxInboxFundingBytes. x/inbox measures the bytes a proof gives; the proofs honest nodes build
// (btclctypes.NewInclusionProof) give the transaction in its bitcoin.SignerForm (input 0's
// witness alone) and the funding transaction without witness, and the node guard measures those
// forms, so the guard never waits for an operation the chain would refuse, nor ignores one it
// would take.
func CheckSizes(txBytes, fundingBytes int) error {
	if txBytes > MaxInboxTxBytes || fundingBytes > MaxInboxFundingBytes {
		return ErrProofTooLarge.Wrapf("transaction %d bytes (at most %d), funding transaction %d bytes (at most %d): "+
			"spend a coin of a smaller transaction first (send it to yourself)", txBytes, MaxInboxTxBytes, fundingBytes, MaxInboxFundingBytes)
	}
	return nil
}

// CheckTxSizes is CheckSizes of tx and funding in the forms proofs carry them (tx in its
// bitcoin.SignerForm, funding without witness): what the node guard and the wallet judge a
// transaction by before any proof exists.
func CheckTxSizes(tx, funding *wire.MsgTx) error {
	return CheckSizes(bitcoin.SignerForm(tx).SerializeSize(), funding.SerializeSizeStripped())
}
