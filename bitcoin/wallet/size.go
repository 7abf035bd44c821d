package wallet

import (
	"github.com/btcsuite/btcd/wire"
)

// VirtualSize is the virtual size of tx in vbytes: its weight (non-witness
// bytes count 4, witness bytes 1) divided by 4, rounded up.
// A nil transaction, or one with a nil input or output, has size 0.
func VirtualSize(tx *wire.MsgTx) int64 {
	if !wellFormed(tx) {
		return 0
	}
	weight := int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize())
	return (weight + 3) / 4
}

// inputSizes are the non-witness and witness bytes of one input this wallet
// signs, with the 71-byte signature the signer always produces.
func (w *Wallet) inputSizes() (base, witness int64) {
	const outPointAndSequence = 36 + 4
	if w.kind == P2PKH {
		// scriptSig: push(sig) push(pubkey), 106 bytes, behind its
		// 1-byte length.
		scriptSig := int64(1 + sigWithHashLen + 1 + pubKeySize)
		return outPointAndSequence + 1 + scriptSig, 0
	}
	// Empty scriptSig (its 1-byte length), and a witness of two items:
	// count, then each item behind its 1-byte length.
	return outPointAndSequence + 1, 1 + 1 + sigWithHashLen + 1 + pubKeySize
}

// EstimateVSize is the exact virtual size of a transaction this wallet signs
// with numInputs inputs and the given outputs (the change included, if any).
// A nil output counts as an output with an empty script.
func (w *Wallet) EstimateVSize(numInputs int, outputs []*wire.TxOut) int64 {
	numInputs = max(numInputs, 0)
	inBase, inWitness := w.inputSizes()
	base := int64(4 + 4) // version and lock time
	base += int64(wire.VarIntSerializeSize(uint64(numInputs))) + int64(numInputs)*inBase
	base += int64(wire.VarIntSerializeSize(uint64(len(outputs))))
	for _, out := range outputs {
		if out == nil {
			base += 8 + 1
			continue
		}
		base += int64(out.SerializeSize())
	}
	var witness int64
	if inWitness > 0 && numInputs > 0 {
		witness = 2 + int64(numInputs)*inWitness // segwit marker and flag
	}
	return (base*4 + witness + 3) / 4
}

// isSigned reports whether every input of tx carries a scriptSig or witness.
func isSigned(tx *wire.MsgTx) bool {
	for _, in := range tx.TxIn {
		if len(in.SignatureScript) == 0 && len(in.Witness) == 0 {
			return false
		}
	}
	return true
}
