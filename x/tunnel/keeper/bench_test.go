package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/hemi-appchain/hemi/testutil/banksend"
	"github.com/hemi-appchain/hemi/testutil/datagen"
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
