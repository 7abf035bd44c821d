package keeper_test

import (
	"encoding/hex"
	"testing"

	"cosmossdk.io/core/header"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// A keystone is recorded at every multiple of the interval, and only there,
// with what DESIGN §5 says: the block's hash, its parent's, the app hash of
// its header, the previous keystone's block hash and x/btclc's tip as the
// block begins.
func TestKeystonesRecorded(t *testing.T) {
	f := newFixture(t)
	f.extendN(3)
	f.advanceTo(testInterval - 1)
	has, err := f.k.Keystones.Has(f.ctx, testInterval-1)
	require.NoError(t, err)
	require.False(t, has)

	f.beginBlock() // 10
	first := f.keystone(10)
	tipHash := f.btcTip.BlockHash()
	require.Equal(t, types.Keystone{
		Height:           10,
		BlockHash:        blockHash(10),
		ParentHash:       blockHash(9),
		AppHash:          appHash(10),
		PrevKeystoneHash: make([]byte, 32), // the first keystone has none
		BtcHeight:        3,
		BtcHash:          tipHash[:], // stored in internal byte order
	}, first)
	events := eventsOf[*types.EventKeystoneRecorded](t, f.ctx)
	require.Len(t, events, 1)
	abbrev := f.abbrev(10).Serialize()
	require.Equal(t, types.EventKeystoneRecorded{
		Height:      10,
		BlockHash:   hex.EncodeToString(blockHash(10)),
		BtcHeight:   3,
		BtcHash:     tipHash.String(), // events show display order
		Abbreviated: hex.EncodeToString(abbrev[:]),
	}, *events[0])

	// The tip a keystone records is the tip as its block begins: headers
	// relayed during the block belong to the next keystone.
	f.extendN(2)
	f.endBlock()
	f.advanceTo(20)
	second := f.keystone(20)
	require.Equal(t, blockHash(20), second.BlockHash)
	require.Equal(t, blockHash(19), second.ParentHash)
	require.Equal(t, appHash(20), second.AppHash)
	require.Equal(t, first.BlockHash, second.PrevKeystoneHash)
	require.Equal(t, uint64(5), second.BtcHeight)

	n := 0
	require.NoError(t, f.k.Keystones.Walk(f.ctx, nil, func(uint64, types.Keystone) (bool, error) { n++; return false, nil }))
	require.Equal(t, 2, n)
}

// The abbreviated keystone is DESIGN §5's layout over the recorded fields.
func TestAbbreviatedKeystoneOfRecorded(t *testing.T) {
	f := newFixture(t)
	f.extendN(1)
	f.advanceTo(20)
	ks := f.keystone(20)
	b := f.abbrev(20).Serialize()
	require.Equal(t, byte(1), b[0])
	require.Equal(t, []byte{0, 0, 0, 1}, b[1:5])  // btc height 1
	require.Equal(t, []byte{0, 0, 0, 20}, b[5:9]) // keystone height
	require.Equal(t, ks.ParentHash[:11], b[9:20])
	require.Equal(t, ks.PrevKeystoneHash[:12], b[20:32])
	require.Equal(t, ks.AppHash, b[32:64])
	require.Equal(t, ks.BlockHash[:12], b[64:76])
	parsed, err := bitcoin.ParseAbbreviatedKeystone(b[:])
	require.NoError(t, err)
	require.True(t, ks.Matches(parsed))
}

// The interval is read at every block: governance can change it.
func TestKeystoneIntervalChange(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(10)
	p := f.params()
	p.KeystoneInterval = 4
	f.setParams(p)
	f.endBlock()
	f.advanceTo(17)
	for h, want := range map[uint64]bool{10: true, 12: true, 14: false, 16: true, 15: false} {
		has, err := f.k.Keystones.Has(f.ctx, h)
		require.NoError(t, err)
		require.Equal(t, want, has, "height %d", h)
	}
	require.Equal(t, blockHash(12), f.keystone(16).PrevKeystoneHash)
}

// A keystone must commit to its block: without a block hash in the context
// BeginBlock refuses to record one (an error, not a panic), while other
// blocks go on and the next keystone has an unknown (zero) parent.
func TestKeystoneNeedsBlockHash(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(8)
	f.height++
	f.ctx = f.ctx.WithBlockHeight(9).WithHeaderHash(nil).WithHeaderInfo(header.Info{Height: 9})
	require.NoError(t, f.k.BeginBlocker(f.ctx)) // not a keystone height
	f.height++
	f.ctx = f.ctx.WithBlockHeight(10).WithHeaderHash(nil).WithHeaderInfo(header.Info{Height: 10, AppHash: appHash(10)})
	require.ErrorIs(t, f.k.BeginBlocker(f.ctx), types.ErrBlockContext)

	f.height = 10
	f.ctx = f.ctx.WithHeaderHash(blockHash(10)).WithHeaderInfo(header.Info{Height: 10, Hash: blockHash(10), AppHash: appHash(10)})
	require.NoError(t, f.k.BeginBlocker(f.ctx))
	require.Equal(t, make([]byte, 32), f.keystone(10).ParentHash, "the parent (block 9) had no hash")
}
