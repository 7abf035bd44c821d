package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Export, then init a new chain from the export: the same state, key for
// key, and it keeps working (the next header of the real chain inserts).
func TestGenesisRoundTrip(t *testing.T) {
	f, run := mainnetAt(t, 824544)
	f.mustInsert(run.RawRange(t, 824545, 826600), 2016)
	params := types.DefaultParams()
	params.InsertAllowlist = []string{f.relayer}
	params.GasPerHeader = 1234
	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, params))
	require.NoError(t, err)
	require.NoError(t, f.k.EndBlocker(f.ctx)) // no pending record in the export

	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.Len(t, exported.Headers, 826600-824544+1)
	require.Equal(t, run.RawRange(t, 824534, 824543), exported.BaseAncestors)
	require.NoError(t, exported.Validate())

	g := newFixture(t, exported)
	require.Equal(t, f.snapshot(), g.snapshot())
	again, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	resp, err := g.insert([][]byte{run.RawAt(t, 826601)})
	require.NoError(t, err)
	require.Equal(t, uint64(826601), resp.TipHeight)
}

func TestDefaultGenesisInits(t *testing.T) {
	f, genesis := regtestFixture(t)
	tip := f.tip()
	require.Equal(t, uint64(0), tip.Height)
	require.Equal(t, genesis.BlockHash(), tip.Hash())
	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.Equal(t, types.DefaultGenesis(), exported)
	// A regtest node's first blocks insert right away.
	f.mustInsert(datagen.SerializeHeaders(datagen.RegtestChain(t, genesis, 3, 1)), 2016)
}

// InitGenesis refuses what Validate refuses, and also what needs the address
// codec: an allowlist entry that is not an address of this chain.
func TestInitGenesisRejects(t *testing.T) {
	f, _ := regtestFixture(t)
	gs := types.DefaultGenesis()
	gs.Params.InsertAllowlist = []string{"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"}
	err := f.k.InitGenesis(f.ctx, gs)
	require.ErrorIs(t, err, types.ErrInvalidGenesis)
	require.ErrorContains(t, err, "insert_allowlist[0]")

	gs = types.DefaultGenesis()
	gs.Network = "bitcoin"
	require.ErrorIs(t, f.k.InitGenesis(f.ctx, gs), types.ErrInvalidGenesis)
}
