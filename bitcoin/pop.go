package bitcoin

import (
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"golang.org/x/crypto/sha3"
)

// Proof-of-Proof payload: the abbreviated keystone that a PoP miner writes
// into a Bitcoin transaction, in the byte layout of Hemi's L2KeystoneAbrev so
// that the same payload means the same thing on both chains.

const (
	// AbbreviatedKeystoneSize is the size of a serialized AbbreviatedKeystone.
	AbbreviatedKeystoneSize = 76

	// AbbreviatedKeystoneVersion is the only version this chain writes and
	// accepts.
	AbbreviatedKeystoneVersion = 1

	// PoPScriptSize is the size of the output script that carries a payload:
	// OP_RETURN, OP_PUSHDATA1, the length byte, "HEMI" and the keystone.
	PoPScriptSize = len(popScriptPrefix) + AbbreviatedKeystoneSize
)

// popScriptPrefix is everything before the keystone: OP_RETURN (0x6a), then
// OP_PUSHDATA1 (0x4c) with length 0x50 (80 = 4 magic bytes + 76), then the
// magic "HEMI". OP_PUSHDATA1 is the minimal push for 80 bytes, which is what
// a standard script builder writes. The magic keeps other protocols' OP_RETURN
// data of the same length (Stacks, for one, also pushes 80 bytes) from being
// read as a keystone.
const popScriptPrefix = "\x6a\x4c\x50HEMI"

// Serialized public key sizes.
const (
	compressedKeySize   = 33
	uncompressedKeySize = 65
)

// AbbreviatedKeystone is the 76-byte form of a keystone that PoP miners
// publish on Bitcoin. The block hashes are cut to prefixes so that the
// payload fits Bitcoin's 80-byte OP_RETURN standardness limit; AppHash, the
// commitment to the chain's state, is kept whole.
type AbbreviatedKeystone struct {
	// Version must be AbbreviatedKeystoneVersion for the keystone to parse.
	Version uint8
	// BTCHeight is the Bitcoin tip height the keystone block saw.
	BTCHeight uint32
	// KeystoneHeight is the height of the keystone block.
	KeystoneHeight         uint32
	ParentHashPrefix       [11]byte
	PrevKeystoneHashPrefix [12]byte
	AppHash                [32]byte
	BlockHashPrefix        [12]byte
}

// Serialize returns the 76-byte big-endian layout:
//
//	[0]      version
//	[1:5]    BTC height
//	[5:9]    keystone height
//	[9:20]   parent hash prefix
//	[20:32]  previous keystone hash prefix
//	[32:64]  app hash
//	[64:76]  block hash prefix
func (k AbbreviatedKeystone) Serialize() [AbbreviatedKeystoneSize]byte {
	var b [AbbreviatedKeystoneSize]byte
	b[0] = k.Version
	binary.BigEndian.PutUint32(b[1:5], k.BTCHeight)
	binary.BigEndian.PutUint32(b[5:9], k.KeystoneHeight)
	copy(b[9:20], k.ParentHashPrefix[:])
	copy(b[20:32], k.PrevKeystoneHashPrefix[:])
	copy(b[32:64], k.AppHash[:])
	copy(b[64:76], k.BlockHashPrefix[:])
	return b
}

// ID is the keystone's identifier: the double SHA-256 of its 76 bytes.
func (k AbbreviatedKeystone) ID() chainhash.Hash {
	b := k.Serialize()
	return chainhash.DoubleHashH(b[:])
}

// ParseAbbreviatedKeystone decodes exactly 76 bytes of version 1. Any other
// length is refused, so no trailing bytes can ride along with a payload, and
// any other version is refused because its layout is not known.
func ParseAbbreviatedKeystone(b []byte) (AbbreviatedKeystone, error) {
	if len(b) != AbbreviatedKeystoneSize {
		return AbbreviatedKeystone{}, fmt.Errorf("%w: got %d bytes", ErrKeystoneLength, len(b))
	}
	if b[0] != AbbreviatedKeystoneVersion {
		return AbbreviatedKeystone{}, fmt.Errorf("%w: got version %d", ErrKeystoneVersion, b[0])
	}
	k := AbbreviatedKeystone{
		Version:        b[0],
		BTCHeight:      binary.BigEndian.Uint32(b[1:5]),
		KeystoneHeight: binary.BigEndian.Uint32(b[5:9]),
	}
	copy(k.ParentHashPrefix[:], b[9:20])
	copy(k.PrevKeystoneHashPrefix[:], b[20:32])
	copy(k.AppHash[:], b[32:64])
	copy(k.BlockHashPrefix[:], b[64:76])
	return k, nil
}

// PoPScript returns the 83-byte output script that publishes k:
// OP_RETURN OP_PUSHDATA1 0x50 "HEMI" ‖ k.Serialize().
func PoPScript(k AbbreviatedKeystone) []byte {
	ks := k.Serialize()
	script := make([]byte, 0, PoPScriptSize)
	script = append(script, popScriptPrefix...)
	return append(script, ks[:]...)
}

