package pop_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
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

	"github.com/hemi-appchain/hemi/testutil/autoclitest"
	"github.com/hemi-appchain/hemi/x/pop"
)

// Every command names a real RPC method and real fields, as autocli resolves
// them from the gogoproto registry (the module has no pulsar types).
func TestAutoCLIOptionsMatchServices(t *testing.T) {
	autoclitest.RequireMatchesServices(t, pop.AppModule{}.AutoCLIOptions())
}

// submit-proof takes the proof as proto JSON, inline or from a .json file,
// through autocli's own argument parser: every field of the one proof type,
// funding_tx included, reaches the message.
func TestAutoCLISubmitProofTakesJSON(t *testing.T) {
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

	tx, funding := []byte{2, 0, 0, 0, 1, 2, 3}, []byte{2, 0, 0, 0, 9, 9}
	blockHash := chainhash.Hash{0xab, 0xcd}.String()
	s1, s2 := chainhash.Hash{1}, chainhash.Hash{2}
	b64 := base64.StdEncoding.EncodeToString
	proof := fmt.Sprintf(`{"tx":%q,"btc_block_hash":%q,"tx_index":5,"merkle_siblings":[%q,%q],"funding_tx":%q}`,
		b64(tx), blockHash, b64(s1[:]), b64(s2[:]), b64(funding))
	file := filepath.Join(t.TempDir(), "proof.json")
	require.NoError(t, os.WriteFile(file, []byte(proof), 0o600))

	for _, arg := range []string{proof, file} {
		msg, err := binder.BuildMessage([]string{arg})
		require.NoError(t, err)
		p := msg.Get(msgType.Descriptor().Fields().ByName("proof")).Message()
		fields := p.Descriptor().Fields()
		require.Equal(t, tx, p.Get(fields.ByName("tx")).Bytes())
		require.Equal(t, blockHash, p.Get(fields.ByName("btc_block_hash")).String())
		require.Equal(t, uint64(5), p.Get(fields.ByName("tx_index")).Uint())
		siblings := p.Get(fields.ByName("merkle_siblings")).List()
		require.Equal(t, 2, siblings.Len())
		require.Equal(t, s1[:], siblings.Get(0).Bytes())
		require.Equal(t, s2[:], siblings.Get(1).Bytes())
		require.Equal(t, funding, p.Get(fields.ByName("funding_tx")).Bytes())
	}
}
