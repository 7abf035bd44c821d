package bitcoin

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"
)

// Key binding: which account signed a transaction's first input.
//
// A txid, which is all a merkle proof commits to, does not cover witness
// data, and a scriptSig or witness alone does not say which script it
// satisfies. So the key is only bound to the transaction when it is checked
// against the output that input 0 spends: that output is part of the funding
// transaction, whose txid the input's outpoint commits to, so the funding
// transaction cannot be swapped either. Bitcoin validated the spend against
// exactly that output when it mined the transaction; a key that hashes to
// the output's key hash is therefore the key whose signature Bitcoin checked,
// and any other key, or a witness where the output type allows none, is not
// what was mined.

// Standard output script sizes and opcodes.
const (
	opDup         = 0x76
	opHash160     = 0xa9
	opEqual       = 0x87
	opEqualVerify = 0x88
	opCheckSig    = 0xac
	opData20      = 0x14
	opData22      = 0x16
	opZero        = 0x00

	p2pkhScriptSize   = 25 // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
	p2wpkhProgramSize = 22 // OP_0 <20>
	p2shScriptSize    = 23 // OP_HASH160 <20> OP_EQUAL
)

// InputSignerAccount returns the account of the key that signs tx's first
// input: the Ethereum-style address (the last 20 bytes of the Keccak-256 of
// the 64-byte uncompressed key X ‖ Y) of that key. funding is the
// transaction whose output input 0 spends; its txid must be input 0's
// outpoint hash and it must have the output the outpoint names.
//
// The spent output's type decides where the key is read, and the key must
// hash (HASH160) to what the output commits to:
//
//   - P2PKH: a scriptSig of exactly two pushes <sig> <pubkey>, with a 33- or
//     65-byte key, and no witness;
//   - P2WPKH: an empty scriptSig and a witness of exactly [sig, 33-byte key];
//   - P2SH wrapping P2WPKH: a scriptSig that is exactly the push of the
//     redeem script OP_0 <20 bytes>, whose HASH160 is the output's script
//     hash, and a witness [sig, 33-byte key] whose key hashes to the redeem
//     script's 20 bytes.
//
// Every other case has no account: a coinbase, another output type (P2TR,
// P2WSH, bare multisig, a P2SH that is not P2WPKH), a witness on a P2PKH
// spend or a missing one on a segwit spend, a key that does not hash to the
// output's commitment or is not on the curve. The error then wraps
// ErrNoSignerAccount, or ErrFundingTxMismatch when funding is missing or is
// not the transaction input 0 spends; it says which rule failed.
//
// The signature is not verified: the transaction was mined, so Bitcoin
// verified it against this output's key, and a key that matches the output
// is that key.
func InputSignerAccount(tx, funding *wire.MsgTx) ([20]byte, error) {
	if tx == nil || len(tx.TxIn) == 0 {
		return [20]byte{}, fmt.Errorf("%w: the transaction has no inputs", ErrNoSignerAccount)
	}
	if isCoinbase(tx) {
		return [20]byte{}, fmt.Errorf("%w: the transaction is a coinbase", ErrNoSignerAccount)
	}
	in := tx.TxIn[0]
	spent, err := SpentOutput(in.PreviousOutPoint, funding)
	if err != nil {
		return [20]byte{}, err
	}
	key, err := signerKey(in, spent.PkScript)
	if err != nil {
		return [20]byte{}, err
	}
	pub, err := btcec.ParsePubKey(key)
	if err != nil {
		return [20]byte{}, fmt.Errorf("%w: the key is not a point on secp256k1: %v", ErrNoSignerAccount, err)
	}
	return ethAddress(pub), nil
}

// SpentOutput returns the output op names in funding, which must be the
// transaction op.Hash names (ErrFundingTxMismatch otherwise).
func SpentOutput(op wire.OutPoint, funding *wire.MsgTx) (*wire.TxOut, error) {
	if funding == nil {
		return nil, fmt.Errorf("%w: no funding transaction given; send transaction %s", ErrFundingTxMismatch, op.Hash)
	}
	if got := funding.TxHash(); got != op.Hash {
		return nil, fmt.Errorf("%w: funding transaction is %s, input 0 spends an output of %s", ErrFundingTxMismatch, got, op.Hash)
	}
	if uint64(op.Index) >= uint64(len(funding.TxOut)) {
		return nil, fmt.Errorf("%w: input 0 spends output %d, the funding transaction has %d", ErrFundingTxMismatch, op.Index, len(funding.TxOut))
	}
	return funding.TxOut[op.Index], nil
}

