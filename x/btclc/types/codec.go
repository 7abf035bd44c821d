package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterInterfaces registers x/btclc's messages and its Msg service.
func RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	ir.RegisterImplementations((*sdk.Msg)(nil),
		&MsgInsertHeaders{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the amino names of x/btclc's messages and
// params (the names in the proto amino.name options), for amino-JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgInsertHeaders{}, "hemi/x/btclc/MsgInsertHeaders")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "hemi/x/btclc/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "hemi/x/btclc/Params", nil)
}
