package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	appparams "github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Only the authority changes params, only to valid ones, and a change asks
// EndBlock to re-evaluate finality.
func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	params := f.params()
	params.SuperfinalityDepth = 3

	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.submitter, params))
	require.ErrorIs(t, err, sdkerrors.ErrUnauthorized)
	bad := params
	bad.KeystoneInterval = 0
	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, bad))
	require.ErrorIs(t, err, types.ErrInvalidParams)
	// The reward is minted: only the bond denom, never sat (unbacked BTC).
	bad = params
	bad.KeystoneReward = sdk.NewInt64Coin(appparams.BTCDenom, 1)
	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, bad))
	require.ErrorIs(t, err, types.ErrInvalidParams)
	require.ErrorContains(t, err, "ahemi")
	require.Equal(t, before, f.snapshot())

	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, params))
	require.NoError(t, err)
	require.Equal(t, params, f.params())
	due, err := f.k.PendingUpdate.Has(f.ctx)
	require.NoError(t, err)
	require.True(t, due)
}

// A finality violation pauses rewards in x/pop's own state: a params change
// (here one drafted before the violation, from the params of then) leaves
// them paused; MsgResumeRewards from anyone but the authority is refused
// and changes nothing; from the authority it resumes them, once.
func TestResumeRewards(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(20)
	drafted := f.params()
	drafted.MaxRewardDelay = 4
	f.beginBlock()
	f.publish(newPoPMiner(f, 1, false), 20) // btc 1
	f.extendN(5)                            // tip 6: keystone 20 superfinal
	f.endBlock()
	f.beginBlock()
	f.fork(0, 7) // the publication is gone: a violation
	f.endBlock()
	require.True(t, f.rewardsPaused())

	f.beginBlock()
	f.setParams(drafted)
	f.endBlock()
	require.Equal(t, drafted, f.params())
	require.True(t, f.rewardsPaused(), "a params change does not resume rewards")
	fin, err := f.query.Finality(f.ctx, &types.QueryFinalityRequest{})
	require.NoError(t, err)
	require.True(t, fin.RewardsPaused)

	f.beginBlock()
	before := f.snapshot()
	_, err = f.msgs.ResumeRewards(f.ctx, types.NewMsgResumeRewards(f.submitter))
	require.ErrorIs(t, err, sdkerrors.ErrUnauthorized)
	require.Equal(t, before, f.snapshot())
	require.Empty(t, eventsOf[*types.EventRewardsResumed](t, f.ctx))

	_, err = f.msgs.ResumeRewards(f.ctx, types.NewMsgResumeRewards(f.authority))
	require.NoError(t, err)
	require.False(t, f.rewardsPaused())
	require.Len(t, eventsOf[*types.EventRewardsResumed](t, f.ctx), 1)
	before = f.snapshot()
	_, err = f.msgs.ResumeRewards(f.ctx, types.NewMsgResumeRewards(f.authority))
	require.ErrorIs(t, err, types.ErrRewardsNotPaused)
	require.Equal(t, before, f.snapshot())
	f.endBlock()
	fin, err = f.query.Finality(f.ctx, &types.QueryFinalityRequest{})
	require.NoError(t, err)
	require.False(t, fin.RewardsPaused)
}
