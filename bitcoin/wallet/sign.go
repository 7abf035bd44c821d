package wallet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

const (
	// The signer grinds its nonce until the DER signature is exactly 70
	// bytes (r and s both 32 bytes without a sign pad), so every input has
	// the same size and the size estimate is exact, not an upper bound.
	derSigSize     = 70
	sigWithHashLen = derSigSize + 1 // plus the sighash type byte
	pubKeySize     = 33             // compressed
	// maxSignAttempts bounds the grinding; each attempt succeeds with
	// probability about 1/2.
	maxSignAttempts = 256
)

// sign signs every input of tx, which spends coins in order (all paying the
// wallet's script) with SIGHASH_ALL, then runs the script engine on each
// input and checks that the payee x/pop will bind, the signer account of the
// first input through the transaction that created its coin, is the
// wallet's: a transaction that fails either is never returned.
func (w *Wallet) sign(tx *wire.MsgTx, coins []UTXO) error {
	prevOuts := txscript.NewMultiPrevOutFetcher(nil)
	for _, c := range coins {
		prevOuts.AddPrevOut(c.OutPoint, wire.NewTxOut(c.Value, w.pkScript))
	}
	// BIP143 digests commit to the spent amounts through this cache.
	sigHashes := txscript.NewTxSigHashes(tx, prevOuts)
	for i, c := range coins {
		var digest []byte
		var err error
		if w.kind == P2WPKH {
			digest, err = txscript.CalcWitnessSigHash(w.pkScript, sigHashes, txscript.SigHashAll, tx, i, c.Value)
		} else {
			digest, err = txscript.CalcSignatureHash(w.pkScript, txscript.SigHashAll, tx, i)
		}
		if err != nil {
			return fmt.Errorf("signing input %d: %v", i, err)
		}
		sig, err := signFixedSize(w.key, digest)
		if err != nil {
			return fmt.Errorf("signing input %d: %v", i, err)
		}
		sig = append(sig, byte(txscript.SigHashAll))
		if w.kind == P2WPKH {
			tx.TxIn[i].Witness = wire.TxWitness{sig, bytes.Clone(w.pubKey)}
		} else {
			script, err := txscript.NewScriptBuilder().AddData(sig).AddData(w.pubKey).Script()
			if err != nil {
				return fmt.Errorf("signing input %d: %v", i, err)
			}
			tx.TxIn[i].SignatureScript = script
		}
	}
	for i, c := range coins {
		vm, err := txscript.NewEngine(w.pkScript, tx, i, txscript.StandardVerifyFlags, nil, sigHashes, c.Value, prevOuts)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return fmt.Errorf("signed input %d does not verify: %v", i, err)
		}
	}
	if coins[0].SourceTx == nil {
		return fmt.Errorf("%w: the first coin (%s) has no source transaction, so no proof could bind the PoP payee to the wallet's key", ErrBadInput, coins[0].OutPoint)
	}
	payee, err := bitcoin.InputSignerAccount(tx, coins[0].SourceTx)
	if err != nil {
		return fmt.Errorf("the PoP payee of the first input would not be bound: %w", err)
	}
	if payee != w.Payee() {
		return errors.New("the first input is not signed by the wallet's key, so the PoP payee would not be the wallet's")
	}
	return nil
}

// signFixedSize signs hash with key: ECDSA with an RFC6979 nonce and low S
// (BIP62), like ecdsa.Sign, whose signature it returns when that one is 70
// bytes in DER. Otherwise it tries again with extra nonce data (a counter,
// the way Bitcoin Core grinds for low R) until the signature is 70 bytes,
// which makes every input of the wallet the same size, so fees computed
// before signing are exact. The signature is verified by the script engine
// before any transaction leaves the wallet.
func signFixedSize(key *btcec.PrivateKey, hash []byte) ([]byte, error) {
	if len(hash) != chainhash.HashSize {
		return nil, fmt.Errorf("digest is %d bytes, want %d", len(hash), chainhash.HashSize)
	}
	secret := key.Key.Bytes()
	defer clear(secret[:])
	var e btcec.ModNScalar
	e.SetByteSlice(hash)
	for attempt := uint32(0); attempt < maxSignAttempts; attempt++ {
		var extra []byte
		if attempt > 0 {
			extra = make([]byte, 32)
			binary.LittleEndian.PutUint32(extra, attempt)
		}
		k := btcec.NonceRFC6979(secret[:], hash, extra, nil, 0)
		// r = x(k·G) mod n; s = k⁻¹·(e + r·d) mod n, negated if above n/2.
		var kG btcec.JacobianPoint
		btcec.ScalarBaseMultNonConst(k, &kG)
		kG.ToAffine()
		var r btcec.ModNScalar
		r.SetBytes(kG.X.Bytes())
		kInv := new(btcec.ModNScalar).InverseValNonConst(k)
		k.Zero()
		s := new(btcec.ModNScalar).Mul2(&key.Key, &r).Add(&e).Mul(kInv)
		if r.IsZero() || s.IsZero() {
			continue
		}
		if s.IsOverHalfOrder() {
			s.Negate()
		}
		if sig := ecdsa.NewSignature(&r, s).Serialize(); len(sig) == derSigSize {
			return sig, nil
		}
	}
	return nil, fmt.Errorf("no %d-byte signature in %d attempts", derSigSize, maxSignAttempts)
}
