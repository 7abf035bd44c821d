package keeper_test

import (
	"context"
	"errors"
	"testing"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// A heavier fork from a canonical ancestor replaces the tip: the replaced
// headers leave both indexes, EventRollBack comes before EventRollForward,
// and EndBlock calls each hook exactly once.
func TestHeavierForkReorgs(t *testing.T) {
	f, genesis := regtestFixture(t)
	a := datagen.RegtestChain(t, genesis, 5, 1) // heights 1..5
	f.mustInsert(datagen.SerializeHeaders(a), 2016)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, []hookCall{{"rollforward", 5, a[4].BlockHash()}}, f.hooks.take())

	f.ctx = f.ctx.WithEventManager(newEventManager())
	b := datagen.RegtestChain(t, a[1], 4, 2) // heights 3..6, forking at 2
	resp, err := f.insert(datagen.SerializeHeaders(b))
	require.NoError(t, err)
	require.True(t, resp.Reorged)
	require.Equal(t, uint64(6), resp.TipHeight)
	require.Equal(t, b[3].BlockHash().String(), resp.TipHash)

	require.Equal(t, []any{
		&types.EventRollBack{From: 5, To: 2, ForkPointHash: a[1].BlockHash().String()},
		&types.EventRollForward{From: 3, To: 6, Count: 4, TipHash: b[3].BlockHash().String()},
	}, typedEvents(t, f.ctx))

	for _, h := range a[2:] {
		on, err := f.k.IsOnMainChain(f.ctx, h.BlockHash())
		require.NoError(t, err)
		require.False(t, on, "replaced header still indexed")
	}
	for i, h := range b {
		got := f.header(uint64(3 + i))
		require.Equal(t, h.BlockHash(), got.Hash())
		require.Equal(t, workOf(int64(4+i), datagen.RegtestBits), got.CumulativeWork)
	}
	headers, hashes := countEntries(t, f)
	require.Equal(t, 7, headers) // genesis + 6
	require.Equal(t, 7, hashes)

	// Hooks wait for EndBlock, then run once each, and only once.
	require.Empty(t, f.hooks.calls)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, []hookCall{
		{"rollback", 2, a[1].BlockHash()},
		{"rollforward", 6, b[3].BlockHash()},
	}, f.hooks.take())
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Empty(t, f.hooks.take())
	// Nothing pending is left in the store between blocks.
	has, err := f.k.PendingRollBack.Has(f.ctx)
	require.NoError(t, err)
	require.False(t, has)
	has, err = f.k.PendingRollForward.Has(f.ctx)
	require.NoError(t, err)
	require.False(t, has)
}

// A fork with the same work as the tip, or less, does not reorg (the first
// seen stays): it goes to the side-chain store, and the canonical chain, its
// indexes and the events are untouched.
func TestEqualWorkForkDoesNotReorg(t *testing.T) {
	f, genesis := regtestFixture(t)
	a := datagen.RegtestChain(t, genesis, 5, 1)
	f.mustInsert(datagen.SerializeHeaders(a), 2016)
	canonical := canonicalSnapshot(t, f)
	events := len(f.ctx.EventManager().Events())

	c := datagen.RegtestChain(t, a[1], 3, 3)               // heights 3..5: equal work
	resp, err := f.insert(datagen.SerializeHeaders(c[:2])) // less work
	require.NoError(t, err)
	require.True(t, resp.SideChain)
	resp, err = f.insert(datagen.SerializeHeaders(c)) // then equal work
	require.NoError(t, err)
	require.True(t, resp.SideChain)
	require.False(t, resp.Reorged)
	require.Equal(t, uint32(2), resp.Skipped)
	require.Equal(t, a[4].BlockHash(), f.tip().Hash())
	require.Equal(t, canonical, canonicalSnapshot(t, f))
	require.Len(t, f.ctx.EventManager().Events(), events)
	require.Equal(t, uint64(3), sideCount(t, f))

	// A fork from the genesis block itself, the lowest possible fork point.
	g := datagen.RegtestChain(t, genesis, 6, 4)
	resp, err = f.insert(datagen.SerializeHeaders(g))
	require.NoError(t, err)
	require.True(t, resp.Reorged)
	require.Equal(t, uint64(6), f.tip().Height)
}

// Two reorgs in one block: the hooks still run once, with the lowest fork
// point of the two and the final tip, whichever order the reorgs came in.
func TestTwoReorgsOneBlock(t *testing.T) {
	for _, tc := range []struct {
		name             string
		firstFork        int // height of the first fork point
		secondForkOnB    bool
		secondForkHeight int
		wantForkPoint    uint64
	}{
		{"deeper second", 6, false, 3, 3},
		{"shallower second", 3, true, 8, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, genesis := regtestFixture(t)
			a := datagen.RegtestChain(t, genesis, 10, 1) // 1..10
			f.mustInsert(datagen.SerializeHeaders(a), 2016)
			require.NoError(t, f.k.EndBlocker(f.ctx))
			f.hooks.take()

			// First reorg: fork at firstFork, one header longer than a.
			b := datagen.RegtestChain(t, a[tc.firstFork-1], 10-tc.firstFork+1, 2)
			_, err := f.insert(datagen.SerializeHeaders(b))
			require.NoError(t, err)

			// Second reorg: from a or from b, to height 12.
			parent := a[tc.secondForkHeight-1]
			if tc.secondForkOnB {
				parent = b[tc.secondForkHeight-tc.firstFork-1]
			}
			c := datagen.RegtestChain(t, parent, 12-tc.secondForkHeight, 3)
			resp, err := f.insert(datagen.SerializeHeaders(c))
			require.NoError(t, err)
			require.True(t, resp.Reorged)
			require.Equal(t, uint64(12), resp.TipHeight)

			require.NoError(t, f.k.EndBlocker(f.ctx))
			forkPoint := f.header(tc.wantForkPoint)
			require.Equal(t, []hookCall{
				{"rollback", tc.wantForkPoint, forkPoint.Hash()},
				{"rollforward", 12, c[len(c)-1].BlockHash()},
			}, f.hooks.take())
		})
	}
}

