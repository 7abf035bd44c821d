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
// changed. Clearing rewards_paused resumes payouts for keystones that become
// superfinal from then on.
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
