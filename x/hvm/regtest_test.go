package hvm_test

import (
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// regtest is an in-process chain on x/btclc's default regtest genesis, a keystone every 2
// blocks and superfinality at 3 Bitcoin confirmations, with a regtest miner: Bitcoin blocks are
// mined here and their headers and proofs sent in transactions, as the relayer and PoP miner do.
type regtest struct {
	t     *testing.T
	c     *apptest.Chain
	tip   wire.BlockHeader
	tag   uint32
	depth uint32
}

func newRegtest(t *testing.T) *regtest {
	r := &regtest{t: t, tip: datagen.RegtestGenesis(), depth: 3}
	r.c = apptest.New(t, apptest.Options{Genesis: func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		var gs poptypes.GenesisState
		cdc.MustUnmarshalJSON(state[poptypes.ModuleName], &gs)
		gs.Params.KeystoneInterval = 2
		gs.Params.SuperfinalityDepth = r.depth
		state[poptypes.ModuleName] = cdc.MustMarshalJSON(&gs)
	}})
	return r
}

// send puts msgs in one transaction of the chain's first account, in the next block.
func (r *regtest) send(msgs ...sdk.Msg) {
	r.t.Helper()
	apptest.RequireTxOK(r.t, r.c.NextBlock(r.c.SignTx(r.c.Accounts[0], 3_000_000, msgs...)), 0)
}

func (r *regtest) signer() string { return r.c.Accounts[0].String() }

// insert sends headers to x/btclc.
func (r *regtest) insert(headers ...wire.BlockHeader) {
	r.t.Helper()
	r.send(btclctypes.NewMsgInsertHeaders(r.signer(), datagen.SerializeHeaders(headers)))
}

// extend mines n empty blocks on the tip and inserts them.
func (r *regtest) extend(n int) []wire.BlockHeader {
	r.t.Helper()
	r.tag++
	headers := datagen.RegtestChain(r.t, r.tip, n, r.tag)
	r.insert(headers...)
	r.tip = headers[len(headers)-1]
	return headers
}

// keystone is IBitcoin.keystone(height) through eth_call.
func (r *regtest) keystone(height uint64) (status uint8, confirmations uint64, superfinal bool) {
	r.t.Helper()
	out := call(r.t, r.c, ibitcoin.MethodKeystone, height)
	return out[0].(uint8), out[1].(uint64), out[2].(bool)
}

// requireKeystone checks IBitcoin.keystone(height) against x/pop's KeystoneStatus (what `hemid
// query pop keystone-status` prints) and the status it should be.
func (r *regtest) requireKeystone(height uint64, want uint8) {
	r.t.Helper()
	status, confirmations, superfinal := r.keystone(height)
	require.Equal(r.t, want, status, "keystone %d", height)
	st, err := r.c.App().PoPKeeper.KeystoneStatus(r.c.Context(), height)
	require.NoError(r.t, err)
	require.Equal(r.t, st.Confirmations, confirmations, "keystone %d", height)
	require.Equal(r.t, st.Superfinal, superfinal, "keystone %d", height)
}

