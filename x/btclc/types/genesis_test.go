package types_test

import (
	"bytes"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

func TestDefaultGenesis(t *testing.T) {
	gs := types.DefaultGenesis()
	require.NoError(t, gs.Validate())
	require.Equal(t, bitcoin.RegTest, gs.Network)
	require.Len(t, gs.Headers, 1)
	genesis := datagen.RegtestGenesis()
	require.Equal(t, genesis.BlockHash(), gs.Headers[0].Hash())
	require.Equal(t, "2", gs.Headers[0].CumulativeWork.String()) // 2^256 / (2^255 + ...)
}

func TestGenesisValidate(t *testing.T) {
	// Real chains validate, across a retarget (826560).
	require.NoError(t, datagen.MainnetGenesis(t, 826600).Validate())
	for _, tc := range []struct{ network, file string }{
		{bitcoin.TestNet3, "testnet3-headers-0-9999.hex"},
		{bitcoin.TestNet4, "testnet4-headers-0-30.hex"},
		{bitcoin.SigNet, "signet-headers-0-2015.hex"},
	} {
		run := datagen.LoadHeaders(t, tc.file)
		_, err := types.NewGenesisState(types.DefaultParams(), tc.network, 0, run.Raw[0], bitcoin.CalcWork(run.Headers[0].Bits), nil)
		require.NoError(t, err, tc.network)
	}

	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	testnet3 := datagen.LoadHeaders(t, "testnet3-headers-0-9999.hex")
	regtestGenesis := types.DefaultGenesis().Headers[0].Header

	for name, tc := range map[string]struct {
		edit func(gs *types.GenesisState)
		want string
	}{
		"unknown network": {func(gs *types.GenesisState) { gs.Network = "bitcoin" }, "unknown bitcoin network"},
		"bad params":      {func(gs *types.GenesisState) { gs.Params.MaxHeadersPerMsg = 0 }, "max_headers_per_msg"},
		"no headers":      {func(gs *types.GenesisState) { gs.Headers = nil }, "at least the base header"},
		"base not at a period start": {func(gs *types.GenesisState) {
			gs.Headers = gs.Headers[1:]
		}, "not a multiple of 2016"},
		"base height overflow": {func(gs *types.GenesisState) { gs.Headers[0].Height = 1 << 40 }, "beyond any bitcoin height"},
		"short base header": {func(gs *types.GenesisState) {
			gs.Headers[0].Header = gs.Headers[0].Header[:79]
		}, "exactly 80 bytes"},
		"base of another network": {func(gs *types.GenesisState) {
			gs.Headers = gs.Headers[:1]
			gs.Headers[0].Header = regtestGenesis
		}, "wrong network?"},
		"height 0 is not the network's genesis": {func(gs *types.GenesisState) {
			gs.Headers = gs.Headers[:1]
			gs.Headers[0] = types.HeaderInfo{Header: testnet3.Raw[0], Height: 0, CumulativeWork: sdkmath.NewUintFromBigInt(bitcoin.CalcWork(testnet3.Headers[0].Bits))}
		}, "must be mainnet's genesis block"},
		"base work below its own work": {func(gs *types.GenesisState) {
			gs.Headers[0].CumulativeWork = sdkmath.NewUint(1)
		}, "must be more than its own work"},
		"height gap": {func(gs *types.GenesisState) { gs.Headers[2].Height++ }, "headers[2] has height 824547, expected 824546"},
		"wrong cumulative work": {func(gs *types.GenesisState) {
			gs.Headers[3].CumulativeWork = gs.Headers[3].CumulativeWork.AddUint64(1)
		}, "headers[3] (height 824547) has cumulative work"},
		"corrupt header": {func(gs *types.GenesisState) {
			raw := bytes.Clone(gs.Headers[5].Header)
			raw[76] ^= 1
			gs.Headers[5].Header = raw
		}, "block hash is above the target"},
		"headers out of order": {func(gs *types.GenesisState) {
			gs.Headers[4].Header, gs.Headers[5].Header = gs.Headers[5].Header, gs.Headers[4].Header
		}, "previous-block hash does not match"},
		"header from elsewhere": {func(gs *types.GenesisState) {
			gs.Headers[6].Header = run.RawAt(t, 830000)
		}, "headers[6] (height 824550)"},
		"no base ancestors": {func(gs *types.GenesisState) { gs.BaseAncestors = nil }, "base_ancestors has 0 headers, the base at height 824544 needs its 10 ancestors (heights 824534 to 824543"},
		"nine base ancestors": {func(gs *types.GenesisState) {
			gs.BaseAncestors = gs.BaseAncestors[1:]
		}, "base_ancestors has 9 headers"},
		"ancestors out of order": {func(gs *types.GenesisState) {
			gs.BaseAncestors[3], gs.BaseAncestors[4] = gs.BaseAncestors[4], gs.BaseAncestors[3]
		}, "base_ancestors[2] is"},
		"ancestors not below the base": {func(gs *types.GenesisState) {
			gs.BaseAncestors = run.RawRange(t, 824533, 824542)
		}, "but the base builds on"},
		"short ancestor": {func(gs *types.GenesisState) {
			gs.BaseAncestors[0] = gs.BaseAncestors[0][:79]
		}, "base_ancestors[0]"},
		"ancestor without its proof of work": {func(gs *types.GenesisState) {
			raw := bytes.Clone(gs.BaseAncestors[9])
			raw[76] ^= 1
			gs.BaseAncestors[9] = raw
		}, "base_ancestors[9]"},
	} {
		gs := datagen.MainnetGenesis(t, 824556)
		tc.edit(gs)
		err := gs.Validate()
		require.ErrorIs(t, err, types.ErrInvalidGenesis, name)
		require.ErrorContains(t, err, tc.want, name)
	}

	// A regtest base must start a period too: the minimum-difficulty
	// walk-back of the next header reads back to the period start.
	gs := types.DefaultGenesis()
	gs.BaseAncestors = [][]byte{gs.Headers[0].Header}
	require.ErrorContains(t, gs.Validate(), "base_ancestors has 1 headers, the base at height 0 needs its 0 ancestors")
	gs = types.DefaultGenesis()
	gs.Headers[0].Height = 7
	require.ErrorContains(t, gs.Validate(), "not a multiple of 2016")
}
