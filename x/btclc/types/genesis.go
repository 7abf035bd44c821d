package types

import (
	"bytes"
	"math"
	"math/big"

	sdkmath "cosmossdk.io/math"

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

// NewGenesisState starts a light client at a trusted base header: its raw
// 80 bytes, its height (a multiple of 2016) and the chain work up to and
// including it (bitcoind's getblockheader "chainwork").
func NewGenesisState(params Params, network string, baseHeight uint64, baseHeader []byte, baseWork *big.Int) (*GenesisState, error) {
	base, err := NewHeaderInfo(baseHeader, baseHeight, baseWork)
	if err != nil {
		return nil, err
	}
	gs := &GenesisState{Params: params, Network: network, Headers: []HeaderInfo{base}}
	return gs, gs.Validate()
}

// Validate checks a genesis state as if every header were inserted again: a
// known network, a base header at a period start that meets its own proof of
// work (the network's genesis block at height 0), then a chain of headers
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

	chain := bitcoin.NewMemChain(base.Height, *baseHeader)
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
