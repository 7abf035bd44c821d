package btclc_test

import (
	"bytes"
	"encoding/json"
	"testing"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/tx/signing"

	"github.com/hemi-appchain/hemi/x/btclc"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// The default genesis JSON validates, and so does what a genesis file holds
// after `hemid init`; malformed or invalid JSON is refused with a message.
func TestModuleGenesisJSON(t *testing.T) {
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	m := btclc.AppModule{}
	bz := m.DefaultGenesis(cdc)
	require.NoError(t, m.ValidateGenesis(cdc, nil, bz))

	var doc map[string]any
	require.NoError(t, json.Unmarshal(bz, &doc))
	require.Equal(t, "regtest", doc["network"])

	require.ErrorContains(t, m.ValidateGenesis(cdc, nil, json.RawMessage(`{"network":`)), "failed to unmarshal btclc genesis state")
	bad := types.DefaultGenesis()
	bad.Network = "mainnet" // regtest's genesis block is not mainnet's
	require.ErrorIs(t, m.ValidateGenesis(cdc, nil, cdc.MustMarshalJSON(bad)), types.ErrInvalidGenesis)
}

// Both messages are registered as sdk.Msg with their amino names.
func TestModuleRegistersMessages(t *testing.T) {
	ir := codectypes.NewInterfaceRegistry()
	btclc.AppModule{}.RegisterInterfaces(ir)
	for _, url := range []string{"/hemi.btclc.v1.MsgInsertHeaders", "/hemi.btclc.v1.MsgUpdateParams"} {
		msg, err := ir.Resolve(url)
		require.NoError(t, err, url)
		_, ok := msg.(sdk.Msg)
		require.True(t, ok, url)
	}
	amino := codec.NewLegacyAmino()
	btclc.AppModule{}.RegisterLegacyAminoCodec(amino)
	bz, err := amino.MarshalJSON(types.NewMsgInsertHeaders("hemi1x", nil))
	require.NoError(t, err)
	require.Contains(t, string(bz), "hemi/x/btclc/MsgInsertHeaders")
}

// The SDK finds each message's signer from its cosmos.msg.v1.signer option,
// with the chain's address codec.
func TestModuleMessageSigners(t *testing.T) {
	ac := address.NewBech32Codec("hemi")
	ir, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles: gogoproto.HybridResolver,
		SigningOptions: signing.Options{
			AddressCodec:          ac,
			ValidatorAddressCodec: address.NewBech32Codec("hemivaloper"),
		},
	})
	require.NoError(t, err)
	btclc.AppModule{}.RegisterInterfaces(ir)
	require.NoError(t, ir.SigningContext().Validate())
	cdc := codec.NewProtoCodec(ir)

	who := bytes.Repeat([]byte{9}, 20)
	addr, err := ac.BytesToString(who)
	require.NoError(t, err)
	for _, msg := range []gogoproto.Message{
		types.NewMsgInsertHeaders(addr, nil),
		types.NewMsgUpdateParams(addr, types.DefaultParams()),
	} {
		signers, _, err := cdc.GetMsgV1Signers(msg)
		require.NoError(t, err)
		require.Equal(t, [][]byte{who}, signers)
	}
}
