package pop_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/tx/signing"

	"github.com/hemi-appchain/hemi/x/pop"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// The default genesis JSON validates, shows the params a user expects, and
// malformed or invalid JSON is refused with a message.
func TestModuleGenesisJSON(t *testing.T) {
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	m := pop.AppModule{}
	bz := m.DefaultGenesis(cdc)
	require.NoError(t, m.ValidateGenesis(cdc, nil, bz))

	var doc struct {
		Params struct {
			KeystoneInterval string `json:"keystone_interval"`
			KeystoneReward   struct {
				Denom, Amount string
			} `json:"keystone_reward"`
		}
	}
	require.NoError(t, json.Unmarshal(bz, &doc))
	require.Equal(t, "150", doc.Params.KeystoneInterval)
	require.Equal(t, "ahemi", doc.Params.KeystoneReward.Denom)
	require.Equal(t, "10000000000000000000", doc.Params.KeystoneReward.Amount)

	require.ErrorContains(t, m.ValidateGenesis(cdc, nil, json.RawMessage(`{"params":`)), "failed to unmarshal pop genesis state")
	bad := types.DefaultGenesis()
	bad.Params.SuperfinalityDepth = 0
	require.ErrorIs(t, m.ValidateGenesis(cdc, nil, cdc.MustMarshalJSON(bad)), types.ErrInvalidGenesis)
}

// Every message is registered as sdk.Msg with its amino name.
func TestModuleRegistersMessages(t *testing.T) {
	ir := codectypes.NewInterfaceRegistry()
	pop.AppModule{}.RegisterInterfaces(ir)
	for _, url := range []string{"/hemi.pop.v1.MsgSubmitPoPProof", "/hemi.pop.v1.MsgUpdateParams", "/hemi.pop.v1.MsgResumeRewards"} {
		msg, err := ir.Resolve(url)
		require.NoError(t, err, url)
		_, ok := msg.(sdk.Msg)
		require.True(t, ok, url)
	}
	amino := codec.NewLegacyAmino()
	pop.AppModule{}.RegisterLegacyAminoCodec(amino)
	bz, err := amino.MarshalJSON(types.NewMsgSubmitPoPProof("hemi1x", nil, chainhash.Hash{}, 1, nil, []byte{7}))
	require.NoError(t, err)
	require.Contains(t, string(bz), "hemi/x/pop/MsgSubmitPoPProof")
	require.Contains(t, string(bz), `"funding_tx"`, "the proof, funding transaction included, is in the amino JSON that is signed")
	bz, err = amino.MarshalJSON(types.NewMsgResumeRewards("hemi1x"))
	require.NoError(t, err)
	require.Contains(t, string(bz), "hemi/x/pop/MsgResumeRewards")
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
	pop.AppModule{}.RegisterInterfaces(ir)
	require.NoError(t, ir.SigningContext().Validate())
	cdc := codec.NewProtoCodec(ir)

	who := bytes.Repeat([]byte{9}, 20)
	addr, err := ac.BytesToString(who)
	require.NoError(t, err)
	for _, msg := range []gogoproto.Message{
		types.NewMsgSubmitPoPProof(addr, []byte{1}, chainhash.Hash{}, 1, nil, nil),
		types.NewMsgUpdateParams(addr, types.DefaultParams()),
		types.NewMsgResumeRewards(addr),
	} {
		signers, _, err := cdc.GetMsgV1Signers(msg)
		require.NoError(t, err)
		require.Equal(t, [][]byte{who}, signers)
	}
}
