package keeper_test

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// FuzzInsertHeaders sends arbitrary bytes, cut into 80-byte headers (a
// remainder becomes a short last header), through the Msg service on a
// regtest chain of 30 headers. Regtest's target accepts about every second
// hash, so mutated seeds often are valid headers, extensions and forks, and
// the fuzzer reaches deep into fork choice. Whatever the input: no panic; a
// rejection changes no key and emits no event; an acceptance leaves a
// consistent chain.
func FuzzInsertHeaders(f *testing.F) {
	fx, genesis := regtestFixture(f)
	chain := datagen.RegtestChain(f, genesis, 30, 1)
	fx.mustInsert(datagen.SerializeHeaders(chain), 2016)
	base := fx.snapshot()

	join := func(raw [][]byte) []byte { return bytes.Join(raw, nil) }
	f.Add(join(datagen.SerializeHeaders(datagen.RegtestChain(f, chain[29], 3, 2))))  // extension
	f.Add(join(datagen.SerializeHeaders(datagen.RegtestChain(f, chain[19], 12, 3)))) // heavier fork
	f.Add(join(datagen.SerializeHeaders(datagen.RegtestChain(f, chain[19], 10, 4)))) // equal fork
	f.Add(join(datagen.SerializeHeaders(chain[10:13])))                              // known headers
	f.Add(join(datagen.SerializeHeaders(datagen.RegtestChain(f, genesis, 31, 5))))   // fork from genesis
	f.Add(append(datagen.SerializeHeader(&chain[0]), 1, 2, 3))                       // short last header
	f.Add([]byte{})
	f.Add(make([]byte, 160))

	f.Fuzz(func(t *testing.T, data []byte) {
		var raw [][]byte
		for len(data) > 0 {
			n := min(bitcoin.HeaderSize, len(data))
			raw = append(raw, data[:n])
			data = data[n:]
		}
		ctx, _ := fx.ctx.CacheContext()
		resp, err := fx.msgs.InsertHeaders(ctx, types.NewMsgInsertHeaders(fx.relayer, raw))
		if err != nil {
			require.Equal(t, base, storeSnapshot(ctx, fx.key), "rejected (%v) but changed the store", err)
			require.Empty(t, ctx.EventManager().Events())
			return
		}

		// Accepted: a contiguous chain from genesis to the new tip, both
		// indexes agreeing, and regtest's work of 2 per header.
		tip, err := fx.k.Tip(ctx)
		require.NoError(t, err)
		require.Equal(t, resp.TipHeight, tip.Height)
		require.Equal(t, resp.TipHash, tip.Hash().String())
		require.Zero(t, new(big.Int).SetUint64(2*(tip.Height+1)).Cmp(tip.Work()))
		var prev types.HeaderInfo
		for h := uint64(0); h <= tip.Height; h++ {
			info, err := fx.k.HeaderByHeight(ctx, h)
			require.NoError(t, err)
			got, err := fx.k.HashToHeight.Get(ctx, info.Hash())
			require.NoError(t, err)
			require.Equal(t, h, got)
			if h > 0 {
				bh, err := info.BlockHeader()
				require.NoError(t, err)
				require.Equal(t, prev.Hash(), bh.PrevBlock)
			}
			prev = info
		}
		n := 0
		require.NoError(t, fx.k.HashToHeight.Walk(ctx, nil, func(chainhash.Hash, uint64) (bool, error) { n++; return false, nil }))
		require.Equal(t, int(tip.Height)+1, n, "hash index holds headers off the canonical chain")
	})
}