// TestKeystoneStatus: keystone() and latestSuperfinal() follow a keystone's life as x/pop
// reports it: unpublished, published with 1, then 2 confirmations, then superfinal; a height
// without a keystone is None.
func TestKeystoneStatus(t *testing.T) {
	r := newRegtest(t)
	r.c.NextBlock() // height 2, the first keystone
	const k = 2
	r.requireKeystone(k, ibitcoin.KeystoneUnpublished)
	for _, h := range []uint64{0, 1, 3, 1_000_000} {
		status, confirmations, superfinal := r.keystone(h)
		require.Equal(t, ibitcoin.KeystoneNone, status, "height %d", h)
		require.Zero(t, confirmations)
		require.False(t, superfinal)
	}
	require.Equal(t, uint64(0), call(t, r.c, ibitcoin.MethodLatestSuperfinal)[0])

	// A PoP miner publishes keystone 2 in a Bitcoin block; its header and the proof go in.
	ks, err := r.c.App().PoPKeeper.Keystones.Get(r.c.Context(), k)
	require.NoError(t, err)
	abbrev, err := ks.Abbreviate()
	require.NoError(t, err)
	r.tag++
	block := datagen.MineSpendBlock(t, &r.tip, r.tag, datagen.Spend{
		Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(7),
		Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(abbrev))},
	})
	r.tip = block.Block.Header
	pop := block.Spends[0].SpendingProof
	r.send(
		btclctypes.NewMsgInsertHeaders(r.signer(), [][]byte{block.RawHeader}),
		poptypes.NewMsgSubmitPoPProof(r.signer(), pop.RawTx, block.Block.BlockHash(), pop.Index, pop.Siblings, nil),
	)
	r.requireKeystone(k, ibitcoin.KeystonePublished)
	_, confirmations, _ := r.keystone(k)
	require.Equal(t, uint64(1), confirmations)

	// verifyTx proves the publication too, PoP output first.
	var siblings [][32]byte
	for _, s := range pop.Siblings {
		siblings = append(siblings, [32]byte(s))
	}
	out := call(t, r.c, ibitcoin.MethodVerifyTx, pop.RawTx, display(t, block.Block.BlockHash().String()), pop.Index, siblings)
	require.Equal(t, display(t, block.Spends[0].Spending.TxHash().String()), out[0])
	require.Equal(t, uint64(1), out[1])
	require.Equal(t, uint64(1), out[2])
	require.Equal(t, wantOutputs(t, pop.RawTx), outputsOf(out[3]))
	require.Equal(t, bitcoin.PoPScript(abbrev), outputsOf(out[3])[0].ScriptPubKey)

	r.extend(1)
	r.requireKeystone(k, ibitcoin.KeystonePublished)
	_, confirmations, _ = r.keystone(k)
	require.Equal(t, uint64(2), confirmations)
	require.Equal(t, uint64(0), call(t, r.c, ibitcoin.MethodLatestSuperfinal)[0])

	r.extend(1)
	r.requireKeystone(k, ibitcoin.KeystoneSuperfinal)
	_, confirmations, _ = r.keystone(k)
	require.Equal(t, uint64(r.depth), confirmations)
	// The keystones recorded since have no publication of their own.
	for h := uint64(k + 2); h <= uint64(r.c.Height()); h += 2 {
		r.requireKeystone(h, ibitcoin.KeystoneUnpublished)
	}
	fin, err := r.c.App().PoPKeeper.LatestSuperfinal(r.c.Context())
	require.NoError(t, err)
	require.Equal(t, uint64(k), fin)
	require.Equal(t, fin, call(t, r.c, ibitcoin.MethodLatestSuperfinal)[0])
}

// TestSideChain: a block the light client holds off the main chain has a header but 0
// confirmations; after the reorg that makes its branch the main chain it has confirmations.
func TestSideChain(t *testing.T) {
	r := newRegtest(t)
	main := r.extend(3) // heights 1–3
	confirmations := func(h wire.BlockHeader) uint64 {
		t.Helper()
		return call(t, r.c, ibitcoin.MethodConfirmations, display(t, h.BlockHash().String()))[0].(uint64)
	}
	require.Equal(t, uint64(3), confirmations(main[0]))
	require.Equal(t, uint64(1), confirmations(main[2]))

	// A sibling of height 3, no heavier: kept in the side-chain store.
	fork := datagen.RegtestChain(t, main[1], 2, 99)
	r.insert(fork[0])
	side := headerOf(t, call(t, r.c, ibitcoin.MethodHeaderByHash, display(t, fork[0].BlockHash().String()))[0])
	require.Equal(t, uint64(3), side.Height)
	require.Equal(t, display(t, fork[0].MerkleRoot.String()), side.MerkleRoot)
	require.Equal(t, uint64(0), confirmations(fork[0]))
	require.Equal(t, display(t, main[2].BlockHash().String()), headerOf(t, call(t, r.c, ibitcoin.MethodTip)[0]).Hash)

	// The fork outgrows the main chain: a reorg. x/btclc forgets the header it replaced (it keeps
	// no stale canonical headers): headerByHash no longer finds it, and it has 0 confirmations,
	// so a contract that saw it confirmed reads 0 rather than a revert.
	require.Equal(t, uint64(1), confirmations(main[2]))
	r.insert(fork[1])
	require.Equal(t, uint64(0), confirmations(main[2]))
	requireContains(t, reverts(t, r.c, ibitcoin.Address, pack(t, ibitcoin.MethodHeaderByHash, display(t, main[2].BlockHash().String()))),
		"neither on the canonical chain nor in the side-chain store")
	require.Equal(t, uint64(2), confirmations(fork[0]))
	require.Equal(t, uint64(1), confirmations(fork[1]))
	require.Equal(t, display(t, fork[1].BlockHash().String()), headerOf(t, call(t, r.c, ibitcoin.MethodTip)[0]).Hash)
	require.Equal(t, display(t, fork[0].BlockHash().String()), headerOf(t, call(t, r.c, ibitcoin.MethodHeaderByHeight, uint64(3))[0]).Hash)
}

