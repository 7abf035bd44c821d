package keeper_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Export, then init a new chain from the export (with the light client's
// export): the same state key for key (but the publication whose block left
// x/btclc's chain, which is not exported), including the pause, the owed
// rewards and the last block; the same answers; and the next keystone the
// new chain records is the one the old chain records.
func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.MaxKeystonesPaidPerBlock = 1
	f.setParams(p)
	a, b := newPoPMiner(f, 1, false), newPoPMiner(f, 2, false)
	f.advanceTo(30)
	f.beginBlock()
	f.publish(a, 20) // btc 1
	f.extendN(5)     // tip 6: 10 and 20 superfinal, 10 paid
	f.endBlock()
	f.beginBlock()
	f.fork(0, 7) // a's publication is gone: a violation, 20 stays owed
	f.endBlock()
	f.beginBlock()
	f.publish(b, 30) // btc 8
	f.extendN(5)     // tip 13
	f.endBlock()
	require.True(t, f.rewardsPaused())
	f.advanceTo(39)
	require.Equal(t, types.FinalityState{LatestSuperfinal: 30, HighestEverSuperfinal: 30}, f.finality())

	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Len(t, exported.Keystones, 3)
	require.Len(t, exported.Publications, 1, "a's publication is off x/btclc's chain")
	require.True(t, exported.RewardsPaused)
	require.Equal(t, []types.OwedRange{{After: 10, Through: 20}}, exported.OwedRewards)
	require.Equal(t, uint64(39), exported.LastBlockHeight)
	require.Equal(t, blockHash(39), exported.LastBlockHash)
	btclcExport, err := f.btclc.ExportGenesis(f.ctx)
	require.NoError(t, err)

	g := newFixtureFrom(t, btclcExport, exported, f.height+1)
	gone := newPoPMinerTxids(t, f, a)
	withoutGone := func(s [][2][]byte) [][2][]byte {
		var out [][2][]byte
		for _, kv := range s {
			if !bytes.Contains(kv[0], gone[:]) {
				out = append(out, kv)
			}
		}
		return out
	}
	require.Less(t, len(withoutGone(storeSnapshot(f.ctx, f.popKey))), len(storeSnapshot(f.ctx, f.popKey)))
	require.Equal(t, withoutGone(storeSnapshot(f.ctx, f.popKey)), storeSnapshot(g.ctx, g.popKey))
	again, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
	for _, h := range []uint64{10, 20, 30} {
		want := f.status(h)
		var canonical []types.PublicationStatus
		for _, ps := range want.Publications {
			if ps.OnMainChain {
				canonical = append(canonical, ps)
			}
		}
		want.Publications = canonical
		require.Equal(t, want, g.status(h))
	}

	// Both chains record the same keystone 40: its parent is block 39, which
	// only the exported last block tells the new chain.
	f.advanceTo(40)
	g.advanceTo(40)
	require.Equal(t, blockHash(39), g.keystone(40).ParentHash)
	require.Equal(t, f.keystone(40), g.keystone(40))
}

// newPoPMinerTxids returns the txid of the one publication of m.
func newPoPMinerTxids(t *testing.T, f *fixture, m *popMiner) chainhash.Hash {
	t.Helper()
	res, err := f.query.Publications(f.ctx, &types.QueryPublicationsRequest{Id: m.payee(t)})
	require.NoError(t, err)
	require.Len(t, res.Publications, 1)
	txid, err := chainhash.NewHashFromStr(res.Publications[0].Publication.Txid)
	require.NoError(t, err)
	return *txid
}

// InitGenesis refuses what Validate refuses, addresses of another chain, and
// keystones the new chain would record itself.
func TestInitGenesisRejects(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(20)
	f.beginBlock()
	f.publish(newPoPMiner(f, 1, false), 20)
	f.endBlock()
	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	btclcExport, err := f.btclc.ExportGenesis(f.ctx)
	require.NoError(t, err)

	init := func(gs *types.GenesisState, height int64) error {
		g := newFixtureFrom(t, btclcExport, types.DefaultGenesis(), height)
		return g.k.InitGenesis(g.ctx, gs)
	}
	require.NoError(t, init(exported, 22))
	require.ErrorIs(t, init(exported, 20), types.ErrInvalidGenesis) // keystone 20 is not below 20
	require.ErrorIs(t, init(exported, 0), types.ErrInvalidGenesis)

	bad := *exported
	bad.Publications = []types.Publication{exported.Publications[0]}
	bad.Publications[0].Payee = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"
	err = init(&bad, 22)
	require.ErrorIs(t, err, types.ErrInvalidGenesis)
	require.ErrorContains(t, err, "payee")

	// A publication's height is checked against x/btclc's chain, and its
	// block must be there.
	bad.Publications[0] = exported.Publications[0]
	bad.Publications[0].BtcHeight = 5
	err = init(&bad, 22)
	require.ErrorIs(t, err, types.ErrInvalidGenesis)
	require.ErrorContains(t, err, "at height 1 of x/btclc's chain")
	bad.Publications[0] = exported.Publications[0]
	unknown := chainhash.HashH([]byte("not a block x/btclc has"))
	bad.Publications[0].BtcBlockHash = unknown[:]
	err = init(&bad, 22)
	require.ErrorIs(t, err, types.ErrInvalidGenesis)
	require.ErrorContains(t, err, "not on x/btclc's chain")

	// The last block belongs before the new chain.
	bad = *exported
	require.Equal(t, uint64(21), bad.LastBlockHeight)
	bad.LastBlockHeight = 22
	require.ErrorIs(t, init(&bad, 22), types.ErrInvalidGenesis)
}
