package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/banksend"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// BenchmarkMsgServerInsert2016 inserts one period of real mainnet headers
// (822529..824544, with the retarget at 824544) on top of the base 822528:
//
//   - core: the pure validation core alone (bitcoin.ConnectHeaders over a
//     view holding the base), the floor the keeper adds to;
//   - msgserver: MsgInsertHeaders through the Msg service into a cache of an
//     IAVL store, as DeliverTx runs it; reports gas/header, and what the
//     writes would cost with the SDK's default KV gas metering;
//   - msgserver+commit: the same written through to IAVL and committed, the
//     cost a block pays at Commit.
//
// Compare with bitcoin's BenchmarkValidateMainnet2016 and
// BenchmarkDoubleSHA256Floor in the same run.
func BenchmarkMsgServerInsert2016(b *testing.B) {
	run := datagen.LoadHeaders(b, "mainnet-headers-822528-830592.hex")
	raws := run.RawRange(b, 822529, 824544)
	perHeader := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(raws)), "ns/header")
	}

	b.Run("core", func(b *testing.B) {
		p, err := bitcoin.NetworkByName(bitcoin.MainNet)
		require.NoError(b, err)
		view := bitcoin.NewMemChain(822528, *run.At(b, 822528))
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := bitcoin.ConnectHeaders(p, view, 822528, raws); err != nil {
				b.Fatal(err)
			}
		}
		perHeader(b)
	})

	b.Run("msgserver", func(b *testing.B) {
		f, _, _ := mainnet822528(b)
		var gas uint64
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			ctx, _ := f.ctx.CacheContext()
			ctx = ctx.WithGasMeter(storetypes.NewGasMeter(1 << 40))
			if _, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, raws)); err != nil {
				b.Fatal(err)
			}
			gas = ctx.GasMeter().GasConsumed()
		}
		perHeader(b)
		b.ReportMetric(float64(gas)/float64(len(raws)), "gas/header")
		b.ReportMetric(float64(meteredWriteGas(b, f, raws))/float64(len(raws)), "sdk-metered-write-gas/header")
	})

	b.Run("msgserver+commit", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			f, _, _ := mainnet822528(b)
			b.StartTimer()
			if _, err := f.msgs.InsertHeaders(f.ctx, types.NewMsgInsertHeaders(f.relayer, raws)); err != nil {
				b.Fatal(err)
			}
			f.cms.Commit()
		}
		perHeader(b)
	})
}

// meteredWriteGas is the gas the SDK's default KV gas config would charge for
// the two writes per header that an insertion makes (reads not counted).
func meteredWriteGas(b *testing.B, f *fixture, raws [][]byte) uint64 {
	ctx, _ := f.ctx.CacheContext()
	_, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, raws))
	require.NoError(b, err)
	infos := make([]types.HeaderInfo, 0, len(raws))
	for h := uint64(822529); h <= 824544; h++ {
		info, err := f.k.HeaderByHeight(ctx, h)
		require.NoError(b, err)
		infos = append(infos, info)
	}
	metered, _ := f.ctx.CacheContext()
	metered = metered.WithGasMeter(storetypes.NewGasMeter(1 << 40)).WithKVGasConfig(storetypes.KVGasConfig())
	for _, info := range infos {
		require.NoError(b, f.k.Headers.Set(metered, info.Height, info))
		require.NoError(b, f.k.HashToHeight.Set(metered, info.Hash(), info.Height))
	}
	return metered.GasMeter().GasConsumed()
}

// BenchmarkRegtestWalkBack is a single regtest header at the end of a
// period, where Core's minimum-difficulty walk-back would read 2014 stored
// headers; the validation core reads the period's first header instead, so the
// message reads about a dozen, as on mainnet.
func BenchmarkRegtestWalkBack(b *testing.B) {
	f, genesis := regtestFixture(b)
	chain := datagen.RegtestChain(b, genesis, 2015, 1)
	f.mustInsert(datagen.SerializeHeaders(chain[:2014]), 2016)
	last := [][]byte{datagen.SerializeHeader(&chain[2014])}
	var gas uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		ctx, _ := f.ctx.CacheContext()
		ctx = ctx.WithGasMeter(storetypes.NewGasMeter(1 << 40))
		if _, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, last)); err != nil {
			b.Fatal(err)
		}
		gas = ctx.GasMeter().GasConsumed()
	}
	b.ReportMetric(float64(gas), "gas/msg")
}

