package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterInterfaces registers x/pop's messages and its Msg service.
func RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	ir.RegisterImplementations((*sdk.Msg)(nil),
		&MsgSubmitPoPProof{},
		&MsgUpdateParams{},
		&MsgResumeRewards{},
	)
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the amino names of x/pop's messages and
// params (the names in the proto amino.name options), for amino-JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgSubmitPoPProof{}, "hemi/x/pop/MsgSubmitPoPProof")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "hemi/x/pop/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgResumeRewards{}, "hemi/x/pop/MsgResumeRewards")
	cdc.RegisterConcrete(&Params{}, "hemi/x/pop/Params", nil)
}