// signerKey returns the serialized key that in's spend of pkScript checks,
// already matched with the hash pkScript commits to.
func signerKey(in *wire.TxIn, pkScript []byte) ([]byte, error) {
	switch {
	case isP2PKH(pkScript):
		if len(in.Witness) != 0 {
			return nil, fmt.Errorf("%w: input 0 spends a P2PKH output but carries a witness, which Bitcoin does not allow", ErrNoSignerAccount)
		}
		key := p2pkhKey(in.SignatureScript)
		if key == nil {
			return nil, fmt.Errorf("%w: input 0 spends a P2PKH output, but its scriptSig is not <sig> <pubkey>", ErrNoSignerAccount)
		}
		return keyForHash(key, pkScript[3:23], "the P2PKH output's key hash")

	case isP2WPKH(pkScript):
		if len(in.SignatureScript) != 0 {
			return nil, fmt.Errorf("%w: input 0 spends a P2WPKH output but has a scriptSig, which must be empty", ErrNoSignerAccount)
		}
		key, err := witnessKey(in.Witness, "P2WPKH")
		if err != nil {
			return nil, err
		}
		return keyForHash(key, pkScript[2:], "the P2WPKH output's program")

	case isP2SH(pkScript):
		// BIP141: the scriptSig of a wrapped witness program is exactly the
		// minimal push of the redeem script, 0x16 ‖ OP_0 ‖ 0x14 ‖ 20 bytes.
		sig := in.SignatureScript
		if len(sig) != 1+p2wpkhProgramSize || sig[0] != opData22 || !isP2WPKH(sig[1:]) {
			return nil, fmt.Errorf("%w: input 0 spends a P2SH output whose scriptSig is not the push of a P2WPKH redeem script", ErrNoSignerAccount)
		}
		redeem := sig[1:]
		if !bytes.Equal(btcutil.Hash160(redeem), pkScript[2:22]) {
			return nil, fmt.Errorf("%w: the redeem script does not hash to the P2SH output's script hash", ErrNoSignerAccount)
		}
		key, err := witnessKey(in.Witness, "P2SH-P2WPKH")
		if err != nil {
			return nil, err
		}
		return keyForHash(key, redeem[2:], "the redeem script's program")
	}
	return nil, fmt.Errorf("%w: input 0 spends a %d-byte output script that is not P2PKH, P2WPKH or P2SH (wrapping P2WPKH)", ErrNoSignerAccount, len(pkScript))
}

// witnessKey returns the key of a key-hash witness, [sig, 33-byte key].
func witnessKey(w wire.TxWitness, kind string) ([]byte, error) {
	if len(w) == 0 {
		return nil, fmt.Errorf("%w: input 0 spends a %s output but has no witness", ErrNoSignerAccount, kind)
	}
	if len(w) != 2 || len(w[0]) == 0 || len(w[1]) != compressedKeySize {
		return nil, fmt.Errorf("%w: input 0's witness for a %s output is not [signature, 33-byte key]", ErrNoSignerAccount, kind)
	}
	return w[1], nil
}

func keyForHash(key, hash []byte, what string) ([]byte, error) {
	if !bytes.Equal(btcutil.Hash160(key), hash) {
		return nil, fmt.Errorf("%w: the key does not hash to %s", ErrNoSignerAccount, what)
	}
	return key, nil
}

func isP2PKH(s []byte) bool {
	return len(s) == p2pkhScriptSize && s[0] == opDup && s[1] == opHash160 && s[2] == opData20 &&
		s[23] == opEqualVerify && s[24] == opCheckSig
}

func isP2WPKH(s []byte) bool {
	return len(s) == p2wpkhProgramSize && s[0] == opZero && s[1] == opData20
}

func isP2SH(s []byte) bool {
	return len(s) == p2shScriptSize && s[0] == opHash160 && s[1] == opData20 && s[22] == opEqual
}

// SignerForm returns tx with the witness of every input but input 0 removed: the same txid, and
// all that a chain reading only the signer (DecodeTxSignerWitness) needs. Proofs carry it, and
// size bounds on proven transactions measure it, so a transaction with a large witness on its
// other inputs is proven, and judged, as the few bytes the chain reads. tx is not changed.
func SignerForm(tx *wire.MsgTx) *wire.MsgTx {
	out := *tx
	out.TxIn = make([]*wire.TxIn, len(tx.TxIn))
	for i, in := range tx.TxIn {
		if i == 0 {
			out.TxIn[i] = in
			continue
		}
		c := *in
		c.Witness = nil
		out.TxIn[i] = &c
	}
	return &out
}
