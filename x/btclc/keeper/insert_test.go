package keeper_test

import (
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Four full mainnet periods of real headers, inserted from the base 822528
// through the Msg service one period per message: every retarget (824544,
// 826560, 828576, 830592) is recomputed by the validator, and the cumulative
// work the keeper stores equals bitcoind's chainwork at every boundary.
func TestInsertMainnet822528To830592(t *testing.T) {
	f, run, bounds := mainnet822528(t)
	f.ctx = f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())

	raw := run.RawRange(t, 822529, 830592)
	require.Len(t, raw, 4*2016)
	for i := 0; i < len(raw); i += 2016 {
		resp, err := f.insert(raw[i : i+2016])
		require.NoError(t, err)
		wantTip := uint64(822528 + i + 2016)
		require.Equal(t, wantTip, resp.TipHeight)
		require.Equal(t, run.At(t, wantTip).BlockHash().String(), resp.TipHash)
		require.False(t, resp.Reorged)
	}
	// Store access is priced by the module alone: gas_per_header per header,
	// and read gas per store lookup. Each message looks its first header up
	// (canonical index, side-chain store) and its parent (index, header):
	// 4 lookups. Then the first message reads the base and finds no 822527
	// in the chain nor among the base's ancestors (this base has none in
	// the test data); the others read the 11 headers of the first header's
	// median time (the retarget's period start is among them).
	params := types.DefaultParams()
	reads := uint64(4*4 + 3 + 3*11)
	require.Equal(t, uint64(len(raw))*params.GasPerHeader+reads*params.ReadGas(), f.ctx.GasMeter().GasConsumed())

	// One EventRollForward per message, none per header.
	events := typedEvents(t, f.ctx)
	require.Len(t, events, 4)
	for i, e := range events {
		from := uint64(822529 + i*2016)
		require.Equal(t, &types.EventRollForward{
			From: from, To: from + 2015, Count: 2016, TipHash: run.At(t, from+2015).BlockHash().String(),
		}, e)
	}

	for _, retarget := range []uint64{824544, 826560, 828576, 830592} {
		require.NotEqual(t, run.At(t, retarget-1).Bits, run.At(t, retarget).Bits, "no difficulty change at %d", retarget)
		for _, height := range []uint64{retarget - 1, retarget} {
			b := bounds[height]
			got := f.header(height)
			require.Equal(t, b.Raw, got.Header, "header %d", height)
			require.Zerof(t, b.ChainWork.Cmp(got.Work()), "chainwork at %d: got %s, bitcoind %s", height, got.Work(), b.ChainWork)
		}
	}

	tip := f.tip()
	require.Equal(t, uint64(830592), tip.Height)
	require.Equal(t, run.At(t, 830592).BlockHash(), tip.Hash())
	require.Zero(t, bounds[830592].ChainWork.Cmp(tip.Work()))

	depth, err := f.k.Confirmations(f.ctx, run.At(t, 830000).BlockHash())
	require.NoError(t, err)
	require.Equal(t, uint64(830592-830000+1), depth)

	// Both indexes agree on every height.
	n := 0
	require.NoError(t, f.k.HashToHeight.Walk(f.ctx, nil, func(hash chainhash.Hash, height uint64) (bool, error) {
		require.Equal(t, run.At(t, height).BlockHash(), f.header(height).Hash())
		require.Equal(t, run.At(t, height).BlockHash(), hash)
		n++
		return false, nil
	}))
	require.Equal(t, 8065, n)
}

// The other networks from their genesis blocks: testnet3's 20-minute rule,
// walk-back and x4 clamp (retargets 2016..8064), testnet4's BIP94 rules at
// its start, and signet's first period.
func TestInsertTestnetsFromGenesis(t *testing.T) {
	for _, tc := range []struct {
		network, file string
	}{
		{bitcoin.TestNet3, "testnet3-headers-0-9999.hex"},
		{bitcoin.TestNet4, "testnet4-headers-0-30.hex"},
		{bitcoin.SigNet, "signet-headers-0-2015.hex"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			run := datagen.LoadHeaders(t, tc.file)
			f := newFixture(t, genesisFromZero(t, tc.network, run))
			resp := f.mustInsert(run.Raw[1:], 2016)
			require.Equal(t, run.End(), resp.TipHeight)

			tip := f.tip()
			require.Equal(t, run.End(), tip.Height)
			require.Equal(t, run.At(t, run.End()).BlockHash(), tip.Hash())
			want := new(big.Int)
			for _, h := range run.Headers {
				want.Add(want, bitcoin.CalcWork(h.Bits))
			}
			require.Zerof(t, want.Cmp(tip.Work()), "cumulative work %s, want %s", tip.Work(), want)
		})
	}
}

// Each stored header that validation reads is charged, so a message cannot
// make the chain do more reads than it pays for. A regtest header reads its
// 11 ancestors for the median time past and, for the minimum-difficulty rule,
// the period's first header (one read instead of a walk-back through the
// period: see bitcoin.lastRealBits).
func TestGasChargesStoreReads(t *testing.T) {
	f, genesis := regtestFixture(t)
	chain := datagen.RegtestChain(t, genesis, 101, 1)
	f.mustInsert(datagen.SerializeHeaders(chain[:100]), 2016)

	ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	_, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, datagen.SerializeHeaders(chain[100:])))
	require.NoError(t, err)
	params := types.DefaultParams()
	// 4 lookups of the header and its parent, then heights 100 down to 90,
	// and 0.
	require.Equal(t, params.GasPerHeader+(4+12)*params.ReadGas(), ctx.GasMeter().GasConsumed())

	// A fork kept in the side-chain store pays the same reads, and its
	// removal from the store in advance.
	ctx = f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	fork := datagen.RegtestChain(t, chain[98], 1, 2) // equal work at height 100
	resp, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, datagen.SerializeHeaders(fork)))
	require.NoError(t, err)
	require.True(t, resp.SideChain)
	require.Equal(t, params.GasPerHeader+params.PruneGas()+(4+12)*params.ReadGas(), ctx.GasMeter().GasConsumed(), "heights 99 down to 89, and 0")

	// A rejected message pays for what it made the chain read, too.
	ctx = f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	bad := datagen.RegtestChild(t, &chain[99], 3)
	bad.Timestamp = chain[94].Timestamp // the median of heights 90..100
	datagen.Mine(t, datagen.Network(t, bitcoin.RegTest), &bad)
	_, err = f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, [][]byte{datagen.SerializeHeader(&bad)}))
	require.ErrorIs(t, err, types.ErrInvalidTimestamp)
	require.Equal(t, params.GasPerHeader+(4+11)*params.ReadGas(), ctx.GasMeter().GasConsumed(), "the median time fails before the difficulty reads 0")
}
