package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// anchoring is the part of a status the finality tests compare.
type anchoring struct {
	first, effective, confirmations uint64
	superfinal                      bool
}

func (f *fixture) anchoring(height uint64) anchoring {
	f.tb.Helper()
	st := f.status(height)
	return anchoring{st.FirstBtcHeight, st.EffectiveBtcHeight, st.Confirmations, st.Superfinal}
}

// Confirmations and superfinality follow DESIGN §5: first(K) is the lowest
// canonical publication of K, effective(K) the lowest first(K') over K' >=
// K, confirmations = tip - effective + 1, superfinal at the depth (6).
func TestConfirmationsAndSuperfinality(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(30)

	f.beginBlock()
	f.publish(m, 20) // btc 1
	f.endBlock()
	// Keystone 10 was never published, but 20 commits to it.
	require.Equal(t, anchoring{0, 1, 1, false}, f.anchoring(10))
	require.Equal(t, anchoring{1, 1, 1, false}, f.anchoring(20))
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(30))

	f.beginBlock()
	f.extendN(1)
	f.publish(m, 10) // btc 3: later than 20's, so 20 still anchors 10
	f.endBlock()
	require.Equal(t, anchoring{3, 1, 3, false}, f.anchoring(10))
	require.Equal(t, anchoring{1, 1, 3, false}, f.anchoring(20))

	f.beginBlock()
	f.extendN(2) // tip 5
	f.endBlock()
	require.Equal(t, anchoring{1, 1, 5, false}, f.anchoring(20))
	require.Zero(t, f.finality().LatestSuperfinal)

	f.beginBlock()
	f.extendN(1) // tip 6: 6 confirmations
	f.endBlock()
	require.Equal(t, anchoring{3, 1, 6, true}, f.anchoring(10))
	require.Equal(t, anchoring{1, 1, 6, true}, f.anchoring(20))
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(30))
	require.Equal(t, types.FinalityState{LatestSuperfinal: 20, HighestEverSuperfinal: 20}, f.finality())
	require.Equal(t, []*types.EventKeystoneSuperfinal{{
		KeystoneHeight: 20, PreviousSuperfinal: 0, EffectiveBtcHeight: 1, Confirmations: 6, BtcTipHeight: 6,
	}}, eventsOf[*types.EventKeystoneSuperfinal](t, f.ctx))

	f.beginBlock()
	f.publish(m, 30) // btc 7
	f.extendN(4)     // tip 11: 5 confirmations
	f.endBlock()
	require.Equal(t, anchoring{7, 7, 5, false}, f.anchoring(30))
	require.Empty(t, eventsOf[*types.EventKeystoneSuperfinal](t, f.ctx))

	f.beginBlock()
	f.extendN(1)
	f.endBlock()
	require.Equal(t, anchoring{7, 7, 6, true}, f.anchoring(30))
	require.Equal(t, anchoring{1, 1, 12, true}, f.anchoring(20))
	require.Equal(t, []*types.EventKeystoneSuperfinal{{
		KeystoneHeight: 30, PreviousSuperfinal: 20, EffectiveBtcHeight: 7, Confirmations: 6, BtcTipHeight: 12,
	}}, eventsOf[*types.EventKeystoneSuperfinal](t, f.ctx))
}

// A later keystone anchors every earlier one, however many were never
// published: one publication of the newest makes them all superfinal.
func TestLaterKeystoneAnchorsEarlierOnes(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(100)
	f.beginBlock()
	f.publish(m, 100)
	f.extendN(5)
	f.endBlock()
	for h := uint64(10); h <= 100; h += 10 {
		st := f.anchoring(h)
		require.Equal(t, uint64(6), st.confirmations, "keystone %d", h)
		require.True(t, st.superfinal, "keystone %d", h)
	}
	require.Equal(t, uint64(100), f.finality().LatestSuperfinal)
}

// A Bitcoin reorg that drops a publication's block lowers the keystone's
// confirmations at the end of that very block; when the block comes back,
// so does the anchoring.
func TestReorgDropsPublication(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(10)
	f.beginBlock()
	f.extendN(2)
	pubBlock := f.publish(m, 10) // btc 3
	after := f.extendN(2)        // tip 5
	f.endBlock()
	require.Equal(t, anchoring{3, 3, 3, false}, f.anchoring(10))

	f.beginBlock()
	f.fork(2, 4) // heights 3..6 replaced by a heavier branch without it
	f.endBlock()
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(10))
	st := f.status(10)
	require.Len(t, st.Publications, 1)
	require.False(t, st.Publications[0].OnMainChain)
	has, err := f.k.Anchors.Has(f.ctx, 10)
	require.NoError(t, err)
	require.False(t, has)

	// The original branch, extended, outweighs the fork again.
	f.beginBlock()
	tail := f.mineBlock(after[1].header, after[1].height, 0)
	tail2 := f.mineBlock(tail.header, tail.height, 0)
	_, err = f.insert(pubBlock, after[0], after[1], tail, tail2)
	require.NoError(t, err)
	f.btcTip = tail2.header
	f.endBlock()
	require.Equal(t, anchoring{3, 3, 5, false}, f.anchoring(10))
	require.True(t, f.status(10).Publications[0].OnMainChain)
}

