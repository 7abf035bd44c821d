package keeper_test

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Finding 4: on regtest an attacker extends the tip with 3,050 cheap headers
// from height 100; the honest chain, 3,100 headers from the same ancestor,
// arrives in batches of 500. Every batch but the last is lighter than the
// tip: each is accepted into the side-chain store, and the canonical chain,
// its events and hooks stay as they were. The last batch makes the fork
// heavier and it replaces the tip in one reorg.
func TestLongForkWinsInPieces(t *testing.T) {
	f, genesis := regtestFixture(t)
	common := datagen.RegtestChain(t, genesis, 100, 1)
	f.mustInsert(datagen.SerializeHeaders(common), 2016)
	attacker := datagen.RegtestChain(t, common[99], 3050, 2) // heights 101..3150
	f.mustInsert(datagen.SerializeHeaders(attacker), 2016)
	require.NoError(t, f.k.EndBlocker(f.ctx))
	f.hooks.take()
	attackerTip := f.tip()
	require.Equal(t, uint64(3150), attackerTip.Height)

	honest := datagen.SerializeHeaders(datagen.RegtestChain(t, common[99], 3100, 3)) // heights 101..3200
	f.ctx = f.ctx.WithEventManager(newEventManager())
	canonical := canonicalSnapshot(t, f)
	for i := 0; i < 3000; i += 500 {
		resp, err := f.insert(honest[i : i+500])
		require.NoError(t, err, "batch at %d", i)
		require.True(t, resp.SideChain)
		require.False(t, resp.Reorged)
		require.Equal(t, attackerTip.Height, resp.TipHeight)
		require.Equal(t, attackerTip.Hash().String(), resp.TipHash)
		require.Equal(t, uint64(i+500), sideCount(t, f))
		require.Equal(t, canonical, canonicalSnapshot(t, f), "the canonical chain changed at batch %d", i)
		require.Empty(t, f.ctx.EventManager().Events())
	}
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Empty(t, f.hooks.take(), "side-chain batches run no hooks")

	// The last 100 headers: 3,200 > 3,150 headers of equal work.
	ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	resp, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, honest[3000:]))
	require.NoError(t, err)
	gas := ctx.GasMeter().GasConsumed()
	t.Logf("the winning message (100 new headers, 3,000 promoted, 3,050 removed): %d gas", gas)
	// A promotion writes the canonical entries only (its side-chain entry's
	// removal was paid when it was stored), so the message fits in a
	// 30,000,000-gas block: README.md, "Gas".
	params := types.DefaultParams()
	require.GreaterOrEqual(t, gas, 3050*params.RemoveGas()+3000*(params.PromoteGas()+2*params.ReadGas()))
	require.Less(t, gas, uint64(30_000_000), "the winning message must fit in a block")
	require.True(t, resp.Reorged)
	require.False(t, resp.SideChain)
	require.Equal(t, uint64(3200), resp.TipHeight)
	require.Equal(t, []any{
		&types.EventRollBack{From: 3150, To: 100, ForkPointHash: common[99].BlockHash().String()},
		&types.EventRollForward{From: 101, To: 3200, Count: 3100, TipHash: f.tip().Hash().String()},
	}, typedEvents(t, f.ctx))

	for i, raw := range honest {
		got := f.header(uint64(101 + i))
		require.Equal(t, raw, got.Header)
		require.Equal(t, workOf(int64(102+i), datagen.RegtestBits), got.CumulativeWork)
	}
	for _, h := range attacker {
		on, err := f.k.IsOnMainChain(f.ctx, h.BlockHash())
		require.NoError(t, err)
		require.False(t, on)
	}
	headers, hashes := countEntries(t, f)
	require.Equal(t, 3201, headers)
	require.Equal(t, 3201, hashes)
	// The promoted headers' entries wait for the pruner (their removal was
	// paid when they were stored); none of them is a side-chain header.
	require.Equal(t, uint64(3000), sideCount(t, f))
	require.Zero(t, liveSideCount(t, f), "every promoted header is canonical")

	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, []hookCall{
		{"rollback", 100, common[99].BlockHash()},
		{"rollforward", 3200, f.tip().Hash()},
	}, f.hooks.take())
}

// spacedChain is n regtest headers on top of parent, spacing apart.
func spacedChain(t *testing.T, parent wire.BlockHeader, n int, tag uint32, spacing time.Duration) []wire.BlockHeader {
	t.Helper()
	out := make([]wire.BlockHeader, 0, n)
	for range n {
		h := datagen.RegtestChild(t, &parent, tag)
		h.Timestamp = parent.Timestamp.Add(spacing)
		datagen.Mine(t, datagen.Network(t, bitcoin.RegTest), &h)
		out = append(out, h)
		parent = h
	}
	return out
}

