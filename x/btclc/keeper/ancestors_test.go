package keeper_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Real mainnet: block 588673 is 43 seconds older than its parent, the base
// 588672, and newer than the median of the 11 blocks before it. Without the
// base's ancestors the median time past of the first header above the base
// is the base's own time, so this valid block, and with it the whole chain
// above, was refused: the light client would be stuck at its base. With the
// 10 ancestors from genesis every real header above the base inserts.
func TestBaseAncestorsMainnet588672(t *testing.T) {
	run := datagen.LoadHeaders(t, "mainnet-headers-586656-589289.hex")
	base := datagen.LoadBoundaries(t)[588672]
	require.Equal(t, run.RawAt(t, 588672), base.Raw)
	require.True(t, run.At(t, 588673).Timestamp.Before(run.At(t, 588672).Timestamp))

	// Before: the view held no header below the base.
	p := datagen.Network(t, bitcoin.MainNet)
	_, err := bitcoin.ValidateHeader(p, bitcoin.NewMemChain(588672, *run.At(t, 588672)), 588672, run.At(t, 588673))
	require.ErrorIs(t, err, bitcoin.ErrTimeTooOld)

	f := newFixture(t, genesisAt(t, bitcoin.MainNet, 588672, base.Raw, base.ChainWork, run.RawRange(t, 588662, 588671)))
	resp := f.mustInsert(run.RawRange(t, 588673, run.End()), 2016)
	require.Equal(t, run.End(), resp.TipHeight)
	// The ancestors are context only: not canonical, not exported as chain.
	on, err := f.k.IsOnMainChain(f.ctx, run.At(t, 588671).BlockHash())
	require.NoError(t, err)
	require.False(t, on)
	_, err = f.k.HeaderByHeight(f.ctx, 588671)
	require.ErrorIs(t, err, types.ErrHeaderNotFound)
	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(588672), exported.Headers[0].Height)
	require.Equal(t, run.RawRange(t, 588662, 588671), exported.BaseAncestors)
}

// The median time past right after the base is that of the 11 blocks, the
// base and its 10 ancestors: on a regtest base at 2016 whose blocks are 10
// minutes apart it is the time of block 2011, 50 minutes before the base. A
// header at that time is refused, one second later it is accepted (without
// the ancestors the median was the base's time, and both were refused).
func TestBaseAncestorsMedianBoundary(t *testing.T) {
	chain := datagen.RegtestChain(t, datagen.RegtestGenesis(), 2016, 1) // heights 1..2016
	raw := datagen.SerializeHeaders(chain)
	gs := genesisAt(t, bitcoin.RegTest, 2016, raw[2015], workOf(2017, datagen.RegtestBits).BigInt(), raw[2005:2015])
	f := newFixture(t, gs)

	p := datagen.Network(t, bitcoin.RegTest)
	median := chain[2010].Timestamp // height 2011
	child := func(at time.Time) []byte {
		h := datagen.RegtestChild(t, &chain[2015], 7)
		h.Timestamp = at
		datagen.Mine(t, p, &h)
		return datagen.SerializeHeader(&h)
	}
	err := f.requireRejected([][]byte{child(median)}, types.ErrInvalidTimestamp)
	require.ErrorContains(t, err, "median time past")
	resp, err := f.insert([][]byte{child(median.Add(time.Second))})
	require.NoError(t, err)
	require.Equal(t, uint64(2017), resp.TipHeight)
}
