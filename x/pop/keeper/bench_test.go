package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/banksend"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// BenchmarkSubmitPoPProof proves a real-size publication: a signed P2WPKH
// PoP transaction at index 1234 of a 1500-transaction block (11 merkle
// siblings, like a full mainnet block), through the Msg service into a cache
// of an IAVL store as DeliverTx runs it, with the SDK's default store gas.
// "core" is the stateless floor: decoding, finding the payload and the SPV
// check alone.
func BenchmarkSubmitPoPProof(b *testing.B) {
	f := newFixture(b)
	m := newPoPMiner(f, 7, true)
	f.advanceTo(10)
	const index = 1234
	var txs [][]byte
	for i := range index - 1 { // after the coinbase
		txs = append(txs, fillerTx(0, uint32(i)))
	}
	txs = append(txs, m.popTx(b, f.abbrev(10)))
	block := f.mineBlock(f.btcTip, 0, 1500, txs...)
	_, err := f.insert(block)
	require.NoError(b, err)
	f.btcTip = block.header
	msg := f.proof(block, index)
	require.Len(b, msg.Proof.MerkleSiblings, 11)
	f.commit()
	f.beginBlock()

	b.Run("core", func(b *testing.B) {
		branch, err := bitcoin.MerkleBranch(block.txids, index)
		require.NoError(b, err)
		b.ReportAllocs()
		for b.Loop() {
			tx, err := bitcoin.DecodeTx(msg.Proof.Tx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bitcoin.FindPoPPayload(tx); err != nil {
				b.Fatal(err)
			}
			if err := bitcoin.VerifyInclusion(msg.Proof.Tx, block.header.MerkleRoot, index, branch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("msgserver", func(b *testing.B) {
		var gas uint64
		b.ReportAllocs()
		for b.Loop() {
			ctx, _ := f.ctx.CacheContext()
			ctx = ctx.WithGasMeter(storetypes.NewGasMeter(1 << 40))
			if _, err := f.msgs.SubmitPoPProof(ctx, msg); err != nil {
				b.Fatal(err)
			}
			gas = ctx.GasMeter().GasConsumed()
		}
		b.ReportMetric(float64(gas), "gas/op")
	})
	// The baseline of the same run: a bank send through x/bank's Msg service, on an IAVL store
	// with the same default store gas, between two existing accounts.
	b.Run("banksend", banksend.Benchmark)
}

// BenchmarkEndBlockFinality measures the end of a block, x/btclc's EndBlock
// (which runs x/pop's hooks) then x/pop's, with n keystones that are
// published but not yet superfinal (their publications spread over the last
// superfinality_depth-1 Bitcoin blocks), for n = 10, 100, 1000, 10000 (up to
// HEMI_BENCH_BACKLOG_MAX when it is set: building the 10,000 takes a minute or two):
//
//   - advance: the Bitcoin tip moved and nothing becomes superfinal, the
//     common case. It reads fewer than superfinality_depth suffix minima,
//     whatever n is: constant.
//   - finalize: all n become superfinal at once; they are owed, and the
//     first max_keystones_paid_per_block (100) are paid in this block (one
//     mint, a payout each, one community-pool transfer): linear up to 100,
//     then constant.
//   - reorg: a Bitcoin reorg below every publication drops them all: every
//     publication above the fork point is re-checked: linear in n.
func BenchmarkEndBlockFinality(b *testing.B) {
	for _, n := range testkeeper.BacklogSizes(b) {
		f := finalityBenchFixture(b, n)
		run := func(name string, prepare func(sdk.Context)) {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				testkeeper.BenchEndBlock(b, f.ctx, prepare, nil, func(ctx sdk.Context) error {
					if err := f.btclc.EndBlocker(ctx); err != nil {
						return err
					}
					return f.k.EndBlocker(ctx)
				})
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/keystone")
			})
		}
		run("advance", func(ctx sdk.Context) {
			require.NoError(b, f.k.PendingUpdate.Set(ctx, true))
		})
		run("finalize", func(ctx sdk.Context) {
			// depth-1 more Bitcoin blocks give the last publications depth.
			tip, err := f.btclc.Tip(ctx)
			require.NoError(b, err)
			parent := f.btcTip
			var raw [][]byte
			for h := tip.Height; h < tip.Height+types.DefaultSuperfinalityDepth-1; h++ {
				next := f.mineBlock(parent, h, 0)
				raw = append(raw, serialize(next))
				parent = next.header
			}
			_, err = f.btclcMsgs.InsertHeaders(ctx, btclctypes.NewMsgInsertHeaders(f.submitter, raw))
			require.NoError(b, err)
			check, _ := ctx.CacheContext()
			check = check.WithEventManager(sdk.NewEventManager())
			require.NoError(b, f.btclc.EndBlocker(check))
			require.NoError(b, f.k.EndBlocker(check))
			fs, err := f.k.Finality.Get(check)
			require.NoError(b, err)
			require.Equal(b, uint64(n), fs.LatestSuperfinal)
			require.Len(b, eventsOf[*types.EventPoPReward](b, check), min(n, types.DefaultMaxKeystonesPaidPerBlock))
		})
		run("reorg", func(ctx sdk.Context) {
			tip, err := f.btclc.Tip(ctx)
			require.NoError(b, err)
			info, err := f.btclc.HeaderByHeight(ctx, 1)
			require.NoError(b, err)
			parent, err := info.BlockHeader()
			require.NoError(b, err)
			var raw [][]byte
			for h := uint64(1); h <= tip.Height; h++ {
				next := f.mineBlock(*parent, h, 0)
				raw = append(raw, serialize(next))
				parent = &next.header
			}
			_, err = f.btclcMsgs.InsertHeaders(ctx, btclctypes.NewMsgInsertHeaders(f.submitter, raw))
			require.NoError(b, err)
			check, _ := ctx.CacheContext()
			require.NoError(b, f.btclc.EndBlocker(check))
			require.NoError(b, f.k.EndBlocker(check))
			anchored, err := f.k.Anchors.Has(check, uint64(n))
			require.NoError(b, err)
			require.False(b, anchored)
		})
	}
}

// finalityBenchFixture has keystones 1..n (interval 1), each published in
// one of the Bitcoin blocks 2..6, the last of which is the tip: every
// keystone has at most 5 confirmations, one short of superfinality.
func finalityBenchFixture(b *testing.B, n int) *fixture {
	gs := types.DefaultGenesis()
	gs.Params.KeystoneInterval = 1
	f := newFixtureFrom(b, btclctypes.DefaultGenesis(), gs, 0)
	f.advanceTo(int64(n))
	m := newPoPMiner(f, 7, false)
	f.beginBlock()
	f.extendN(1)
	depth := int(gs.Params.SuperfinalityDepth)
	for blk := range depth - 1 {
		var txs [][]byte
		for h := blk*n/(depth-1) + 1; h <= (blk+1)*n/(depth-1); h++ {
			txs = append(txs, m.popTx(b, f.abbrev(uint64(h))))
		}
		block := f.extend(txs...)
		for i := 1; i < len(block.txs); i++ {
			_, err := f.msgs.SubmitPoPProof(f.ctx, f.proof(block, i))
			require.NoError(b, err)
		}
	}
	f.endBlock()
	fs, err := f.k.Finality.Get(f.ctx)
	require.NoError(b, err)
	require.Zero(b, fs.LatestSuperfinal)
	return f
}

func serialize(b *btcBlock) []byte {
	var buf [80]byte
	w := bytesWriter{buf: buf[:0]}
	_ = b.header.Serialize(&w)
	return w.buf
}

type bytesWriter struct{ buf []byte }

func (w *bytesWriter) Write(p []byte) (int, error) { w.buf = append(w.buf, p...); return len(p), nil }

// BenchmarkStateGrowth measures what 1,000 keystones leave in x/pop's state for good: the keys
// and values of every collection once each keystone has one publication, is superfinal and its
// reward is paid (publications and their indexes are never deleted). It is the difference between
// fixtures of 100 and 1,100 keystones that run the same number of blocks after their
// publications, so the fixed part (params, finality, the last block) cancels, reported per keystone and by collection, and as a ratio against the baseline of the
// same run: the encoded Keystone and Publication records themselves (the values of the keystones
// and publications collections). The loop walks the larger state, which is what it times.
func BenchmarkStateGrowth(b *testing.B) {
	const base, more = 100, 1000
	blocks := (base+more)/types.DefaultMaxKeystonesPaidPerBlock + 2
	small := stateBytes(b, finalizedBenchFixture(b, base, blocks))
	f := finalizedBenchFixture(b, base+more, blocks)
	large := stateBytes(b, f)
	b.ReportAllocs()
	for b.Loop() {
		stateBytes(b, f)
	}
	perKeystone := func(prefix byte) float64 { return float64(large[prefix]-small[prefix]) / more }
	total, entries := 0.0, float64(large[entriesIndex]-small[entriesIndex])/more
	for p := range valuesOffset {
		total += perKeystone(byte(p))
	}
	records := perKeystone(types.KeystonesKey[0]+valuesOffset) + perKeystone(types.PublicationsKey[0]+valuesOffset)
	for _, c := range []struct {
		name   string
		prefix []byte
	}{
		{"keystones", types.KeystonesKey}, {"publications", types.PublicationsKey},
		{"by_keystone", types.PublicationsByKeystoneKey}, {"by_btc_height", types.PublicationsByBTCHeightKey},
		{"by_payee", types.PublicationsByPayeeKey}, {"anchors", types.AnchorsKey},
		{"effective_anchors", types.EffectiveAnchorsKey}, {"owed_rewards", types.OwedRewardsKey},
	} {
		b.ReportMetric(perKeystone(c.prefix[0]), c.name+"-B/keystone")
	}
	b.ReportMetric(total, "B/keystone")
	b.ReportMetric(entries, "entries/keystone")
	b.ReportMetric(records, "record-B/keystone")
	b.ReportMetric(total/records, "x-records")
}

// stateBytes sums the key and value bytes of x/pop's store by the collection prefix (a key's first
// byte); index valuesOffset+p holds the value bytes alone of prefix p, and entriesIndex the number
// of entries.
func stateBytes(b *testing.B, f *fixture) [2*valuesOffset + 1]int {
	b.Helper()
	var sums [2*valuesOffset + 1]int
	for _, kv := range storeSnapshot(f.ctx, f.popKey) {
		require.Less(b, kv[0][0], byte(valuesOffset), "a collection prefix of x/pop at or above valuesOffset: raise it")
		sums[kv[0][0]] += len(kv[0]) + len(kv[1])
		sums[valuesOffset+int(kv[0][0])] += len(kv[1])
		sums[entriesIndex]++
	}
	return sums
}

// x/pop's collection prefixes are single bytes below valuesOffset (types/keys_test.go pins them).
const (
	valuesOffset = 16
	entriesIndex = 2 * valuesOffset
)

// finalizedBenchFixture is finalityBenchFixture(n) after depth-1 more Bitcoin blocks and then
// blocks more hemi blocks, which must be enough to make all n keystones superfinal and pay every
// reward (max_keystones_paid_per_block a block). Fixtures of different n compared with each other
// run the same number of blocks, so that they differ by the n keystones alone (each block makes a
// keystone too, at interval 1).
func finalizedBenchFixture(b *testing.B, n, blocks int) *fixture {
	f := finalityBenchFixture(b, n)
	f.beginBlock()
	f.extendN(types.DefaultSuperfinalityDepth - 1)
	f.endBlock()
	for range blocks {
		f.beginBlock()
		f.endBlock()
	}
	it, err := f.k.OwedRewards.Iterate(f.ctx, nil)
	require.NoError(b, err)
	defer it.Close()
	require.False(b, it.Valid(), "rewards still owed after %d blocks", blocks)
	require.GreaterOrEqual(b, f.finality().LatestSuperfinal, uint64(n))
	return f
}
