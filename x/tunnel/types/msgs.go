package types

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// The messages are checked in full by their handlers (authority, sender or
// submitter, then the content, then against state), so they have no
// ValidateBasic.
var (
	_ sdk.Msg = (*MsgProveDeposit)(nil)
	_ sdk.Msg = (*MsgWithdraw)(nil)
	_ sdk.Msg = (*MsgProveWithdrawal)(nil)
	_ sdk.Msg = (*MsgRefundWithdrawal)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)
)

// NewMsgUpdateParams builds a MsgUpdateParams.
func NewMsgUpdateParams(authority string, p Params) *MsgUpdateParams {
	return &MsgUpdateParams{Authority: authority, Params: p}
}
