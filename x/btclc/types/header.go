package types

import (
	"encoding/hex"
	"math/big"

	"cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// NewHeaderInfo builds the stored form of a canonical header. The work must
// fit in 256 bits, which every real chain does by a wide margin; the check
// keeps math.Uint from panicking on a value that does not.
func NewHeaderInfo(raw []byte, height uint64, cumulativeWork *big.Int) (HeaderInfo, error) {
	if err := math.UintOverflow(cumulativeWork); err != nil {
		return HeaderInfo{}, ErrInvalidHeader.Wrapf("cumulative work at height %d: %v", height, err)
	}
	return HeaderInfo{Header: raw, Height: height, CumulativeWork: math.NewUintFromBigInt(cumulativeWork)}, nil
}

// Hash is the block hash in internal byte order.
func (h HeaderInfo) Hash() chainhash.Hash { return chainhash.DoubleHashH(h.Header) }

// BlockHeader decodes the stored 80 bytes.
func (h HeaderInfo) BlockHeader() (*wire.BlockHeader, error) {
	bh, err := bitcoin.ParseHeader(h.Header)
	if err != nil {
		return nil, WrapBitcoinError(err)
	}
	return bh, nil
}

// Work is the cumulative work as a big.Int (zero when unset).
func (h HeaderInfo) Work() *big.Int {
	if h.CumulativeWork.IsNil() {
		return new(big.Int)
	}
	return h.CumulativeWork.BigInt()
}

// View decodes a stored header for queries: every field, hashes in display
// order.
func (h HeaderInfo) View() (HeaderView, error) {
	bh, err := h.BlockHeader()
	if err != nil {
		return HeaderView{}, err
	}
	return HeaderView{
		Hash:           h.Hash().String(),
		Height:         h.Height,
		Version:        bh.Version,
		PrevBlock:      bh.PrevBlock.String(),
		MerkleRoot:     bh.MerkleRoot.String(),
		Time:           uint32(bh.Timestamp.Unix()),
		Bits:           bh.Bits,
		Nonce:          bh.Nonce,
		CumulativeWork: h.Work().String(),
		HeaderHex:      hex.EncodeToString(h.Header),
	}, nil
}
