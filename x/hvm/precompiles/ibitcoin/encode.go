package ibitcoin

import (
	"encoding/binary"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
)

// The return values of the methods that answer the most, ABI-encoded by hand: go-ethereum's
// reflective packer took 30 µs for a header and most of a verifyTx of a transaction with many
// outputs (3,000 outputs: 25 ms, mostly allocation), which gas would have to pay for. The
// encoding is the ABI's (TestEncodingIsTheABIs compares it with go-ethereum's for each shape).

const word = 32

// putUint writes v as the ABI word at out[:32] (out is zero).
func putUint(out []byte, v uint64) { binary.BigEndian.PutUint64(out[word-8:word], v) }

// encodeHeader is the ABI encoding of one IBitcoin.Header, a static tuple of 9 words.
func encodeHeader(h precompiles.Header) []byte {
	out := make([]byte, 9*word)
	putUint(out[0:], h.Height)
	copy(out[1*word:], h.Hash[:])
	putUint(out[2*word:], uint64(h.Version))
	copy(out[3*word:], h.PrevHash[:])
	copy(out[4*word:], h.MerkleRoot[:])
	putUint(out[5*word:], uint64(h.Time))
	putUint(out[6*word:], uint64(h.Bits))
	putUint(out[7*word:], uint64(h.Nonce))
	h.CumulativeWork.FillBytes(out[8*word : 9*word]) // x/btclc keeps it below 2^256
	return out
}

// padded is n rounded up to whole words.
func padded(n int) int { return (n + word - 1) / word * word }

// encodeVerifyTx is the ABI encoding of verifyTx's return values (bytes32 txid, uint64 height,
// uint64 confirmations, Output[] outputs), in one allocation. outs' values are checked to be
// within 0 and the supply by the caller.
func encodeVerifyTx(txid [32]byte, height, confirmations uint64, outs []*wire.TxOut) []byte {
	// Head: 4 words. Tail: the array's length, one offset per output, then each output: its
	// value, the offset of its script (always 2 words), the script's length and its words.
	size := 4*word + word + len(outs)*word
	for _, o := range outs {
		size += 3*word + padded(len(o.PkScript))
	}
	out := make([]byte, size)
	copy(out, txid[:])
	putUint(out[1*word:], height)
	putUint(out[2*word:], confirmations)
	putUint(out[3*word:], 4*word) // the array starts after the head
	array := out[4*word:]
	putUint(array, uint64(len(outs)))
	offsets, elems := array[word:], len(outs)*word // element offsets count from the first offset
	for i, o := range outs {
		putUint(offsets[i*word:], uint64(elems))
		e := offsets[elems:]
		putUint(e, uint64(o.Value))
		putUint(e[word:], 2*word)
		putUint(e[2*word:], uint64(len(o.PkScript)))
		copy(e[3*word:], o.PkScript)
		elems += 3*word + padded(len(o.PkScript))
	}
	return out
}
