package keeper_test

import (
	"fmt"
	"testing"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/testutil/banksend"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/keeper"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// BenchmarkProveDeposit proves a real-size deposit: a signed P2WPKH
// transaction paying the vault (with the recipient's OP_RETURN and change)
// among 1,201 transactions of a regtest block (11 merkle siblings, like a
// full mainnet block), through the Msg service into a cache of an IAVL store
// as DeliverTx runs it, with the SDK's default store gas; and, as the
// baseline of the same run, a bank send through x/bank's Msg service.
func BenchmarkProveDeposit(b *testing.B) {
	f := newFixture(b)
	spends := make([]datagen.Spend, 600)
	for i := range spends {
		spends[i] = f.deposit(uint32(1000+i), alice, 50_000)
	}
	block := f.mine(nil, spends...)
	f.block(func() { f.insert(*block.Header()) })
	proof := proofOf(b, block, len(spends)-1, false)
	require.Len(b, proof.MerkleSiblings, 11)
	f.beginBlock()
	msg := &types.MsgProveDeposit{Submitter: f.submitter, Proof: proof}

	b.Run("msgserver", func(b *testing.B) {
		var gas uint64
		b.ReportAllocs()
		for b.Loop() {
			ctx, _ := f.ctx.CacheContext()
			ctx = ctx.WithGasMeter(storetypes.NewGasMeter(1 << 40))
			if _, err := f.msgs.ProveDeposit(ctx, msg); err != nil {
				b.Fatal(err)
			}
			gas = ctx.GasMeter().GasConsumed()
		}
		b.ReportMetric(float64(gas), "gas/op")
	})
	b.Run("banksend", banksend.Benchmark)
}

// BenchmarkEndBlockDeposits measures x/tunnel's EndBlock with n proven deposits pending, for
// n = 10, 100, 1000, 10000 (up to HEMI_BENCH_BACKLOG_MAX when it is set), each case against the
// same case at n = 10:
//
//   - wait: none has min_confirmations yet, the common case: the due range is empty, whatever n is;
//   - mint: all n are due; the first MaxMintsPerBlock (200) are minted in this block (linear up
//     to 200, then constant);
//   - sweep: a Bitcoin reorg set the sweep's cursor below all n; MaxReorgChecksPerBlock (1,000) are
//     checked against the canonical chain in this block, all still on it (linear up to 1,000).
//
// The deposits are the vault outputs of deposit transactions of up to 250, all in one Bitcoin
// block. The bank is the test keepers' in-memory one, so a mint's x/bank cost is not
// in the mint case.
func BenchmarkEndBlockDeposits(b *testing.B) {
	for _, n := range testkeeper.BacklogSizes(b) {
		f := pendingDepositsFixture(b, n)
		run := func(name string, prepare func(sdk.Context), check func(sdk.Context)) {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				testkeeper.BenchEndBlock(b, f.ctx, prepare, check, func(ctx sdk.Context) error { return f.k.EndBlocker(ctx) })
			})
		}
		pending := func(want int) func(sdk.Context) {
			return func(ctx sdk.Context) {
				got := 0
				require.NoError(b, f.k.PendingDeposits.Walk(ctx, nil, func(keeper.HeightKey) (bool, error) { got++; return false, nil }))
				require.Equal(b, want, got, "pending deposits after EndBlock")
			}
		}
		run("wait", func(sdk.Context) {}, pending(n))
		run("mint", func(ctx sdk.Context) {
			tip := f.tip
			headers := datagen.RegtestChain(b, tip, types.DefaultMinConfirmations, 1<<30)
			raw := make([][]byte, len(headers))
			for i := range headers {
				raw[i] = datagen.SerializeHeader(&headers[i])
			}
			_, err := f.btclcMsgs.InsertHeaders(ctx, btclctypes.NewMsgInsertHeaders(f.submitter, raw))
			require.NoError(b, err)
		}, pending(max(0, n-types.MaxMintsPerBlock)))
		run("sweep", func(ctx sdk.Context) {
			require.NoError(b, f.k.ReorgCursor.Set(ctx, collections.Join3(uint64(0), chainhash.Hash{}, uint32(0))))
		}, func(ctx sdk.Context) {
			pending(n)(ctx)
			_, err := f.k.ReorgCursor.Get(ctx)
			require.Equal(b, n > types.MaxReorgChecksPerBlock, err == nil, "the sweep's cursor is kept only while deposits are left to check")
		})
	}
}

// pendingDepositsFixture has n proven deposits of 1,000 sat pending (min_deposit_sats lowered to
// that, so that a test spend funds 250 of them), one confirmation deep, all in one Bitcoin
// block.
func pendingDepositsFixture(b *testing.B, n int) *fixture {
	f := newFixture(b)
	p := f.params()
	p.MinDepositSats = 1_000
	f.block(func() { f.setParams(p) })
	perSpend := min(n, 250) // within MaxDepositOutputs with the OP_RETURN and the change
	require.Zero(b, n%perSpend, "n must be a multiple of %d", perSpend)
	block := f.mine(nil, f.manyDeposits(5000, n/perSpend, perSpend)...)
	require.Len(b, f.relayAndProveAll(block), n/perSpend)
	return f
}