// BenchmarkGasPrice prices gas_per_header: the real cost of inserting headers,
// written to IAVL and committed, against the baseline of a bank send in the
// same run, whose gas is what the SDK's default store gas charges it.
// bench/btclc.sh turns the figures into gas per microsecond of each and the
// ratio. Each runs as a block does: every message on its own cache of the
// block's cache, written back when it succeeds, the block's cache written to
// IAVL at the end, then Commit.
//
//   - headers+commit: one 2016-header MsgInsertHeaders of real mainnet
//     headers: ns and gas per header;
//   - header1+commit: 2005 single-header messages: the fixed costs of a
//     message (its lookups and the 11 reads of the median time), which
//     gas_per_header and the read gas pay;
//   - banksend+commit: 2016 bank sends between distinct accounts: ns and gas
//     per send.
func BenchmarkGasPrice(b *testing.B) {
	run := datagen.LoadHeaders(b, "mainnet-headers-822528-830592.hex")
	raws := run.RawRange(b, 822529, 824544)
	// block runs msgs messages as DeliverTx would, and commits.
	block := func(ctx sdk.Context, commit func(), msgs int, deliver func(sdk.Context, int) uint64) uint64 {
		blockCtx, writeBlock := ctx.CacheContext()
		var gas uint64
		for i := range msgs {
			txCtx, writeTx := blockCtx.CacheContext()
			gas = deliver(txCtx.WithGasMeter(storetypes.NewGasMeter(1<<40)), i)
			writeTx()
		}
		writeBlock()
		commit()
		return gas
	}
	insert := func(b *testing.B, f *fixture, batch func(int) [][]byte) func(sdk.Context, int) uint64 {
		return func(ctx sdk.Context, i int) uint64 {
			if _, err := f.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(f.relayer, batch(i))); err != nil {
				b.Fatal(err)
			}
			return ctx.GasMeter().GasConsumed()
		}
	}

	b.Run("headers+commit", func(b *testing.B) {
		var gas uint64
		for range b.N {
			b.StopTimer()
			f, _, _ := mainnet822528(b)
			b.StartTimer()
			gas = block(f.ctx, func() { f.cms.Commit() }, 1, insert(b, f, func(int) [][]byte { return raws }))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(raws)), "ns/header")
		b.ReportMetric(float64(gas)/float64(len(raws)), "gas/header")
	})

	b.Run("header1+commit", func(b *testing.B) {
		var gas uint64
		for range b.N {
			b.StopTimer()
			f, _, _ := mainnet822528(b)
			f.mustInsert(raws[:11], 2016)
			f.cms.Commit()
			b.StartTimer()
			gas = block(f.ctx, func() { f.cms.Commit() }, len(raws)-11, insert(b, f, func(i int) [][]byte { return raws[11+i : 12+i] }))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(raws)-11)), "ns/msg")
		b.ReportMetric(float64(gas), "gas/msg")
	})

	b.Run("banksend+commit", func(b *testing.B) {
		const sends = 2016
		var gas uint64
		for range b.N {
			b.StopTimer()
			bank := banksend.New(b, sends)
			b.StartTimer()
			gas = block(bank.Ctx, func() { bank.CMS.Commit() }, sends, func(ctx sdk.Context, i int) uint64 {
				g, err := bank.Send(ctx, i)
				if err != nil {
					b.Fatal(err)
				}
				return g
			})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*sends), "ns/send")
		b.ReportMetric(float64(gas), "gas/send")
	})
}

