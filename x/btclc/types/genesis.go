package types

import (
	"bytes"
	"fmt"
	"math"
	"math/big"

	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// DefaultGenesis follows regtest from its genesis block: it matches a fresh
// btcd or bitcoind regtest node (the demo and the e2e tests), and it is the
// only base every node of a network shares without configuration. Real
// networks set their own base with NewGenesisState.
func DefaultGenesis() *GenesisState {
	p, _ := bitcoin.NetworkByName(bitcoin.RegTest) // a constant name cannot fail
	g := p.Chain.GenesisBlock.Header
	var raw bytes.Buffer
	_ = g.Serialize(&raw) // writing to memory does not fail
	return &GenesisState{
		Params:  DefaultParams(),
		Network: bitcoin.RegTest,
		Headers: []HeaderInfo{{Header: raw.Bytes(), Height: 0, CumulativeWork: sdkmath.NewUintFromBigInt(bitcoin.CalcWork(g.Bits))}},
	}
}

// BaseAncestorCount is how many headers below the base a genesis carries:
// with the base they are the 11 timestamps of the median time past of the
// first header above it.
const BaseAncestorCount = 10

// NewGenesisState starts a light client at a trusted base header: its raw
// 80 bytes, its height (a multiple of 2016), the chain work up to and
// including it (bitcoind's getblockheader "chainwork") and the raw headers of
// its 10 ancestors, oldest first (none for a base at height 0).
func NewGenesisState(params Params, network string, baseHeight uint64, baseHeader []byte, baseWork *big.Int, ancestors [][]byte) (*GenesisState, error) {
	base, err := NewHeaderInfo(baseHeader, baseHeight, baseWork)
	if err != nil {
		return nil, err
	}
	gs := &GenesisState{Params: params, Network: network, Headers: []HeaderInfo{base}, BaseAncestors: ancestors}
	return gs, gs.Validate()
}

// Validate checks a genesis state as if every header were inserted again: a
// known network, a base header at a period start that meets its own proof of
// work (the network's genesis block at height 0), its 10 ancestors linked to
// it (none at height 0), then a chain of headers
// with consecutive heights, each valid on top of the ones before it as
// bitcoin.ValidateHeader checks it, and each carrying the cumulative work of
// the previous plus its own.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return ErrInvalidGenesis.Wrapf("params: %v", err)
	}
	p, err := bitcoin.NetworkByName(gs.Network)
	if err != nil {
		return ErrInvalidGenesis.Wrap(err.Error())
	}
	if len(gs.Headers) == 0 {
		return ErrInvalidGenesis.Wrap("headers must hold at least the base header")
	}

	base := gs.Headers[0]
	if base.Height >= math.MaxInt32 {
		return ErrInvalidGenesis.Wrapf("base height %d is beyond any bitcoin height", base.Height)
	}
	// A base header must start a difficulty period, so that every later
	// retarget and every minimum-difficulty walk-back finds the headers it
	// reads.
	if base.Height%bitcoin.RetargetInterval != 0 {
		return ErrInvalidGenesis.Wrapf("base height %d is not a multiple of %d: the base must start a difficulty period so every later header can be checked (use height %d)",
			base.Height, bitcoin.RetargetInterval, base.Height-base.Height%bitcoin.RetargetInterval)
	}
	baseHeader, err := bitcoin.ParseHeader(base.Header)
	if err != nil {
		return ErrInvalidGenesis.Wrapf("base header: %v", err)
	}
	baseHash := base.Hash()
	if err := bitcoin.CheckProofOfWork(baseHash, baseHeader.Bits, p.Chain.PowLimit); err != nil {
		return ErrInvalidGenesis.Wrapf("base header %s does not meet %s's proof of work (wrong network?): %v", baseHash, gs.Network, err)
	}
	ownWork := bitcoin.CalcWork(baseHeader.Bits)
	work := base.Work()
	if base.Height == 0 {
		if baseHash != *p.Chain.GenesisHash {
			return ErrInvalidGenesis.Wrapf("base at height 0 must be %s's genesis block %s, got %s", gs.Network, p.Chain.GenesisHash, baseHash)
		}
		if work.Cmp(ownWork) != 0 {
			return ErrInvalidGenesis.Wrapf("cumulative work of the genesis block must be its own work %s, got %s", ownWork, work)
		}
	} else if work.Cmp(ownWork) <= 0 {
		return ErrInvalidGenesis.Wrapf("cumulative work of base %d must be more than its own work %s (use the chainwork bitcoind reports), got %s", base.Height, ownWork, work)
	}

	below, err := gs.validateAncestors(p, base.Height, baseHeader)
	if err != nil {
		return err
	}
	chain := bitcoin.NewOverlay(below, base.Height)
	for i, h := range gs.Headers[1:] {
		want := base.Height + uint64(i) + 1
		if h.Height != want {
			return ErrInvalidGenesis.Wrapf("headers[%d] has height %d, expected %d: headers must be consecutive from the base", i+1, h.Height, want)
		}
		bh, err := bitcoin.ParseHeader(h.Header)
		if err == nil {
			err = chain.Extend(p, bh)
		}
		if err != nil {
			return ErrInvalidGenesis.Wrapf("headers[%d] (height %d): %v", i+1, h.Height, err)
		}
		work.Add(work, bitcoin.CalcWork(bh.Bits))
		if got := h.Work(); got.Cmp(work) != 0 {
			return ErrInvalidGenesis.Wrapf("headers[%d] (height %d) has cumulative work %s, expected %s", i+1, h.Height, got, work)
		}
	}
	return nil
}