// A reorg that only replaces blocks above a publication changes nothing
// but the tip; one that replaces a later keystone's publication falls back
// to the earlier keystone's own.
func TestReorgAboveAndBetweenPublications(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(20)
	f.beginBlock()
	f.publish(m, 20) // btc 1
	f.publish(m, 10) // btc 2
	f.extendN(2)     // tip 4
	f.endBlock()
	require.Equal(t, anchoring{2, 1, 4, false}, f.anchoring(10))

	f.beginBlock()
	f.fork(2, 3) // replaces 3..4 with 3..5
	f.endBlock()
	require.Equal(t, anchoring{2, 1, 5, false}, f.anchoring(10))

	f.beginBlock()
	f.fork(0, 6) // replaces everything: both publications gone
	f.endBlock()
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(10))
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(20))
}

// A keystone that was superfinal and loses it to a Bitcoin reorg is a
// finality violation: the event names the keystones, rewards pause, and
// keystones becoming superfinal meanwhile earn nothing. Governance resumes
// payouts; no keystone is ever paid twice.
func TestFinalityViolation(t *testing.T) {
	f := newFixture(t)
	reward := types.DefaultKeystoneReward().Amount
	a, b, c := newPoPMiner(f, 1, false), newPoPMiner(f, 2, false), newPoPMiner(f, 3, true)
	f.advanceTo(20)
	f.beginBlock()
	f.publish(a, 20) // btc 1
	f.extendN(5)     // tip 6
	f.endBlock()
	require.Equal(t, types.FinalityState{LatestSuperfinal: 20, HighestEverSuperfinal: 20}, f.finality())
	require.Equal(t, reward, f.bank.balance(t, a.payee(t)))
	require.Equal(t, reward.String(), f.bank.Pool().AmountOf(types.RewardDenom).String(), "keystone 10 has no publication of its own")

	f.beginBlock()
	f.fork(0, 7) // a heavier Bitcoin history without the publication
	f.endBlock()
	require.Equal(t, []*types.EventFinalityViolation{{
		KeystoneHeight: 20, LatestSuperfinal: 0, BtcForkHeight: 0, BtcTipHeight: 7,
	}}, eventsOf[*types.EventFinalityViolation](t, f.ctx))
	require.True(t, f.rewardsPaused())
	require.Equal(t, types.FinalityState{LatestSuperfinal: 0, HighestEverSuperfinal: 20}, f.finality())
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(20))

	// Superfinal again, and a new keystone too, while paused: no payout.
	minted := f.bank.Minted()
	f.advanceTo(30)
	f.beginBlock()
	f.publish(b, 30) // btc 8
	f.extendN(5)
	f.endBlock()
	require.Equal(t, types.FinalityState{LatestSuperfinal: 30, HighestEverSuperfinal: 30}, f.finality())
	require.Len(t, eventsOf[*types.EventKeystoneSuperfinal](t, f.ctx), 1)
	require.Empty(t, eventsOf[*types.EventPoPReward](t, f.ctx))
	require.Equal(t, minted, f.bank.Minted())
	require.True(t, f.bank.balance(t, b.payee(t)).IsZero())

	// Governance resumes; only keystones superfinal for the first time pay.
	_, err := f.msgs.ResumeRewards(f.ctx, types.NewMsgResumeRewards(f.authority))
	require.NoError(t, err)
	f.advanceTo(40)
	f.beginBlock()
	f.publish(c, 40)
	f.extendN(5)
	f.endBlock()
	require.Equal(t, uint64(40), f.finality().LatestSuperfinal)
	require.Equal(t, reward, f.bank.balance(t, c.payee(t)))
	require.Equal(t, minted.Add(types.DefaultKeystoneReward()), f.bank.Minted())
	require.Equal(t, reward, f.bank.balance(t, a.payee(t)), "keystone 20 is not paid again")
}

// Raising superfinality_depth can lower the superfinal keystone; that is
// governance's decision, not a violation: rewards go on.
func TestDepthRaiseIsNotAViolation(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(10)
	f.beginBlock()
	f.publish(m, 10)
	f.extendN(5)
	f.endBlock()
	require.Equal(t, uint64(10), f.finality().LatestSuperfinal)

	f.beginBlock()
	p := f.params()
	p.SuperfinalityDepth = 7
	f.setParams(p)
	f.endBlock()
	require.Zero(t, f.finality().LatestSuperfinal)
	require.Empty(t, eventsOf[*types.EventFinalityViolation](t, f.ctx))
	require.False(t, f.rewardsPaused())

	f.beginBlock()
	f.extendN(1)
	f.endBlock()
	require.Equal(t, uint64(10), f.finality().LatestSuperfinal)
	require.Empty(t, eventsOf[*types.EventPoPReward](t, f.ctx), "keystone 10 was paid the first time")
}

