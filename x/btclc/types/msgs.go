package types

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Both messages are checked in full by their handlers (authority or signer,
// then the content, then against state), so they have no ValidateBasic.
var (
	_ sdk.Msg = (*MsgInsertHeaders)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)
)

// NewMsgInsertHeaders builds a MsgInsertHeaders; headers are raw 80-byte
// Bitcoin headers, each the parent of the next.
func NewMsgInsertHeaders(signer string, headers [][]byte) *MsgInsertHeaders {
	return &MsgInsertHeaders{Signer: signer, Headers: headers}
}

// NewMsgUpdateParams builds a MsgUpdateParams for the governance authority.
func NewMsgUpdateParams(authority string, params Params) *MsgUpdateParams {
	return &MsgUpdateParams{Authority: authority, Params: params}
}