// validateAncestors checks that the base's ancestors are the 10 headers
// below it, each linked to the next and the last to the base, and returns a
// view of them and the base. Linkage to the trusted base makes them trusted:
// a hash commits to the parent's hash. Each must still meet its own proof of
// work, which catches headers of another network.
func (gs GenesisState) validateAncestors(p *bitcoin.Params, baseHeight uint64, base *wire.BlockHeader) (ancestorView, error) {
	view := ancestorView{baseHeight: baseHeight, base: base}
	want := min(uint64(BaseAncestorCount), baseHeight)
	if uint64(len(gs.BaseAncestors)) != want {
		return view, ErrInvalidGenesis.Wrapf("base_ancestors has %d headers, the base at height %d needs its %d ancestors (heights %d to %d, oldest first) for the median time past",
			len(gs.BaseAncestors), baseHeight, want, baseHeight-want, baseHeight-1)
	}
	for i, raw := range gs.BaseAncestors {
		h, err := bitcoin.ParseHeader(raw)
		if err != nil {
			return view, ErrInvalidGenesis.Wrapf("base_ancestors[%d]: %v", i, err)
		}
		hash := chainhash.DoubleHashH(raw)
		if err := bitcoin.CheckProofOfWork(hash, h.Bits, p.Chain.PowLimit); err != nil {
			return view, ErrInvalidGenesis.Wrapf("base_ancestors[%d] %s: %v", i, hash, err)
		}
		child, childName := base, "the base"
		if i+1 < len(gs.BaseAncestors) {
			if child, err = bitcoin.ParseHeader(gs.BaseAncestors[i+1]); err != nil {
				return view, ErrInvalidGenesis.Wrapf("base_ancestors[%d]: %v", i+1, err)
			}
			childName = fmt.Sprintf("base_ancestors[%d]", i+1)
		}
		if child.PrevBlock != hash {
			return view, ErrInvalidGenesis.Wrapf("base_ancestors[%d] is %s but %s builds on %s: give the %d headers below the base, oldest first",
				i, hash, childName, child.PrevBlock, want)
		}
		view.ancestors = append(view.ancestors, h)
	}
	return view, nil
}

// ancestorView is a bitcoin.ChainView of the base and its ancestors.
type ancestorView struct {
	baseHeight uint64
	base       *wire.BlockHeader
	ancestors  []*wire.BlockHeader // oldest first, ending at baseHeight-1
}

func (v ancestorView) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	if height == v.baseHeight {
		return v.base, true
	}
	if height > v.baseHeight || v.baseHeight-height > uint64(len(v.ancestors)) {
		return nil, false
	}
	return v.ancestors[len(v.ancestors)-int(v.baseHeight-height)], true
}

func (v ancestorView) HashByHeight(height uint64) (chainhash.Hash, bool) {
	h, ok := v.HeaderByHeight(height)
	if !ok {
		return chainhash.Hash{}, false
	}
	return h.BlockHash(), true
}