// Extensions alone call only AfterRollForward, once per block however many
// messages; a block without insertions calls nothing.
func TestHooksOncePerBlock(t *testing.T) {
	f, genesis := regtestFixture(t)
	chain := datagen.RegtestChain(t, genesis, 9, 1)
	for i := 0; i < 9; i += 3 {
		_, err := f.insert(datagen.SerializeHeaders(chain[i : i+3]))
		require.NoError(t, err)
	}
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, []hookCall{{"rollforward", 9, chain[8].BlockHash()}}, f.hooks.take())
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Empty(t, f.hooks.take())

	// A failing hook fails EndBlock: a module must not miss a reorg.
	_, err := f.insert(datagen.SerializeHeaders(datagen.RegtestChain(t, chain[8], 1, 1)))
	require.NoError(t, err)
	f.hooks.err = errors.New("boom")
	require.ErrorContains(t, f.k.EndBlocker(f.ctx), "boom")
}

// A keeper without hooks still clears its record.
func TestEndBlockWithoutHooks(t *testing.T) {
	f, genesis := regtestFixture(t)
	k := f.k
	k2 := keeperWithoutHooks(t, f)
	_, err := keeperMsgServer(k2).InsertHeaders(f.ctx, types.NewMsgInsertHeaders(f.relayer, datagen.SerializeHeaders(datagen.RegtestChain(t, genesis, 2, 1))))
	require.NoError(t, err)
	require.NoError(t, k2.EndBlocker(f.ctx))
	has, err := k.PendingRollForward.Has(f.ctx)
	require.NoError(t, err)
	require.False(t, has)
}

// MultiHooks calls every hook in order and stops at the first error.
func TestMultiHooks(t *testing.T) {
	a, b := &recordingHooks{}, &recordingHooks{}
	m := types.NewMultiHooks(a, b)
	info := types.HeaderInfo{Height: 7}
	require.NoError(t, m.AfterRollBack(context.Background(), info))
	require.NoError(t, m.AfterRollForward(context.Background(), info))
	require.Len(t, a.calls, 2)
	require.Len(t, b.calls, 2)
	a.err = errors.New("first fails")
	require.ErrorContains(t, m.AfterRollForward(context.Background(), info), "first fails")
	require.Len(t, b.calls, 2, "hooks after a failing one ran")
}

// canonicalSnapshot is the canonical chain's two indexes.
func canonicalSnapshot(t *testing.T, f *fixture) [][2][]byte {
	t.Helper()
	var out [][2][]byte
	for _, kv := range f.snapshot() {
		if kv[0][0] == types.HeadersKey[0] || kv[0][0] == types.HashToHeightKey[0] {
			out = append(out, kv)
		}
	}
	return out
}

func sideCount(t testing.TB, f *fixture) uint64 {
	t.Helper()
	n := uint64(0)
	require.NoError(t, f.k.SideHeaders.Walk(f.ctx, nil, func(chainhash.Hash, types.HeaderInfo) (bool, error) {
		n++
		return false, nil
	}))
	stored, err := f.k.SideCount.Get(f.ctx)
	if n == 0 {
		require.ErrorIs(t, err, collections.ErrNotFound)
	} else {
		require.NoError(t, err)
		require.Equal(t, n, stored, "side_count disagrees with side_headers")
	}
	keys := uint64(0)
	require.NoError(t, f.k.SideByWork.Walk(f.ctx, nil, func(collections.Pair[[]byte, chainhash.Hash]) (bool, error) {
		keys++
		return false, nil
	}))
	require.Equal(t, n, keys, "side_by_work disagrees with side_headers")
	return n
}

// liveSideCount is the number of side-chain store entries that are side-chain
// headers: those whose hash is canonical (promoted, awaiting the pruner) are
// not. Each entry agrees with the canonical header of its hash, if any.
func liveSideCount(t testing.TB, f *fixture) uint64 {
	t.Helper()
	n := uint64(0)
	require.NoError(t, f.k.SideHeaders.Walk(f.ctx, nil, func(hash chainhash.Hash, info types.HeaderInfo) (bool, error) {
		canonical, err := f.k.HeaderByHash(f.ctx, hash)
		isCanonical := err == nil
		if isCanonical {
			require.Equal(t, canonical, info, "a promoted header's side-chain entry differs from it")
		} else {
			require.ErrorIs(t, err, types.ErrHeaderNotFound)
			n++
		}
		_, found, err := f.k.SideHeader(f.ctx, hash)
		require.NoError(t, err)
		require.Equal(t, !isCanonical, found, "SideHeader of %s", hash)
		return false, nil
	}))
	return n
}