// isPoPScript reports whether script has the exact form of a PoP payload
// output, whatever the keystone bytes say.
func isPoPScript(script []byte) bool {
	return len(script) == PoPScriptSize && string(script[:len(popScriptPrefix)]) == popScriptPrefix
}

// ParsePoPScript returns the keystone an output script publishes. Only the
// exact form PoPScript writes is accepted: another push encoding, extra or
// missing bytes, or another magic is ErrNotPoPScript, so that one keystone
// has exactly one script and a payload compares byte for byte.
func ParsePoPScript(script []byte) (AbbreviatedKeystone, error) {
	if !isPoPScript(script) {
		return AbbreviatedKeystone{}, fmt.Errorf("%w: %d-byte script", ErrNotPoPScript, len(script))
	}
	return ParseAbbreviatedKeystone(script[len(popScriptPrefix):])
}

// isCoinbase reports whether tx is a coinbase: its only input spends the null
// outpoint.
func isCoinbase(tx *wire.MsgTx) bool {
	if len(tx.TxIn) != 1 {
		return false
	}
	prev := tx.TxIn[0].PreviousOutPoint
	return prev.Index == wire.MaxPrevOutIndex && prev.Hash == chainhash.Hash{}
}

// FindPoPPayload returns the keystone a PoP transaction publishes. The
// transaction must not be a coinbase (a Bitcoin miner writes it, and its
// free-form input has no key to pay) and must have exactly one output in
// the PoP script form. Two such outputs are refused rather than picking one:
// it would be ambiguous which keystone the transaction publishes. An output
// in the PoP form whose keystone does not parse (another version) still
// counts as a PoP output, so it cannot hide next to a valid one.
func FindPoPPayload(tx *wire.MsgTx) (AbbreviatedKeystone, error) {
	if tx == nil {
		return AbbreviatedKeystone{}, fmt.Errorf("%w: no transaction", ErrNoPoPPayload)
	}
	if isCoinbase(tx) {
		return AbbreviatedKeystone{}, fmt.Errorf("%w: it is a coinbase", ErrNoPoPPayload)
	}
	found := -1
	for i, out := range tx.TxOut {
		if !isPoPScript(out.PkScript) {
			continue
		}
		if found >= 0 {
			return AbbreviatedKeystone{}, fmt.Errorf("%w: outputs %d and %d", ErrMultiplePoPPayloads, found, i)
		}
		found = i
	}
	if found < 0 {
		return AbbreviatedKeystone{}, fmt.Errorf("%w: none of %d outputs", ErrNoPoPPayload, len(tx.TxOut))
	}
	k, err := ParsePoPScript(tx.TxOut[found].PkScript)
	if err != nil {
		return AbbreviatedKeystone{}, fmt.Errorf("output %d: %w", found, err)
	}
	return k, nil
}

// p2pkhKey returns the public key of a P2PKH scriptSig, <sig> <pubkey>, or
// nil. An empty signature is refused: OP_CHECKSIG fails on it, so no mined
// P2PKH spend has one.
func p2pkhKey(scriptSig []byte) []byte {
	pushes, ok := scriptPushes(scriptSig)
	if !ok || len(pushes) != 2 || len(pushes[0]) == 0 {
		return nil
	}
	key := pushes[1]
	if len(key) != compressedKeySize && len(key) != uncompressedKeySize {
		return nil
	}
	return key
}

// KeyPayee is the hemi account a PoP transaction pays when pub's key signs its
// first input (see InputSignerAccount): a wallet knows its payee with it.
func KeyPayee(pub *btcec.PublicKey) [20]byte { return ethAddress(pub) }

// ethAddress is the Ethereum address of pub: the last 20 bytes of the
// Keccak-256 (the original Keccak padding, not SHA3-256) of X ‖ Y.
func ethAddress(pub *btcec.PublicKey) [20]byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(pub.SerializeUncompressed()[1:]) // drop the 0x04 format byte
	var sum [32]byte
	h.Sum(sum[:0])
	var addr [20]byte
	copy(addr[:], sum[12:])
	return addr
}

// scriptPushes splits a script that consists only of data pushes (OP_0,
// OP_DATA_1..75, OP_PUSHDATA1/2/4) into the pushed data. Any other opcode, or
// a push that runs past the end of the script, makes it fail.
func scriptPushes(script []byte) ([][]byte, bool) {
	const (
		opPushData1 = 0x4c
		opPushData2 = 0x4d
		opPushData4 = 0x4e
	)
	var pushes [][]byte
	for i := 0; i < len(script); {
		op := script[i]
		i++
		var n uint64
		switch {
		case op < opPushData1:
			n = uint64(op)
		case op == opPushData1 && len(script)-i >= 1:
			n = uint64(script[i])
			i++
		case op == opPushData2 && len(script)-i >= 2:
			n = uint64(binary.LittleEndian.Uint16(script[i:]))
			i += 2
		case op == opPushData4 && len(script)-i >= 4:
			n = uint64(binary.LittleEndian.Uint32(script[i:]))
			i += 4
		default: // not a push, or a length that is cut off
			return nil, false
		}
		if n > uint64(len(script)-i) {
			return nil, false
		}
		pushes = append(pushes, script[i:i+int(n)])
		i += int(n)
	}
	return pushes, true
}
