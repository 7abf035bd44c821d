package pop_test

import (
	"context"
	"encoding/hex"
	"testing"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	"cosmossdk.io/client/v2/autocli/flag"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/cosmos/cosmos-sdk/codec/address"

	"github.com/hemi-appchain/hemi/x/pop"
)

// Every command names a real RPC method and real fields, as autocli resolves
// them from the gogoproto registry (the module has no pulsar types).
func TestAutoCLIOptionsMatchServices(t *testing.T) {
	opts := pop.AppModule{}.AutoCLIOptions()
	for _, svc := range []*autocliv1.ServiceCommandDescriptor{opts.Query, opts.Tx} {
		d, err := gogoproto.HybridResolver.FindDescriptorByName(protoreflect.FullName(svc.Service))
		require.NoError(t, err, svc.Service)
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		require.Len(t, svc.RpcCommandOptions, methods.Len(), "every method of %s has a command or is skipped", svc.Service)
		for _, rpc := range svc.RpcCommandOptions {
			m := methods.ByName(protoreflect.Name(rpc.RpcMethod))
			require.NotNil(t, m, "%s has no method %s", svc.Service, rpc.RpcMethod)
			for _, arg := range rpc.PositionalArgs {
				require.NotNil(t, m.Input().Fields().ByName(protoreflect.Name(arg.ProtoField)), "%s.%s", rpc.RpcMethod, arg.ProtoField)
			}
		}
	}
}

// submit-proof takes the transaction and the siblings as hex, the block hash
// as text and the index as a number, through autocli's own argument parser.
func TestAutoCLISubmitProofTakesHex(t *testing.T) {
	d, err := gogoproto.HybridResolver.FindDescriptorByName("hemi.pop.v1.MsgSubmitPoPProof")
	require.NoError(t, err)
	msgType := dynamicpb.NewMessageType(d.(protoreflect.MessageDescriptor))

	var submit *autocliv1.RpcCommandOptions
	for _, rpc := range (pop.AppModule{}).AutoCLIOptions().Tx.RpcCommandOptions {
		if rpc.RpcMethod == "SubmitPoPProof" {
			submit = rpc
		}
	}
	require.NotNil(t, submit)
	b := flag.Builder{
		TypeResolver:          protoregistry.GlobalTypes,
		FileResolver:          gogoproto.HybridResolver,
		AddressCodec:          address.NewBech32Codec("hemi"),
		ValidatorAddressCodec: address.NewBech32Codec("hemivaloper"),
		ConsensusAddressCodec: address.NewBech32Codec("hemivalcons"),
	}
	ctx := context.Background()
	binder, err := b.AddMessageFlags(&ctx, pflag.NewFlagSet("test", pflag.ContinueOnError), msgType, submit)
	require.NoError(t, err)

	tx := []byte{2, 0, 0, 0, 1, 2, 3}
	blockHash := chainhash.Hash{0xab, 0xcd}.String()
	s1, s2 := chainhash.Hash{1}, chainhash.Hash{2}
	msg, err := binder.BuildMessage([]string{hex.EncodeToString(tx), blockHash, "5", hex.EncodeToString(s1[:]), hex.EncodeToString(s2[:])})
	require.NoError(t, err)
	fields := msgType.Descriptor().Fields()
	require.Equal(t, tx, msg.Get(fields.ByName("tx")).Bytes())
	require.Equal(t, blockHash, msg.Get(fields.ByName("btc_block_hash")).String())
	require.Equal(t, uint64(5), msg.Get(fields.ByName("tx_index")).Uint())
	siblings := msg.Get(fields.ByName("merkle_siblings")).List()
	require.Equal(t, 2, siblings.Len())
	require.Equal(t, s1[:], siblings.Get(0).Bytes())
	require.Equal(t, s2[:], siblings.Get(1).Bytes())
}
