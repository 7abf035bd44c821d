package types_test

import (
	"math/big"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// The hand-written encoder produces the generated protobuf bytes exactly, so
// the state is plain HeaderInfo protobuf for any reader.
func TestHeaderInfoValueIsProtobuf(t *testing.T) {
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	vc := types.HeaderInfoValue(cdc)
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	maxWork := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

	cases := []types.HeaderInfo{
		{},
		{Header: run.Raw[0]},
		{Height: 1},
		{CumulativeWork: sdkmath.ZeroUint()},
		{Header: run.Raw[0], Height: 822528, CumulativeWork: sdkmath.NewUintFromString("0x" + "5b5fa6d9b7cd3e6d86e2a1c")},
		{Header: run.Raw[1], Height: 1 << 62, CumulativeWork: sdkmath.NewUintFromBigInt(maxWork)},
		{Header: make([]byte, 200), Height: 300, CumulativeWork: sdkmath.NewUint(127)},
	}
	for i, info := range cases {
		want, err := cdc.Marshal(&info)
		require.NoError(t, err)
		got, err := vc.Encode(info)
		require.NoError(t, err)
		require.Equal(t, want, got, "case %d", i)

		back, err := vc.Decode(got)
		require.NoError(t, err)
		require.Equal(t, info.Header, back.Header)
		require.Equal(t, info.Height, back.Height)
		require.Zero(t, info.Work().Cmp(back.Work()))
	}
	require.Equal(t, "github.com/cosmos/gogoproto/hemi.btclc.v1.HeaderInfo", vc.ValueType())
}