// A batch on a side-chain header is validated against that branch's own
// ancestry, never against the canonical headers at the same heights: here
// the canonical chain above the fork point runs hours ahead of the side
// chain, so its median time past is far later.
func TestSideChainValidatesAgainstItsOwnBranch(t *testing.T) {
	f, genesis := regtestFixture(t)
	common := datagen.RegtestChain(t, genesis, 20, 1)
	f.mustInsert(datagen.SerializeHeaders(common), 2016)
	f.mustInsert(datagen.SerializeHeaders(spacedChain(t, common[19], 30, 2, time.Hour)), 2016) // canonical 21..50
	side := spacedChain(t, common[19], 20, 3, time.Second)                                     // 21..40
	resp := f.mustInsert(datagen.SerializeHeaders(side), 2016)
	require.True(t, resp.SideChain)

	// The median of the side branch's heights 30..40 is height 35.
	valid := datagen.RegtestChild(t, &side[19], 4)
	valid.Timestamp = side[14].Timestamp.Add(time.Second)
	datagen.Mine(t, datagen.Network(t, bitcoin.RegTest), &valid)
	tooOld := valid
	tooOld.Timestamp = side[14].Timestamp
	datagen.Mine(t, datagen.Network(t, bitcoin.RegTest), &tooOld)

	// Against the canonical heights 30..40 (an hour apart) the valid one
	// would be far too old; against its branch it is fine.
	canonical35 := f.header(35)
	bh, err := canonical35.BlockHeader()
	require.NoError(t, err)
	require.True(t, valid.Timestamp.Before(bh.Timestamp))
	err = f.requireRejected([][]byte{datagen.SerializeHeader(&tooOld)}, types.ErrInvalidTimestamp)
	require.ErrorIs(t, err, bitcoin.ErrTimeTooOld)
	resp, err = f.insert([][]byte{datagen.SerializeHeader(&valid)})
	require.NoError(t, err)
	require.True(t, resp.SideChain)
	require.Equal(t, uint64(21), sideCount(t, f))
}

// Finding 6: an attacker copies the first header of a relayer's batch and
// gets it in first. The relayer's batch still succeeds: the known prefix is
// skipped. A batch that is all known is a no-op success.
func TestFrontRunFirstHeader(t *testing.T) {
	f, genesis := regtestFixture(t)
	chain := datagen.SerializeHeaders(datagen.RegtestChain(t, genesis, 1000, 1))
	f.mustInsert(chain[:100], 2016)

	attacker := mustAddr(t, []byte("attacker------------"))
	_, err := f.msgs.InsertHeaders(f.ctx, types.NewMsgInsertHeaders(attacker, chain[100:101]))
	require.NoError(t, err)

	resp, err := f.insert(chain[100:600])
	require.NoError(t, err)
	require.Equal(t, uint32(1), resp.Skipped)
	require.Equal(t, uint64(600), resp.TipHeight)
	require.Equal(t, &types.EventRollForward{From: 102, To: 600, Count: 499, TipHash: f.tip().Hash().String()}, typedEvents(t, f.ctx)[2])

	// Two relayers with overlapping batches: the second skips the overlap.
	resp, err = f.insert(chain[500:800])
	require.NoError(t, err)
	require.Equal(t, uint32(100), resp.Skipped)
	require.Equal(t, uint64(800), resp.TipHeight)

	// Entirely known: success, no event, no key changed.
	before := f.snapshot()
	events := len(f.ctx.EventManager().Events())
	resp, err = f.insert(chain[700:800])
	require.NoError(t, err)
	require.Equal(t, uint32(100), resp.Skipped)
	require.Equal(t, uint64(800), resp.TipHeight)
	require.Equal(t, before, f.snapshot())
	require.Len(t, f.ctx.EventManager().Events(), events)

	// The same on a side chain: its first header sent first by someone else.
	fork := datagen.SerializeHeaders(datagen.RegtestChain(t, datagen.RegtestChain(t, genesis, 700, 1)[699], 50, 2))
	_, err = f.msgs.InsertHeaders(f.ctx, types.NewMsgInsertHeaders(attacker, fork[:1]))
	require.NoError(t, err)
	resp, err = f.insert(fork)
	require.NoError(t, err)
	require.True(t, resp.SideChain)
	require.Equal(t, uint32(1), resp.Skipped)
	require.Equal(t, uint64(50), sideCount(t, f))

	// Known headers must still form a chain with what follows.
	f.requireRejected([][]byte{chain[10], chain[12]}, types.ErrHeadersNotLinked)
	f.requireRejected([][]byte{chain[10], chain[11], chain[900], chain[902]}, types.ErrHeadersNotLinked)
}

