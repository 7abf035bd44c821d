package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// backlogGenesis is a chain that recorded keystones 1..n (interval 1) and
// proved one publication of each, by its own payee, in the Bitcoin block at
// height 1 of btclc's chain (tip 5): none is superfinal yet, and one more
// Bitcoin block makes all n superfinal at once, as after a PoP stall.
func backlogGenesis(t *testing.T, n int, reward sdkmath.Int) (*btclctypes.GenesisState, *types.GenesisState, func(h uint64) string) {
	src := newFixture(t)
	src.beginBlock()
	b1 := src.extend()
	src.extendN(4)
	src.endBlock()
	btclcGS, err := src.btclc.ExportGenesis(src.ctx)
	require.NoError(t, err)

	payee := func(h uint64) string {
		s := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("payee"), h))
		return mustAddr(t, s[:20])
	}
	gs := types.DefaultGenesis()
	gs.Params.KeystoneInterval = 1
	gs.Params.KeystoneReward.Amount = reward
	blockHash1 := b1.hash()
	prev := make([]byte, 32)
	for h := int64(1); h <= int64(n); h++ {
		gs.Keystones = append(gs.Keystones, types.Keystone{
			Height: uint64(h), BlockHash: blockHash(h), ParentHash: blockHash(h - 1), AppHash: appHash(h),
			PrevKeystoneHash: prev, BtcHeight: 0, BtcHash: blockHash1[:],
		})
		prev = blockHash(h)
		txid := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("txid"), uint64(h)))
		gs.Publications = append(gs.Publications, types.Publication{
			KeystoneHeight: uint64(h), Txid: txid[:], BtcHeight: 1, BtcBlockHash: blockHash1[:],
			Payee: payee(uint64(h)), Submitter: src.submitter,
		})
	}
	return btclcGS, gs, payee
}

// A backlog of 10,000 keystones that become superfinal in one block is paid
// through the cursor: no block pays more than max_keystones_paid_per_block,
// every keystone is paid exactly once, in height order, its whole reward to
// its one publication's payee, and the cursor is gone when all are paid.
func TestRewardBacklogPaidInOrderUnderTheCap(t *testing.T) {
	const n = 10_000
	reward := sdkmath.NewInt(1_000_003)
	btclcGS, gs, payee := backlogGenesis(t, n, reward)
	f := newFixtureFrom(t, btclcGS, gs, n+1)
	limit := int(f.params().MaxKeystonesPaidPerBlock)
	require.Equal(t, 100, limit)

	f.beginBlock()
	f.extendN(1) // tip 6: keystones 1..n superfinal at once
	f.endBlock()
	require.Equal(t, uint64(n), f.finality().LatestSuperfinal)

	next := uint64(1) // the next keystone to be paid
	blocks := 0
	for {
		events := eventsOf[*types.EventPoPReward](t, f.ctx)
		require.LessOrEqual(t, len(events), limit, "block %d pays more keystones than the cap", f.height)
		for _, e := range events {
			require.Equal(t, next, e.KeystoneHeight, "paid out of order")
			require.Equal(t, payee(e.KeystoneHeight), e.Payee)
			require.Equal(t, reward.String()+types.RewardDenom, e.Amount)
			next++
		}
		if len(events) > 0 {
			blocks++
		}
		owed, err := f.k.OwedRewards.Iterate(f.ctx, nil)
		require.NoError(t, err)
		more := owed.Valid()
		owed.Close()
		if !more {
			break
		}
		require.Len(t, events, limit, "a block with a backlog left pays the full cap")
		f.beginBlock()
		f.endBlock()
	}
	require.Equal(t, uint64(n+1), next, "every keystone paid")
	require.Equal(t, n/limit, blocks)
	for _, h := range []uint64{1, 2, n / 2, n} {
		require.Equal(t, reward, f.bank.balance(t, payee(h)), "keystone %d", h)
	}
	require.Equal(t, reward.MulRaw(n).String(), f.bank.Minted().AmountOf(types.RewardDenom).String(), "minted once per keystone")
	require.True(t, f.bank.Pool().IsZero())

	// Nothing more is paid later.
	minted := f.bank.Minted()
	f.advanceTo(f.height + 3)
	require.Equal(t, minted, f.bank.Minted())
}

// An owed keystone is paid only while it is superfinal, and not while
// rewards are paused: the cursor waits at it (it stays owed), and when the
// keystone is superfinal again and rewards run, it and the ones after it are
// paid, in order and once, split among the publications canonical then.
func TestOwedRewardsWait(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.KeystoneReward.Amount = sdkmath.NewInt(1000)
	p.MaxKeystonesPaidPerBlock = 1
	f.setParams(p)
	a, b := newPoPMiner(f, 1, false), newPoPMiner(f, 2, false)
	f.advanceTo(30)

	f.beginBlock()
	f.publish(a, 30) // btc 1, anchors 10, 20 and 30
	f.extendN(5)     // tip 6
	f.endBlock()
	require.Equal(t, uint64(30), f.finality().LatestSuperfinal)
	require.Equal(t, "1000", f.bank.Pool().AmountOf(types.RewardDenom).String(), "keystone 10 paid (no publication of its own: to the pool)")

	// A reorg takes the anchoring away: a violation; 20 and 30 stay owed.
	f.beginBlock()
	f.fork(0, 7)
	f.endBlock()
	require.True(t, f.rewardsPaused())
	require.Zero(t, f.finality().LatestSuperfinal)

	// Superfinal again (b's publication), still paused: nothing is paid.
	f.beginBlock()
	f.publish(b, 30) // btc 8
	f.extendN(5)
	f.endBlock()
	require.Equal(t, uint64(30), f.finality().LatestSuperfinal)
	f.advanceTo(f.height + 2)
	require.Equal(t, "1000", f.bank.Minted().AmountOf(types.RewardDenom).String())

	// Resumed, but a raised depth makes them not superfinal: still waiting.
	f.beginBlock()
	_, err := f.msgs.ResumeRewards(f.ctx, types.NewMsgResumeRewards(f.authority))
	require.NoError(t, err)
	p.SuperfinalityDepth = 20
	f.setParams(p)
	f.endBlock()
	require.Zero(t, f.finality().LatestSuperfinal)
	f.advanceTo(f.height + 2)
	require.Equal(t, "1000", f.bank.Minted().AmountOf(types.RewardDenom).String())

	// Superfinal again: 20, then 30, one per block; 30's reward goes to b,
	// whose publication is the canonical one now.
	f.beginBlock()
	p.SuperfinalityDepth = 6
	f.setParams(p)
	f.endBlock()
	require.Equal(t, "2000", f.bank.Pool().AmountOf(types.RewardDenom).String(), "keystone 20")
	require.True(t, f.bank.balance(t, b.payee(t)).IsZero())
	f.beginBlock()
	f.endBlock()
	require.Equal(t, "1000", f.bank.balance(t, b.payee(t)).String(), "keystone 30")
	require.True(t, f.bank.balance(t, a.payee(t)).IsZero())
	f.advanceTo(f.height + 2)
	require.Equal(t, "3000", f.bank.Minted().AmountOf(types.RewardDenom).String(), "each keystone once")
}