// TestKeystoneInReorgBlock: inside the block whose MsgInsertHeaders reorgs the publication of a
// superfinal keystone away, x/pop's anchors and finality are those of the last EndBlock, so
// keystone() and latestSuperfinal() refuse to answer (a reason that says to ask in the next
// block) rather than count the removed publication; verifyTx of it already fails. In the next
// block both answer as x/pop reports.
func TestKeystoneInReorgBlock(t *testing.T) {
	r := newRegtest(t)
	genesis := r.tip
	r.c.NextBlock() // height 2, the first keystone
	const k = 2
	ks, err := r.c.App().PoPKeeper.Keystones.Get(r.c.Context(), k)
	require.NoError(t, err)
	abbrev, err := ks.Abbreviate()
	require.NoError(t, err)
	r.tag++
	block := datagen.MineSpendBlock(t, &r.tip, r.tag, datagen.Spend{
		Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(7),
		Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(abbrev))},
	})
	r.tip = block.Block.Header
	pop := block.Spends[0].SpendingProof
	r.insert(block.Block.Header)
	r.send(poptypes.NewMsgSubmitPoPProof(r.signer(), pop.RawTx, block.Block.BlockHash(), pop.Index, pop.Siblings, nil))
	r.extend(2)
	r.requireKeystone(k, ibitcoin.KeystoneSuperfinal)

	// A heavier fork from genesis (4 blocks against 3) drops the publication's block. The
	// message runs in a block; a later call in the same block asks for the keystone.
	fork := datagen.RegtestChain(t, genesis, 4, 77)
	ctx, _ := r.c.Context().CacheContext()
	_, err = r.c.App().BTCLCKeeper.InsertHeaders(ctx, r.signer(), datagen.SerializeHeaders(fork))
	require.NoError(t, err)
	_, err = r.c.App().PoPKeeper.KeystoneAnchoring(ctx, k)
	require.ErrorIs(t, err, poptypes.ErrReorgPending)
	p := ibitcoin.New(r.c.App().BTCLCKeeper, r.c.App().PoPKeeper, r.c.App().TunnelKeeper)
	var siblings [][32]byte
	for _, s := range pop.Siblings {
		siblings = append(siblings, [32]byte(s))
	}
	_, err = p.Execute(ctx, pack(t, ibitcoin.MethodVerifyTx, pop.RawTx, display(t, block.Block.BlockHash().String()), pop.Index, siblings))
	requireContains(t, err.Error(), "not on the canonical chain")
	for _, input := range [][]byte{pack(t, ibitcoin.MethodKeystone, uint64(k)), pack(t, ibitcoin.MethodLatestSuperfinal)} {
		_, err := p.Execute(ctx, input)
		require.Error(t, err)
		requireContains(t, err.Error(), "IBitcoin.", "a Bitcoin reorg in this block", "ask again in the next block")
	}

	// Sent in a real block, the reorg is applied at its end: the next block's calls answer as
	// x/pop's status query does.
	r.insert(fork...)
	status, confirmations, superfinal := r.keystone(k)
	st, err := r.c.App().PoPKeeper.KeystoneStatus(r.c.Context(), k)
	require.NoError(t, err)
	require.Equal(t, st.Confirmations, confirmations)
	require.Equal(t, st.Superfinal, superfinal)
	require.Zero(t, st.Confirmations, "the publication's block is gone")
	t.Logf("after the reorg: keystone(%d) status %d, superfinal %v", k, status, superfinal)
}