// setForkDepth sets params.max_fork_depth (the side-chain store holds twice
// as many headers) through governance.
func setForkDepth(t testing.TB, f *fixture, depth uint64) types.Params {
	t.Helper()
	params := types.DefaultParams()
	params.MaxForkDepth = depth
	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, params))
	require.NoError(t, err)
	return params
}

// Side-chain headers that fall more than max_fork_depth below the tip (in
// work) are pruned when the tip moves; a fork starting that deep is refused
// and changes nothing; a branch whose bottom was pruned can no longer be
// extended until its ancestry is sent again.
func TestSideChainDepthBound(t *testing.T) {
	f, genesis := regtestFixture(t)
	setForkDepth(t, f, 20)
	chain := datagen.RegtestChain(t, genesis, 200, 1)
	f.mustInsert(datagen.SerializeHeaders(chain[:100]), 2016)

	side := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[84], 10, 2)) // 86..95
	resp := f.mustInsert(side, 2016)
	require.True(t, resp.SideChain)
	require.Equal(t, uint64(10), sideCount(t, f))

	// A fork whose first header is below the canonical header 20 below the
	// tip (height 80) is refused.
	deep := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[77], 30, 3)) // 79..108: still lighter? no: heavier
	err := f.requireRejected(deep[:10], types.ErrForkTooDeep)
	require.Contains(t, err.Error(), "within max_fork_depth")
	// A single heavier message from that deep still reorgs: only side
	// chains are bounded, not forks that win at once.
	_, err = f.k.InsertHeaders(cacheCtx(f.ctx), f.relayer, deep)
	require.NoError(t, err)

	// The tip moves to 110: the floor is height 90, whose work equals that of
	// side headers at 90; those below (86..89) are pruned, and paid for.
	ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	_, err = f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, datagen.SerializeHeaders(chain[100:110])))
	require.NoError(t, err)
	require.Equal(t, uint64(6), sideCount(t, f))
	for i, raw := range side {
		_, found, err := f.k.SideHeader(f.ctx, chainHash(raw))
		require.NoError(t, err)
		require.Equal(t, i >= 4, found, "side header at height %d", 86+i)
	}

	// The rest cannot be extended: its median time needs the pruned ones.
	next := datagen.RegtestChild(t, mustHeader(t, side[9]), 2)
	err = f.requireRejected([][]byte{datagen.SerializeHeader(&next)}, types.ErrUnknownParent)
	require.Contains(t, err.Error(), "resend the fork from its canonical ancestor")
	// Sent again from its ancestor, it now starts too deep to be kept.
	f.requireRejected(append(append([][]byte{}, side...), datagen.SerializeHeader(&next)), types.ErrForkTooDeep)
}

