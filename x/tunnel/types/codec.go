package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterInterfaces registers x/tunnel's messages and its Msg service.
func RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	ir.RegisterImplementations((*sdk.Msg)(nil),
		&MsgProveDeposit{},
		&MsgWithdraw{},
		&MsgProveWithdrawal{},
		&MsgRefundWithdrawal{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(ir, &_Msg_serviceDesc)
}

// RegisterLegacyAminoCodec registers the amino names of x/tunnel's messages
// and params, for amino-JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgProveDeposit{}, "hemi/x/tunnel/MsgProveDeposit")
	legacy.RegisterAminoMsg(cdc, &MsgWithdraw{}, "hemi/x/tunnel/MsgWithdraw")
	legacy.RegisterAminoMsg(cdc, &MsgProveWithdrawal{}, "hemi/x/tunnel/MsgProveWithdrawal")
	legacy.RegisterAminoMsg(cdc, &MsgRefundWithdrawal{}, "hemi/x/tunnel/MsgRefundWithdrawal")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "hemi/x/tunnel/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "hemi/x/tunnel/Params", nil)
}
