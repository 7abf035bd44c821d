package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// The messages are checked in full by their handlers, so they have no ValidateBasic.
var (
	_ sdk.Msg = (*MsgSubmitInboxTx)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)
)

// RegisterInterfaces registers x/inbox's messages and its Msg service.
func RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	ir.RegisterImplementations((*sdk.Msg)(nil), &MsgSubmitInboxTx{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the amino names of x/inbox's messages and params.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgSubmitInboxTx{}, "hemi/x/inbox/MsgSubmitInboxTx")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "hemi/x/inbox/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "hemi/x/inbox/Params", nil)
}
