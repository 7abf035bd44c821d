package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

type msgServer struct {
	k Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns x/tunnel's Msg service. Each handler checks
// everything itself, in the keeper method of the same name.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k: k} }

func (s msgServer) ProveDeposit(ctx context.Context, msg *types.MsgProveDeposit) (*types.MsgProveDepositResponse, error) {
	return s.k.ProveDeposit(ctx, msg)
}

func (s msgServer) Withdraw(ctx context.Context, msg *types.MsgWithdraw) (*types.MsgWithdrawResponse, error) {
	return s.k.Withdraw(ctx, msg)
}

func (s msgServer) ProveWithdrawal(ctx context.Context, msg *types.MsgProveWithdrawal) (*types.MsgProveWithdrawalResponse, error) {
	return s.k.ProveWithdrawal(ctx, msg)
}

func (s msgServer) RefundWithdrawal(ctx context.Context, msg *types.MsgRefundWithdrawal) (*types.MsgRefundWithdrawalResponse, error) {
	return s.k.RefundWithdrawal(ctx, msg)
}

// UpdateParams replaces the params; only the authority may. Setting
// deposits_enabled back to true is how governance lifts the circuit breaker.
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
	return &types.MsgUpdateParamsResponse{}, nil
}