// The count bound and why it cannot evict an honest fork cheaply: with
// max_fork_depth 20 the store holds 40 headers. An honest fork of 16 headers
// from 15 below the tip arrives in two pieces of 10 and 6; between them an
// attacker fills every other slot (30 headers, each with more cumulative work
// than the honest fork's first): nothing honest is evicted and the fork wins.
// Only the attacker's 31st header, one more than the store has room for
// beside the honest fork, evicts the honest fork's first header (least work
// first). And even then the honest fork wins when sent again from its
// canonical ancestor.
func TestSideChainCountBound(t *testing.T) {
	f, genesis := regtestFixture(t)
	params := setForkDepth(t, f, 20)
	require.Equal(t, uint64(40), params.MaxSideHeaders())
	chain := datagen.RegtestChain(t, genesis, 100, 1)
	f.mustInsert(datagen.SerializeHeaders(chain), 2016)

	honest := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[84], 16, 2)) // 86..101
	f.mustInsert(honest[:10], 2016)
	var spam [][][]byte
	for i, parent := range []int{85, 86, 87, 88, 89, 90} { // heights 87.. and up, 4 each
		spam = append(spam, datagen.SerializeHeaders(datagen.RegtestChain(t, chain[parent], 4, uint32(10+i))))
	}
	for _, s := range spam {
		resp := f.mustInsert(s, 2016)
		require.True(t, resp.SideChain)
	}
	require.Equal(t, uint64(34), sideCount(t, f))
	// 6 more attacker headers: 30 + 10 honest = 40, the capacity.
	extra := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[93], 6, 20)) // 95..100: equal work
	f.mustInsert(extra, 2016)
	require.Equal(t, uint64(40), sideCount(t, f))

	t.Run("one more attacker header evicts the honest fork's least-work header", func(t *testing.T) {
		saved := f.ctx
		defer func() { f.ctx = saved }()
		f.ctx = cacheCtx(saved)
		one := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[96], 1, 30))
		f.mustInsert(one, 2016)
		require.Equal(t, uint64(40), sideCount(t, f))
		_, found, err := f.k.SideHeader(f.ctx, chainHash(honest[0]))
		require.NoError(t, err)
		require.False(t, found, "the least cumulative work goes first")
		err = f.requireRejected(honest[10:], types.ErrUnknownParent)
		require.Contains(t, err.Error(), "no longer stored")
		resp, err := f.insert(honest)
		require.NoError(t, err)
		require.True(t, resp.Reorged)
		require.Equal(t, uint64(101), resp.TipHeight)
		// The orphans it made canonical are canonical headers; their
		// entries wait for the pruner, within the bound.
		require.Equal(t, uint64(40), sideCount(t, f))
		require.Equal(t, uint64(31), liveSideCount(t, f))
	})

	resp, err := f.insert(honest[10:])
	require.NoError(t, err)
	require.True(t, resp.Reorged)
	require.Equal(t, uint64(101), resp.TipHeight)
	require.Equal(t, uint64(40), sideCount(t, f), "the 10 promoted honest headers' entries wait for the pruner")
	require.Equal(t, uint64(30), liveSideCount(t, f), "the 10 promoted honest headers are canonical")

	// Their entries count toward the bound and go least work first: one
	// more side-chain header evicts the entry of honest[0], which stays
	// canonical.
	one := datagen.SerializeHeaders(datagen.RegtestChain(t, *mustHeaderNoT(honest[5]), 1, 31)) // 92, beside honest[6]
	require.True(t, f.mustInsert(one, 2016).SideChain)
	require.Equal(t, uint64(40), sideCount(t, f))
	require.Equal(t, uint64(31), liveSideCount(t, f))
	stored, err := f.k.SideHeaders.Has(f.ctx, chainHash(honest[0]))
	require.NoError(t, err)
	require.False(t, stored, "the least cumulative work goes first")
	on, err := f.k.IsOnMainChain(f.ctx, chainHash(honest[0]))
	require.NoError(t, err)
	require.True(t, on)
}

func chainHash(raw []byte) [32]byte {
	h := mustHeaderNoT(raw)
	return h.BlockHash()
}

func mustHeaderNoT(raw []byte) *wire.BlockHeader {
	h, err := bitcoin.ParseHeader(raw)
	if err != nil {
		panic(err)
	}
	return h
}

func mustHeader(t *testing.T, raw []byte) *wire.BlockHeader {
	t.Helper()
	h, err := bitcoin.ParseHeader(raw)
	require.NoError(t, err)
	return h
}

// The gas of a reorg through a side chain: gas_per_header for the new
// header, for each canonical header removed and each side-chain header
// promoted, and read gas for each lookup, each read once.
func TestSideChainReorgGas(t *testing.T) {
	f, genesis := regtestFixture(t)
	chain := datagen.RegtestChain(t, genesis, 10, 1)
	f.mustInsert(datagen.SerializeHeaders(chain), 2016)
	fork := datagen.RegtestChain(t, chain[7], 3, 2) // 9..11
	resp := f.mustInsert(datagen.SerializeHeaders(fork[:2]), 2016)
	require.True(t, resp.SideChain)

	ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	resp, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, datagen.SerializeHeaders(fork[2:])))
	require.NoError(t, err)
	require.True(t, resp.Reorged)
	params := types.DefaultParams()
	// Reads: the new header and its parent looked up (2 + 2); the median
	// time of heights 10..0: 10 is the parent, 9 from the side-chain store
	// (2: not canonical, side), 8 found canonical (1) and read (1) with 7..0
	// (8); the minimum-difficulty rule reads 0 again from the view; the
	// promotion finds the branch already walked and writes it canonical,
	// leaving its side-chain entries for the pruner; writing the new header
	// canonical looks nothing up.
	reads := uint64(4 + 2 + 2 + 8)
	require.Equal(t, params.GasPerHeader+2*params.RemoveGas()+2*params.PromoteGas()+reads*params.ReadGas(), ctx.GasMeter().GasConsumed())
}

