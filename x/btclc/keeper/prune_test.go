package keeper_test

import (
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// insertMetered sends one MsgInsertHeaders on its own gas meter and returns
// its gas.
func insertMetered(t *testing.T, f *fixture, raw [][]byte) (*types.MsgInsertHeadersResponse, uint64) {
	t.Helper()
	ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	resp, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, raw))
	require.NoError(t, err)
	return resp, ctx.GasMeter().GasConsumed()
}

// siblings are n one-header side chains at the tip's height, built on the
// header below it: the same cumulative work as the tip, so each is kept, and
// all of them fall below the prune floor in the same tip move.
func siblings(t *testing.T, below *wire.BlockHeader, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		s := datagen.RegtestChild(t, below, uint32(1000+i))
		out[i] = datagen.SerializeHeader(&s)
	}
	return out
}

// The prune gas bomb at the default params: an attacker fills the side-chain
// store (8,064 headers, max_fork_depth 4032) with one-header siblings of the
// tip, which all fall below the prune floor when the tip is 4,033 higher. The
// honest one-header message that makes that move used to pay for pruning
// every one of them (60,500,250 gas, against a block's 30,000,000: no block
// could carry the tip past that height). Now each sibling paid its removal
// when it was stored, and the honest message removes only as many as it
// validates, free: it costs what a one-header message costs, and the tip
// moves.
func TestSideChainPruneGasBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("8,064 attacker messages take about 20 s; TestSideChainPruneIsPrepaidAndBounded covers the rule in short mode")
	}
	f, genesis := regtestFixture(t)
	params := types.DefaultParams()
	chain := datagen.RegtestChain(t, genesis, 4133, 1)
	f.mustInsert(datagen.SerializeHeaders(chain[:100]), 2016)
	n := int(params.MaxSideHeaders())
	var attackerGas uint64
	for _, s := range siblings(t, &chain[98], n) {
		resp, gas := insertMetered(t, f, [][]byte{s})
		require.True(t, resp.SideChain)
		attackerGas += gas
	}
	require.Equal(t, uint64(n), sideCount(t, f))
	f.mustInsert(datagen.SerializeHeaders(chain[100:4132]), 2016)
	require.Equal(t, uint64(n), sideCount(t, f), "the floor is the siblings' work: none is below it")

	resp, gas := insertMetered(t, f, datagen.SerializeHeaders(chain[4132:]))
	t.Logf("attacker: %d messages, %d gas (%d each); the honest one-header message: %d gas", n, attackerGas, attackerGas/uint64(n), gas)
	require.Equal(t, uint64(4133), resp.TipHeight)
	require.Equal(t, chain[4132].BlockHash().String(), resp.TipHash)
	require.Less(t, gas, uint64(blockMaxGas/100))
	require.Equal(t, uint64(n-1), sideCount(t, f), "one header validated, one removed")
	require.GreaterOrEqual(t, attackerGas, uint64(n)*(params.GasPerHeader+params.PruneGas()))
}

// What a tip move leaves in the side-chain store is dead and drains at one
// removal per validated header: with max_fork_depth 20, 30 siblings of the
// tip at 100 and a side branch 100-101 all have their removal paid when they
// are stored (gas_per_header each, besides the validation); the honest header
// 121 puts the siblings and the branch's bottom below the floor and costs
// exactly what it costs on a chain without side chains. The 30 dead headers
// it leaves are absent: the Header query does not find them, a batch that
// resends one is validated anew (and is too deep to keep), a header on one
// has an unknown parent, and the branch above the dead bottom cannot be
// extended. Each later message removes as many as it validates.
func TestSideChainPruneIsPrepaidAndBounded(t *testing.T) {
	f, genesis := regtestFixture(t)
	clean, _ := regtestFixture(t)
	setForkDepth(t, f, 20)
	params := setForkDepth(t, clean, 20)
	chain := datagen.RegtestChain(t, genesis, 130, 1)
	for _, g := range []*fixture{f, clean} {
		g.mustInsert(datagen.SerializeHeaders(chain[:100]), 2016) // tip 100
	}
	sibs := siblings(t, &chain[98], 30)
	_, canonicalGas := insertMetered(t, clean, datagen.SerializeHeaders(chain[100:101]))
	for i, s := range sibs {
		resp, gas := insertMetered(t, f, [][]byte{s})
		require.True(t, resp.SideChain)
		// The same reads as a header on the tip, and its removal in advance.
		require.Equal(t, canonicalGas+params.PruneGas(), gas, "sibling %d", i)
	}
	f.mustInsert(datagen.SerializeHeaders(chain[100:120]), 2016) // tip 120
	clean.mustInsert(datagen.SerializeHeaders(chain[101:120]), 2016)
	require.Equal(t, uint64(30), sideCount(t, f), "nothing pruned: the floor is the siblings' work")
	branch := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[98], 3, 7)) // 100..102
	resp, branchGas := insertMetered(t, f, branch[:2])
	require.True(t, resp.SideChain)
	require.Equal(t, uint64(32), sideCount(t, f))

	resp, gas := insertMetered(t, f, datagen.SerializeHeaders(chain[120:121]))
	_, cleanGas := insertMetered(t, clean, datagen.SerializeHeaders(chain[120:121]))
	require.Equal(t, uint64(121), resp.TipHeight)
	require.Equal(t, cleanGas, gas, "the honest message pays for no removal, nor any side-chain lookup")
	require.Equal(t, uint64(31), sideCount(t, f), "one validated, one removed")
	require.GreaterOrEqual(t, branchGas, 2*(params.GasPerHeader+params.PruneGas()))

	// The dead: the siblings and the branch's bottom, below the floor (the
	// work of height 101), still stored but absent.
	bottom := chainHash(branch[0])
	_, stored, err := f.k.SideHeader(f.ctx, bottom)
	require.NoError(t, err)
	require.True(t, stored, "the branch's bottom waits to be removed")
	for _, raw := range append([][]byte{branch[0]}, sibs[:3]...) {
		wantCode(t, codes.NotFound)(f.query.Header(f.ctx, &types.QueryHeaderRequest{Id: mustHeader(t, raw).BlockHash().String()}))
	}
	top, err := f.query.Header(f.ctx, &types.QueryHeaderRequest{Id: mustHeader(t, branch[1]).BlockHash().String()})
	require.NoError(t, err)
	require.False(t, top.Canonical)
	for _, s := range sibs {
		if _, stored, err := f.k.SideHeader(f.ctx, chainHash(s)); err == nil && stored {
			f.requireRejected([][]byte{s}, types.ErrForkTooDeep)
			child := datagen.RegtestChild(t, mustHeader(t, s), 9)
			f.requireRejected([][]byte{datagen.SerializeHeader(&child)}, types.ErrUnknownParent)
			break
		}
	}
	err = f.requireRejected(branch[2:], types.ErrUnknownParent)
	require.Contains(t, err.Error(), "no longer stored")

	// Later messages drain the dead, one per validated header.
	for i := 121; i < 126; i++ {
		f.mustInsert(datagen.SerializeHeaders(chain[i:i+1]), 2016)
		require.Equal(t, uint64(31-(i-120)), sideCount(t, f))
	}
	f.mustInsert(datagen.SerializeHeaders(chain[126:130]), 2016)
	require.Equal(t, uint64(22), sideCount(t, f))
}
