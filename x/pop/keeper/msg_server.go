package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

type msgServer struct {
	k Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns x/pop's Msg service.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k: k} }

// SubmitPoPProof checks everything itself (submitter, proof, Bitcoin, this
// chain's keystones) in Keeper.SubmitPoPProof.
func (s msgServer) SubmitPoPProof(ctx context.Context, msg *types.MsgSubmitPoPProof) (*types.MsgSubmitPoPProofResponse, error) {
	return s.k.SubmitPoPProof(ctx, msg)
}

// UpdateParams replaces the params; only the authority may. Finality is
// re-evaluated at the end of the block, since superfinality_depth may have
// changed. Whether rewards are paused is not a param: it does not touch it.
func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := sdk.ValidateAuthority(sdk.UnwrapSDKContext(ctx), s.k.authority, msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := s.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	if err := s.k.PendingUpdate.Set(ctx, true); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}

// ResumeRewards resumes the reward payouts a finality violation paused; only
// the authority may, and only while they are paused.
func (s msgServer) ResumeRewards(ctx context.Context, msg *types.MsgResumeRewards) (*types.MsgResumeRewardsResponse, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := sdk.ValidateAuthority(sdkCtx, s.k.authority, msg.Authority); err != nil {
		return nil, err
	}
	paused, err := s.k.Paused(ctx)
	if err != nil {
		return nil, err
	}
	if !paused {
		return nil, types.ErrRewardsNotPaused.Wrap("no finality violation has paused them since they were last resumed")
	}
	if err := s.k.RewardsPaused.Remove(ctx); err != nil {
		return nil, err
	}
	return &types.MsgResumeRewardsResponse{}, emitRewardsResumed(sdkCtx)
}
