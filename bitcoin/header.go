package bitcoin

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// HeaderSize is the size of a serialized block header.
const HeaderSize = 80

// ParseHeader decodes one serialized block header. Anything other than exactly
// 80 bytes is rejected, so trailing data cannot ride along unnoticed.
func ParseHeader(raw []byte) (*wire.BlockHeader, error) {
	if len(raw) != HeaderSize {
		return nil, fmt.Errorf("%w: got %d bytes", ErrHeaderLength, len(raw))
	}
	// Decoded by hand: every 80-byte string is a header, and this avoids
	// wire's reader machinery on the keeper's hot path.
	h := &wire.BlockHeader{
		Version:   int32(binary.LittleEndian.Uint32(raw[0:4])),
		Timestamp: time.Unix(int64(binary.LittleEndian.Uint32(raw[68:72])), 0),
		Bits:      binary.LittleEndian.Uint32(raw[72:76]),
		Nonce:     binary.LittleEndian.Uint32(raw[76:80]),
	}
	copy(h.PrevBlock[:], raw[4:36])
	copy(h.MerkleRoot[:], raw[36:68])
	return h, nil
}

// blockHash is h.BlockHash() without wire's buffers: serialize into an array
// and hash it.
func blockHash(h *wire.BlockHeader) chainhash.Hash {
	var raw [HeaderSize]byte
	binary.LittleEndian.PutUint32(raw[0:4], uint32(h.Version))
	copy(raw[4:36], h.PrevBlock[:])
	copy(raw[36:68], h.MerkleRoot[:])
	binary.LittleEndian.PutUint32(raw[68:72], uint32(h.Timestamp.Unix()))
	binary.LittleEndian.PutUint32(raw[72:76], h.Bits)
	binary.LittleEndian.PutUint32(raw[76:80], h.Nonce)
	return chainhash.DoubleHashH(raw[:])
}

// HeaderHash returns the block hash (double SHA-256, internal byte order) of a
// serialized header without decoding it.
func HeaderHash(raw []byte) (chainhash.Hash, error) {
	if len(raw) != HeaderSize {
		return chainhash.Hash{}, fmt.Errorf("%w: got %d bytes", ErrHeaderLength, len(raw))
	}
	return chainhash.DoubleHashH(raw), nil
}

// CompactToBig decodes a compact "nBits" number as Bitcoin Core's
// arith_uint256::SetCompact does. negative and overflow report the encodings
// Core refuses as a proof-of-work target.
func CompactToBig(bits uint32) (n *big.Int, negative, overflow bool) {
	size := bits >> 24
	word := bits & 0x007fffff
	n = new(big.Int)
	if size <= 3 {
		n.SetUint64(uint64(word >> (8 * (3 - size))))
	} else {
		n.SetUint64(uint64(word))
		n.Lsh(n, uint(8*(size-3)))
	}
	negative = word != 0 && bits&0x00800000 != 0
	overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
	return n, negative, overflow
}

// BigToCompact encodes a non-negative number in compact form as Core's
// arith_uint256::GetCompact does: the mantissa keeps the 3 most significant
// bytes and never has its sign bit set.
func BigToCompact(n *big.Int) uint32 {
	if n.Sign() <= 0 {
		return 0
	}
	size := uint32((n.BitLen() + 7) / 8)
	var word uint32
	if size <= 3 {
		word = uint32(n.Uint64()) << (8 * (3 - size))
	} else {
		word = uint32(new(big.Int).Rsh(n, uint(8*(size-3))).Uint64())
	}
	if word&0x00800000 != 0 {
		word >>= 8
		size++
	}
	return word | size<<24
}

// twoTo256 is 2^256, the size of the hash space.
var twoTo256 = new(big.Int).Lsh(big.NewInt(1), 256)

// CalcWork returns the expected number of hashes needed to find a block with
// this nBits, 2^256 / (target+1), as Core's GetBlockProof does. An invalid
// target counts as zero work.
func CalcWork(bits uint32) *big.Int {
	target, negative, overflow := CompactToBig(bits)
	if negative || overflow || target.Sign() == 0 {
		return new(big.Int)
	}
	return target.Div(twoTo256, target.Add(target, big.NewInt(1)))
}

// hashToBig reads a block hash as the 256-bit number proof of work compares:
// the internal byte order is little-endian.
func hashToBig(hash *chainhash.Hash) *big.Int {
	var be [chainhash.HashSize]byte
	for i := range hash {
		be[chainhash.HashSize-1-i] = hash[i]
	}
	return new(big.Int).SetBytes(be[:])
}

// CheckProofOfWork checks, as Core's CheckProofOfWork does, that bits encodes
// a valid target no easier than powLimit and that hash meets it.
func CheckProofOfWork(hash chainhash.Hash, bits uint32, powLimit *big.Int) error {
	target, negative, overflow := CompactToBig(bits)
	if negative || overflow || target.Sign() == 0 {
		return fmt.Errorf("%w: nBits 0x%08x", ErrInvalidTarget, bits)
	}
	if target.Cmp(powLimit) > 0 {
		return fmt.Errorf("%w: nBits 0x%08x, limit 0x%08x", ErrTargetAboveLimit, bits, BigToCompact(powLimit))
	}
	if hashToBig(&hash).Cmp(target) > 0 {
		return fmt.Errorf("%w: hash %s, nBits 0x%08x", ErrHashAboveTarget, hash, bits)
	}
	return nil
}
