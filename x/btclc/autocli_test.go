package btclc_test

import (
	"context"
	"encoding/hex"
	"testing"

	"cosmossdk.io/client/v2/autocli/flag"
	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/hemi-appchain/hemi/testutil/autoclitest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc"
)

// Every command names a real RPC method and real fields, as autocli resolves
// them from the gogoproto registry (the module has no pulsar types).
func TestAutoCLIOptionsMatchServices(t *testing.T) {
	autoclitest.RequireMatchesServices(t, btclc.AppModule{}.AutoCLIOptions())
}

// insert-headers takes each header as 160 hex characters, through autocli's
// own argument parser.
func TestAutoCLIInsertHeadersTakesHex(t *testing.T) {
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	d, err := gogoproto.HybridResolver.FindDescriptorByName("hemi.btclc.v1.MsgInsertHeaders")
	require.NoError(t, err)
	msgType := dynamicpb.NewMessageType(d.(protoreflect.MessageDescriptor))

	insert := btclc.AppModule{}.AutoCLIOptions().Tx.RpcCommandOptions[0]
	require.Equal(t, "InsertHeaders", insert.RpcMethod)
	b := flag.Builder{
		TypeResolver:          protoregistry.GlobalTypes,
		FileResolver:          gogoproto.HybridResolver,
		AddressCodec:          address.NewBech32Codec("hemi"),
		ValidatorAddressCodec: address.NewBech32Codec("hemivaloper"),
		ConsensusAddressCodec: address.NewBech32Codec("hemivalcons"),
	}
	ctx := context.Background()
	binder, err := b.AddMessageFlags(&ctx, pflag.NewFlagSet("test", pflag.ContinueOnError), msgType, insert)
	require.NoError(t, err)

	args := []string{hex.EncodeToString(run.Raw[1]), hex.EncodeToString(run.Raw[2])}
	msg, err := binder.BuildMessage(args)
	require.NoError(t, err)
	headers := msg.Get(msgType.Descriptor().Fields().ByName("headers")).List()
	require.Equal(t, 2, headers.Len())
	require.Equal(t, run.Raw[1], headers.Get(0).Bytes())
	require.Equal(t, run.Raw[2], headers.Get(1).Bytes())
}