// x/pop's EndBlock works only when a message changed something; a block's
// Bitcoin reorgs are handled by x/btclc's hook call, once, from the lowest
// fork point of the block.
func TestEndBlockOnlyWhenDue(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(10)
	f.beginBlock()
	before := f.snapshot()
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, before, f.snapshot())

	f.extendN(1)
	f.publish(m, 10) // btc 2
	f.extendN(3)     // tip 5
	f.endBlock()
	require.Equal(t, anchoring{2, 2, 4, false}, f.anchoring(10))

	f.beginBlock()
	f.fork(3, 3) // tip 6: the publication stays
	f.fork(1, 6) // tip 7: it is gone
	f.fork(4, 4) // tip 8, on the new branch
	require.NoError(t, f.btclc.EndBlocker(f.ctx))
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(10), "re-anchored from fork point 1, the lowest of the block")
	has, err := f.k.PendingUpdate.Has(f.ctx)
	require.NoError(t, err)
	require.False(t, has)
	before = f.snapshot()
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, before, f.snapshot(), "nothing left for x/pop's EndBlock")
}

// A Bitcoin reorg is reflected in x/btclc's hook call itself: finality,
// the violation and the pause are there before x/pop's EndBlock runs (it
// has nothing left to do), so no EndBlock order can make x/pop see a reorg
// a block late.
func TestReorgHookUpdatesFinalityAtOnce(t *testing.T) {
	f := newFixture(t)
	a := newPoPMiner(f, 1, false)
	f.advanceTo(20)
	f.beginBlock()
	f.publish(a, 20) // btc 1
	f.extendN(5)     // tip 6
	f.endBlock()
	require.Equal(t, uint64(20), f.finality().LatestSuperfinal)

	f.beginBlock()
	f.fork(0, 7) // a heavier Bitcoin history without the publication
	require.Equal(t, uint64(20), f.finality().LatestSuperfinal, "x/btclc reports reorgs at the end of the block")
	fork, err := f.btclc.HeaderByHeight(f.ctx, 0)
	require.NoError(t, err)
	_, err = f.k.KeystoneAnchoring(f.ctx, 20)
	require.ErrorIs(t, err, types.ErrReorgPending, "a status between the reorg and EndBlock")
	// x/btclc's EndBlock clears its record, then calls the hook.
	require.NoError(t, f.btclc.PendingRollBack.Remove(f.ctx))
	require.NoError(t, f.k.Hooks().AfterRollBack(f.ctx, fork))
	require.Equal(t, types.FinalityState{LatestSuperfinal: 0, HighestEverSuperfinal: 20}, f.finality())
	require.Equal(t, anchoring{0, 0, 0, false}, f.anchoring(20))
	require.True(t, f.rewardsPaused())
	require.Equal(t, []*types.EventFinalityViolation{{
		KeystoneHeight: 20, LatestSuperfinal: 0, BtcForkHeight: 0, BtcTipHeight: 7,
	}}, eventsOf[*types.EventFinalityViolation](t, f.ctx))

	// The hook call x/btclc's EndBlock makes next, and x/pop's EndBlock,
	// change nothing more.
	before := f.snapshot()
	tip, err := f.btclc.Tip(f.ctx)
	require.NoError(t, err)
	require.NoError(t, f.k.Hooks().AfterRollForward(f.ctx, tip))
	require.NoError(t, f.k.EndBlocker(f.ctx))
	require.Equal(t, before, f.snapshot())
	require.Len(t, eventsOf[*types.EventFinalityViolation](t, f.ctx), 1)
}

// When a reorg drops the block holding a publication and the same transaction is mined again on
// the winning branch (as nodes return a disconnected block's transactions to their mempool), its
// proof in the new block is accepted and the publication counts again at its new height; while
// its block is on the main chain, a second proof is a duplicate.
func TestReorgedPublicationProvenAgain(t *testing.T) {
	f := newFixture(t)
	m := newPoPMiner(f, 7, false)
	f.advanceTo(10)
	f.beginBlock()
	f.extendN(2)
	pubBlock := f.publish(m, 10) // btc 3
	f.extendN(2)                 // tip 5
	f.endBlock()
	require.Equal(t, anchoring{3, 3, 3, false}, f.anchoring(10))

	f.beginBlock()
	f.requireRejected(t, f.proof(pubBlock, 1), types.ErrDuplicatePublication)
	branch := f.fork(2, 4, pubBlock.txs[1]) // heights 3..6 replace 3..5: the same tx again, at 3
	require.Error(t, f.requireRejected(t, f.proof(pubBlock, 1), btclctypes.ErrNotOnMainChain))
	f.submit(branch[0])
	f.endBlock()
	require.Equal(t, anchoring{3, 3, 4, false}, f.anchoring(10))
	st := f.status(10)
	require.Len(t, st.Publications, 1)
	require.True(t, st.Publications[0].OnMainChain)
	require.Equal(t, branch[0].hash().String(), st.Publications[0].Publication.BtcBlockHash)
}
