package datagen

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// Regtest headers meet their target about every second try (the pow limit
// 0x207fffff is half the hash space), so tests can mine what real data cannot
// provide: forks of any shape, and headers that are valid except for one rule.

// RegtestBits is regtest's nBits: the pow limit, which never retargets.
const RegtestBits = 0x207fffff

// RegtestSpacing is the time between generated headers: Bitcoin's target
// spacing, so a chain stays well inside the 20-minute rule and the median
// time always advances.
const RegtestSpacing = 10 * time.Minute

// RegtestGenesis returns regtest's genesis header (height 0).
func RegtestGenesis() wire.BlockHeader {
	return chaincfg.RegressionNetParams.GenesisBlock.Header
}

// SerializeHeader returns the 80-byte wire form of h.
func SerializeHeader(h *wire.BlockHeader) []byte {
	var buf bytes.Buffer
	buf.Grow(bitcoin.HeaderSize)
	_ = h.Serialize(&buf) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// SerializeHeaders serializes each header.
func SerializeHeaders(hs []wire.BlockHeader) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = SerializeHeader(&hs[i])
	}
	return out
}

// Mine sets h's nonce to the first that meets h's own nBits under the
// network's pow limit. Only regtest-like targets are feasible.
func Mine(tb testing.TB, p *bitcoin.Params, h *wire.BlockHeader) {
	tb.Helper()
	for nonce := uint32(0); nonce < 1<<20; nonce++ {
		h.Nonce = nonce
		if bitcoin.CheckProofOfWork(h.BlockHash(), h.Bits, p.Chain.PowLimit) == nil {
			return
		}
	}
	tb.Fatalf("could not mine a header with nBits 0x%08x", h.Bits)
}

// RegtestChild returns a mined version-4 regtest header on top of parent,
// RegtestSpacing later. tag is written into the merkle root, so children of
// the same parent with different tags are different blocks (forks).
func RegtestChild(tb testing.TB, parent *wire.BlockHeader, tag uint32) wire.BlockHeader {
	tb.Helper()
	parentHash := parent.BlockHash()
	var root chainhash.Hash
	binary.LittleEndian.PutUint32(root[0:4], tag)
	copy(root[4:], parentHash[:28])
	h := wire.BlockHeader{
		Version:    4, // valid at every regtest height (BIP34/65/66)
		PrevBlock:  parentHash,
		MerkleRoot: root,
		Timestamp:  parent.Timestamp.Add(RegtestSpacing),
		Bits:       RegtestBits,
	}
	Mine(tb, Network(tb, bitcoin.RegTest), &h)
	return h
}

// RegtestChain returns n valid regtest headers, each the child of the one
// before, starting on top of parent. Chains built with different tags from
// the same parent are disjoint forks of equal work per header.
func RegtestChain(tb testing.TB, parent wire.BlockHeader, n int, tag uint32) []wire.BlockHeader {
	tb.Helper()
	out := make([]wire.BlockHeader, 0, n)
	for range n {
		child := RegtestChild(tb, &parent, tag)
		out = append(out, child)
		parent = child
	}
	return out
}

// BadPoW returns h with a nonce that leaves its hash above the regtest target in its nBits (the
// regtest target passes about half of all hashes, so the nonce is searched): a header with bad
// proof of work and nothing else changed.
func BadPoW(tb testing.TB, h wire.BlockHeader) wire.BlockHeader {
	tb.Helper()
	limit := Network(tb, bitcoin.RegTest).Chain.PowLimit
	for n := uint32(0); n < 1000; n++ {
		h.Nonce = n
		if bitcoin.CheckProofOfWork(h.BlockHash(), h.Bits, limit) != nil {
			return h
		}
	}
	tb.Fatal("no nonce with bad proof of work found")
	return h
}