// blockMaxGas is the block gas limit hemid init writes (consensus
// params.block.max_gas), which ProcessProposal enforces.
const blockMaxGas = 30_000_000

// Finding 4 on a real chain: on regtest an attacker extends the tip with a
// whole period, 2,016 cheap headers; the honest fork of 2,017 headers from
// the same ancestor arrives as 2,016 side-chain headers and one winning
// header. That winning message removes 2,016 canonical headers and promotes
// 2,016 side-chain headers, and must fit in a block, as its gas meter charges
// it: otherwise no block can carry it and the attacker's chain stays.
func TestPeriodDeepReorgFitsInABlock(t *testing.T) {
	f, genesis := regtestFixture(t)
	common := datagen.RegtestChain(t, genesis, 100, 1)
	f.mustInsert(datagen.SerializeHeaders(common), 2016)
	f.mustInsert(datagen.SerializeHeaders(datagen.RegtestChain(t, common[99], 2016, 2)), 2016) // 101..2116
	honest := datagen.SerializeHeaders(datagen.RegtestChain(t, common[99], 2017, 3))           // 101..2117
	resp := f.mustInsert(honest[:2016], 2016)
	require.True(t, resp.SideChain)

	ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	resp, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, honest[2016:]))
	require.NoError(t, err)
	require.True(t, resp.Reorged)
	require.Equal(t, uint64(2117), resp.TipHeight)
	gas := ctx.GasMeter().GasConsumed()
	t.Logf("the winning message of a 2,017-header reorg (1 new header, 2,016 promoted, 2,016 removed): %d gas", gas)
	require.Less(t, gas, uint64(blockMaxGas))
	// The charges themselves: removal and promotion at their own price, and
	// the two lookups of the side-chain walk per promoted header.
	params := types.DefaultParams()
	require.GreaterOrEqual(t, gas, 2016*(params.RemoveGas()+params.PromoteGas()+2*params.ReadGas())+params.GasPerHeader)
}

// A promoted header keeps its side-chain entry, and is read as canonical
// while it is: by the Header query and SideHeader, and a batch on it forks
// from the canonical chain. When a heavier fork takes it off the canonical
// chain it is a side-chain header again, on its own branch: a batch on it is
// validated on that branch and, once heavier, promotes it again.
func TestPromotedHeaderIsSideAgainAfterReorg(t *testing.T) {
	f, genesis := regtestFixture(t)
	chain := datagen.RegtestChain(t, genesis, 10, 1)
	f.mustInsert(datagen.SerializeHeaders(chain), 2016)
	a := datagen.RegtestChain(t, chain[7], 6, 2) // 9..14
	raw := datagen.SerializeHeaders(a)
	require.True(t, f.mustInsert(raw[:2], 2016).SideChain)
	require.True(t, f.mustInsert(raw[2:3], 2016).Reorged) // a[0], a[1] promoted
	require.Equal(t, uint64(2), sideCount(t, f))
	require.Zero(t, liveSideCount(t, f))
	canonical := func(hash chainhash.Hash) bool {
		resp, err := f.query.Header(f.ctx, &types.QueryHeaderRequest{Id: hash.String()})
		require.NoError(t, err)
		return resp.Canonical
	}
	require.True(t, canonical(a[0].BlockHash()))

	b := datagen.SerializeHeaders(datagen.RegtestChain(t, chain[7], 5, 3)) // 9..13
	resp := f.mustInsert(b, 2016)
	require.True(t, resp.Reorged)
	require.Equal(t, uint64(13), resp.TipHeight)
	// a[0] and a[1] are side-chain headers again; a[2] was never stored
	// there and is gone.
	require.Equal(t, uint64(2), liveSideCount(t, f))
	require.False(t, canonical(a[0].BlockHash()))
	info, found, err := f.k.SideHeader(f.ctx, a[1].BlockHash())
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, uint64(10), info.Height)
	require.Equal(t, workOf(11, datagen.RegtestBits), info.CumulativeWork)

	// a[2..4] on a[1]: equal work with the tip, kept on the side; a[5]
	// makes the branch heavier, and a[0], a[1] are promoted again.
	resp = f.mustInsert(raw[2:5], 2016)
	require.True(t, resp.SideChain)
	resp = f.mustInsert(raw[5:], 2016)
	require.True(t, resp.Reorged)
	require.Equal(t, uint64(14), resp.TipHeight)
	for i, h := range a {
		require.Equal(t, raw[i], f.header(uint64(9+i)).Header)
		require.True(t, canonical(h.BlockHash()))
	}
	require.Zero(t, liveSideCount(t, f))
}