// BenchmarkReorgPrice prices what a reorg does besides validating new
// headers: removing canonical headers, promoting side-chain headers and
// pruning side-chain headers, all writes and deletes of headers validated
// before. Each variant runs one message in a block written to IAVL and
// committed, on regtest, with reorgDepth canonical headers above the fork
// point; bench/btclc.sh sets them against BenchmarkGasPrice's bank send:
//
//   - extend+commit: reorgDepth+1 new headers on the tip (no reorg), the
//     baseline the other variants subtract;
//   - rollback+commit: a fork of reorgDepth+1 new headers in one message:
//     the reorgDepth canonical headers it replaces are removed;
//   - promote+commit: the fork's first reorgDepth headers wait in the
//     side-chain store; the winning message is one new header that removes
//     the reorgDepth canonical headers and promotes the reorgDepth side-chain
//     ones (the winning message of a fork that arrives in pieces);
//   - prune+commit: with max_fork_depth reorgDepth+1, a side chain of
//     reorgDepth headers and reorgDepth+1 new headers on the tip, which prune
//     the side chain.
//
// Each reports ns/msg and gas/msg; the script derives the cost per removed,
// promoted and pruned header from the differences.
func BenchmarkReorgPrice(b *testing.B) {
	const reorgDepth = 2015 // so that the fork of reorgDepth+1 fits in one message
	genesis := datagen.RegtestGenesis()
	common := datagen.SerializeHeaders(datagen.RegtestChain(b, genesis, 100, 1))
	commonTip := datagen.RegtestChain(b, genesis, 100, 1)[99]
	canonical := datagen.RegtestChain(b, commonTip, 2*reorgDepth+1, 2)
	fork := datagen.SerializeHeaders(datagen.RegtestChain(b, commonTip, reorgDepth+1, 3))
	extension := datagen.SerializeHeaders(canonical[reorgDepth:])
	canonicalRaw := datagen.SerializeHeaders(canonical[:reorgDepth])

	// setup is a committed regtest chain of the common headers and
	// reorgDepth canonical headers above them, with side as a side chain.
	setup := func(b *testing.B, forkDepth uint64, side [][]byte) *fixture {
		f, _ := regtestFixture(b)
		if forkDepth > 0 {
			setForkDepth(b, f, forkDepth)
		}
		f.mustInsert(common, 2016)
		f.mustInsert(canonicalRaw, 2016)
		if len(side) > 0 {
			resp := f.mustInsert(side, 2016)
			require.True(b, resp.SideChain)
		}
		require.NoError(b, f.k.EndBlocker(f.ctx))
		f.cms.Commit()
		return f
	}
	variant := func(name string, forkDepth uint64, side, msg [][]byte, check func(*testing.B, *types.MsgInsertHeadersResponse, *fixture)) {
		b.Run(name, func(b *testing.B) {
			var gas uint64
			for range b.N {
				b.StopTimer()
				f := setup(b, forkDepth, side)
				b.StartTimer()
				blockCtx, writeBlock := f.ctx.CacheContext()
				txCtx, writeTx := blockCtx.CacheContext()
				txCtx = txCtx.WithGasMeter(storetypes.NewGasMeter(1 << 40))
				resp, err := f.msgs.InsertHeaders(txCtx, types.NewMsgInsertHeaders(f.relayer, msg))
				if err != nil {
					b.Fatal(err)
				}
				gas = txCtx.GasMeter().GasConsumed()
				writeTx()
				writeBlock()
				f.cms.Commit()
				b.StopTimer()
				check(b, resp, f)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/msg")
			b.ReportMetric(float64(gas), "gas/msg")
		})
	}
	variant("extend+commit", 0, nil, extension, func(b *testing.B, resp *types.MsgInsertHeadersResponse, _ *fixture) {
		require.False(b, resp.Reorged)
		require.Equal(b, uint64(100+2*reorgDepth+1), resp.TipHeight)
	})
	variant("rollback+commit", 0, nil, fork, func(b *testing.B, resp *types.MsgInsertHeadersResponse, _ *fixture) {
		require.True(b, resp.Reorged)
		require.Equal(b, uint64(100+reorgDepth+1), resp.TipHeight)
	})
	variant("promote+commit", 0, fork[:reorgDepth], fork[reorgDepth:], func(b *testing.B, resp *types.MsgInsertHeadersResponse, f *fixture) {
		require.True(b, resp.Reorged)
		require.Equal(b, uint64(100+reorgDepth+1), resp.TipHeight)
		require.Zero(b, liveSideCount(b, f))
	})
	variant("prune+commit", reorgDepth+1, fork[:reorgDepth], extension, func(b *testing.B, resp *types.MsgInsertHeadersResponse, f *fixture) {
		require.False(b, resp.Reorged)
		require.LessOrEqual(b, sideCount(b, f), uint64(1))
	})
}
