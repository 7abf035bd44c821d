package keeper_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Export, then init a new chain from the export (with the light client's
// export): the same state key for key (but the last block hash, which
// belongs to the old chain), the same answers, and it keeps working.
func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	a := newPoPMiner(t, 1, false)
	f.advanceTo(30)
	f.beginBlock()
	f.publish(a, 20)
	f.extendN(5)
	b := f.extend(payeeLessTx(t, f.abbrev(30), "x"))
	f.submit(b)
	f.endBlock()
	f.beginBlock()
	f.fork(6, 2) // the last publication leaves the canonical chain
	f.endBlock()
	require.Equal(t, uint64(20), f.finality().LatestSuperfinal)

	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Len(t, exported.Keystones, 3)
	require.Len(t, exported.Publications, 2)
	btclcExport, err := f.btclc.ExportGenesis(f.ctx)
	require.NoError(t, err)

	g := newFixtureFrom(t, btclcExport, exported, f.height+1)
	withoutLastBlock := func(s [][2][]byte) [][2][]byte {
		var out [][2][]byte
		for _, kv := range s {
			if !bytes.HasPrefix(kv[0], types.LastBlockKey) {
				out = append(out, kv)
			}
		}
		return out
	}
	require.Equal(t, withoutLastBlock(storeSnapshot(f.ctx, f.popKey)), withoutLastBlock(storeSnapshot(g.ctx, g.popKey)))
	again, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
	for _, h := range []uint64{10, 20, 30} {
		require.Equal(t, f.status(h), g.status(h))
	}

	// The new chain records its next keystone on top of the imported ones.
	g.advanceTo(40)
	require.Equal(t, f.keystone(30).BlockHash, g.keystone(40).PrevKeystoneHash)
}

// InitGenesis refuses what Validate refuses, addresses of another chain, and
// keystones the new chain would record itself.
func TestInitGenesisRejects(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(20)
	f.beginBlock()
	f.publish(newPoPMiner(t, 1, false), 20)
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
}
