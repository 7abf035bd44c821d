package keeper_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/keeper"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// The keeper API other modules use, on real mainnet headers 822528..830592.
func TestKeeperChainAPI(t *testing.T) {
	f, run, _ := mainnet822528(t)
	f.mustInsert(run.RawRange(t, 822529, 830592), 2016)
	hash830000 := run.At(t, 830000).BlockHash()

	conf, err := f.k.Confirmations(f.ctx, hash830000)
	require.NoError(t, err)
	require.Equal(t, uint64(593), conf)
	conf, err = f.k.Confirmations(f.ctx, run.At(t, 830592).BlockHash())
	require.NoError(t, err)
	require.Equal(t, uint64(1), conf, "the tip has one confirmation")

	on, err := f.k.IsOnMainChain(f.ctx, hash830000)
	require.NoError(t, err)
	require.True(t, on)
	stale := staleHash(t)
	on, err = f.k.IsOnMainChain(f.ctx, stale)
	require.NoError(t, err)
	require.False(t, on)
	conf, err = f.k.Confirmations(f.ctx, stale)
	require.NoError(t, err)
	require.Zero(t, conf)

	byHash, err := f.k.HeaderByHash(f.ctx, hash830000)
	require.NoError(t, err)
	require.Equal(t, uint64(830000), byHash.Height)
	require.Equal(t, run.RawAt(t, 830000), byHash.Header)
	_, err = f.k.HeaderByHash(f.ctx, stale)
	require.ErrorIs(t, err, types.ErrHeaderNotFound)
	_, err = f.k.HeaderByHeight(f.ctx, 830593)
	require.ErrorIs(t, err, types.ErrHeaderNotFound)
	_, err = f.k.HeaderByHeight(f.ctx, 822527)
	require.ErrorIs(t, err, types.ErrHeaderNotFound)

	p, err := f.k.Network(f.ctx)
	require.NoError(t, err)
	require.Equal(t, bitcoin.MainNet, p.Name)
}

// SPV proofs from spv-proofs.json through VerifyProof: every vector of block
// 830000 (inside the inserted run) verifies; a block that is not on the
// canonical chain fails whatever the proof; a tampered proof fails with the
// SPV error; malformed proofs get their own registered errors.
func TestKeeperVerifyProof(t *testing.T) {
	f, run, _ := mainnet822528(t)
	f.mustInsert(run.RawRange(t, 822529, 830592), 2016)

	proofOf := func(v datagen.SPVVector, index uint32) *types.InclusionProof {
		p := &types.InclusionProof{Tx: datagen.MustHex(t, v.TxHex), BtcBlockHash: v.BlockHash, TxIndex: index}
		for _, s := range v.Branch(t) {
			p.MerkleSiblings = append(p.MerkleSiblings, append([]byte(nil), s[:]...))
		}
		return p
	}
	var in, out int
	for _, v := range datagen.LoadSPVVectors(t) {
		proven, err := f.k.VerifyProof(f.ctx, proofOf(v, v.Index))
		if v.Network == bitcoin.MainNet && v.Height != nil && *v.Height >= run.Start && *v.Height <= run.End() {
			require.NoError(t, err, v.Name())
			require.Equal(t, run.At(t, *v.Height).BlockHash(), proven.BlockHash)
			require.Equal(t, *v.Height, proven.Block.Height)
			require.Equal(t, v.TxID, proven.TxID.String())
			require.Equal(t, run.End()-*v.Height+1, proven.Confirmations)
			require.Nil(t, proven.Signer, "no funding transaction, no signer")
			require.ErrorIs(t, proven.NoSigner, bitcoin.ErrNoSignerAccount)
			in++

			// Any other position fails against the same root.
			_, err = f.k.VerifyProof(f.ctx, proofOf(v, v.Index^1))
			require.ErrorIs(t, err, types.ErrInvalidSPVProof, v.Name())
			continue
		}
		require.ErrorIs(t, err, types.ErrNotOnMainChain, v.Name())
		out++
	}
	require.Equal(t, 10, in, "vectors of block 830000")
	require.Positive(t, out)

	v := datagen.LoadSPVVectors(t)[0]
	require.Equal(t, uint64(830000), *v.Height)
	bad := func(mutate func(p *types.InclusionProof)) error {
		p := proofOf(v, v.Index)
		mutate(p)
		_, err := f.k.VerifyProof(f.ctx, p)
		return err
	}
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.Tx = make([]byte, 64) }), types.ErrInvalidTx)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.Tx = nil }), types.ErrInvalidTx)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.Tx = make([]byte, types.MaxProofTxSize+1) }), types.ErrInvalidTx)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.Tx = []byte{1, 2, 3} }), bitcoin.ErrBadTransaction)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.TxIndex = 1 << 12 }), bitcoin.ErrIndexOutOfRange)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.BtcBlockHash = " " + p.BtcBlockHash }), types.ErrInvalidBlockHash)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.MerkleSiblings[0] = p.MerkleSiblings[0][:31] }), types.ErrInvalidSPVProof)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) {
		p.MerkleSiblings = make([][]byte, types.MaxMerkleSiblings+1)
	}), types.ErrInvalidSPVProof)
	require.ErrorIs(t, bad(func(p *types.InclusionProof) { p.FundingTx = []byte{1} }), types.ErrInvalidFundingTx)
	_, err := f.k.VerifyProof(f.ctx, nil)
	require.ErrorIs(t, err, types.ErrInvalidSPVProof)

	// A transaction that decodes and is 64 bytes without witness is refused by the 64-byte rule
	// itself (64 zero bytes above fail earlier, in decoding).
	tx64 := wire.NewMsgTx(1)
	tx64.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 0}, []byte{1, 2, 3, 4}, nil))
	tx64.AddTxOut(wire.NewTxOut(0, nil))
	require.Equal(t, 64, tx64.SerializeSizeStripped())
	err = bad(func(p *types.InclusionProof) { p.Tx = serialize(t, tx64) })
	require.ErrorIs(t, err, bitcoin.ErrTx64Bytes)
	require.ErrorIs(t, err, types.ErrInvalidSPVProof)
}

// VerifyProof binds input 0's key through the funding transaction, on real
// same-block spends of block 830000 (a P2WPKH spend at index 21 of the output
// made at index 20, see bitcoin's signer tests): the signer is the key's
// account; a swapped witness keeps the txid and the proof but binds no
// account; a funding transaction that is not the one spent is refused.
func TestKeeperVerifyProofSigner(t *testing.T) {
	f, run, _ := mainnet822528(t)
	f.mustInsert(run.RawRange(t, 822529, 830000), 2016)
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	spend, funding := block.Transactions[21], block.Transactions[20]
	require.Equal(t, funding.TxHash(), spend.TxIn[0].PreviousOutPoint.Hash, "the pinned same-block spend")

	proofFor := func(tx *wire.MsgTx, fundingTx *wire.MsgTx) *types.InclusionProof {
		index, siblings, _, err := bitcoin.InclusionProof(block, tx.TxHash())
		require.NoError(t, err)
		p := &types.InclusionProof{Tx: serialize(t, tx), BtcBlockHash: block.BlockHash().String(), TxIndex: index}
		for _, s := range siblings {
			p.MerkleSiblings = append(p.MerkleSiblings, append([]byte(nil), s[:]...))
		}
		if fundingTx != nil {
			var b bytes.Buffer
			require.NoError(t, fundingTx.SerializeNoWitness(&b))
			p.FundingTx = b.Bytes()
		}
		return p
	}

	want, err := bitcoin.InputSignerAccount(spend, funding)
	require.NoError(t, err)
	proven, err := f.k.VerifyProof(f.ctx, proofFor(spend, funding))
	require.NoError(t, err)
	require.Equal(t, want[:], proven.Signer)
	require.NoError(t, proven.NoSigner)
	require.Equal(t, uint64(1), proven.Confirmations, "830000 is the tip")
	require.True(t, proven.Tx.HasWitness(), "with a funding transaction the signer reads the witness")

	// Without one nothing reads the witness: it is checked, not kept (a witness of empty items
	// would take 24 bytes of memory per byte of proof).
	require.True(t, spend.HasWitness())
	bare, err := f.k.VerifyProof(f.ctx, proofFor(spend, nil))
	require.NoError(t, err)
	require.False(t, bare.Tx.HasWitness())
	require.Equal(t, spend.TxHash(), bare.TxID)
	require.Len(t, bare.Tx.TxOut, len(spend.TxOut))

	stolen := spend.Copy()
	stolen.TxIn[0].Witness = wire.TxWitness{bytes.Repeat([]byte{0x30}, 71), datagen.KeyFromSeed(7).PubKey().SerializeCompressed()}
	proven, err = f.k.VerifyProof(f.ctx, proofFor(stolen, funding))
	require.NoError(t, err, "the txid, and so the proof, is the same")
	require.Nil(t, proven.Signer)
	require.ErrorIs(t, proven.NoSigner, bitcoin.ErrNoSignerAccount)

	_, err = f.k.VerifyProof(f.ctx, proofFor(spend, block.Transactions[45]))
	require.ErrorIs(t, err, types.ErrInvalidFundingTx)

	// The funding transaction travels without its witness: only its txid and outputs are read,
	// and empty witness items decode into 24 times their bytes.
	require.True(t, funding.HasWitness(), "the pinned funding transaction is segwit")
	withWitness := proofFor(spend, funding)
	withWitness.FundingTx = serialize(t, funding)
	_, err = f.k.VerifyProof(f.ctx, withWitness)
	require.ErrorIs(t, err, types.ErrInvalidFundingTx)
	require.ErrorContains(t, err, "without its witness")
	tooLarge := proofFor(spend, funding)
	tooLarge.FundingTx = make([]byte, types.MaxFundingTxSize+1)
	_, err = f.k.VerifyProof(f.ctx, tooLarge)
	require.ErrorIs(t, err, types.ErrInvalidFundingTx)
}

func serialize(t *testing.T, tx *wire.MsgTx) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, tx.Serialize(&b))
	return b.Bytes()
}

// The gRPC queries: display-order hashes in and out, InvalidArgument for
// malformed input, NotFound for what the chain does not hold.
func TestQueries(t *testing.T) {
	f, run, bounds := mainnet822528(t)
	f.mustInsert(run.RawRange(t, 822529, 830592), 2016)
	q := f.query
	h830000 := run.At(t, 830000)

	params, err := q.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, types.DefaultParams(), params.Params)

	tip, err := q.Tip(f.ctx, &types.QueryTipRequest{})
	require.NoError(t, err)
	require.Equal(t, bitcoin.MainNet, tip.Network)
	require.Equal(t, uint64(830592), tip.Header.Height)
	require.Equal(t, run.At(t, 830592).BlockHash().String(), tip.Header.Hash)
	require.Equal(t, bounds[830592].ChainWork.String(), tip.Header.CumulativeWork)

	for _, id := range []string{"830000", h830000.BlockHash().String(), " 830000 "} {
		resp, err := q.Header(f.ctx, &types.QueryHeaderRequest{Id: id})
		require.NoError(t, err, id)
		v := resp.Header
		require.Equal(t, "000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f", v.Hash)
		require.Equal(t, uint64(830000), v.Height)
		require.Equal(t, h830000.Version, v.Version)
		require.Equal(t, h830000.PrevBlock.String(), v.PrevBlock)
		require.Equal(t, h830000.MerkleRoot.String(), v.MerkleRoot)
		require.Equal(t, uint32(h830000.Timestamp.Unix()), v.Time)
		require.Equal(t, h830000.Bits, v.Bits)
		require.Equal(t, h830000.Nonce, v.Nonce)
		require.Len(t, v.HeaderHex, 160)
		require.True(t, resp.Canonical)
	}
	wantCode(t, codes.InvalidArgument)(q.Header(f.ctx, &types.QueryHeaderRequest{Id: "latest"}))
	wantCode(t, codes.InvalidArgument)(q.Header(f.ctx, &types.QueryHeaderRequest{Id: ""}))
	wantCode(t, codes.InvalidArgument)(q.Header(f.ctx, &types.QueryHeaderRequest{Id: "zz" + h830000.BlockHash().String()[2:]}))
	wantCode(t, codes.NotFound)(q.Header(f.ctx, &types.QueryHeaderRequest{Id: "1"}))
	wantCode(t, codes.NotFound)(q.Header(f.ctx, &types.QueryHeaderRequest{Id: staleHash(t).String()}))
	// A side-chain header is found by hash, marked not canonical; depth and
	// contains still speak of the canonical chain only.
	sideCtx := cacheCtx(f.ctx)
	deep := types.DefaultParams()
	deep.MaxForkDepth = types.MaxForkDepthLimit // 823226 is 7366 below the tip
	_, err = f.msgs.UpdateParams(sideCtx, types.NewMsgUpdateParams(f.authority, deep))
	require.NoError(t, err)
	_, err = f.k.InsertHeaders(sideCtx, f.relayer, [][]byte{staleHeader(t).Raw})
	require.NoError(t, err)
	side, err := q.Header(sideCtx, &types.QueryHeaderRequest{Id: staleHash(t).String()})
	require.NoError(t, err)
	require.False(t, side.Canonical)
	require.Equal(t, uint64(823226), side.Header.Height)
	contains, err := q.Contains(sideCtx, &types.QueryContainsRequest{Hash: staleHash(t).String()})
	require.NoError(t, err)
	require.False(t, contains.Contains)
	wantCode(t, codes.NotFound)(q.Depth(sideCtx, &types.QueryDepthRequest{Hash: staleHash(t).String()}))

	mc, err := q.MainChain(f.ctx, &types.QueryMainChainRequest{From: 830590})
	require.NoError(t, err)
	require.Len(t, mc.Headers, 3)
	require.Equal(t, uint64(830592), mc.Headers[2].Height)
	mc, err = q.MainChain(f.ctx, &types.QueryMainChainRequest{})
	require.NoError(t, err)
	require.Len(t, mc.Headers, keeper.DefaultMainChainLimit)
	require.Equal(t, uint64(822528), mc.Headers[0].Height, "from below the base starts at the base")
	mc, err = q.MainChain(f.ctx, &types.QueryMainChainRequest{From: 823000, Limit: keeper.MaxMainChainLimit})
	require.NoError(t, err)
	require.Len(t, mc.Headers, keeper.MaxMainChainLimit)
	require.Equal(t, uint64(823999), mc.Headers[999].Height)
	mc, err = q.MainChain(f.ctx, &types.QueryMainChainRequest{From: 900000})
	require.NoError(t, err)
	require.Empty(t, mc.Headers)
	wantCode(t, codes.InvalidArgument)(q.MainChain(f.ctx, &types.QueryMainChainRequest{Limit: keeper.MaxMainChainLimit + 1}))

	depth, err := q.Depth(f.ctx, &types.QueryDepthRequest{Hash: h830000.BlockHash().String()})
	require.NoError(t, err)
	require.Equal(t, uint64(593), depth.Confirmations)
	wantCode(t, codes.NotFound)(q.Depth(f.ctx, &types.QueryDepthRequest{Hash: staleHash(t).String()}))
	wantCode(t, codes.InvalidArgument)(q.Depth(f.ctx, &types.QueryDepthRequest{Hash: "1234"}))

	c, err := q.Contains(f.ctx, &types.QueryContainsRequest{Hash: h830000.BlockHash().String()})
	require.NoError(t, err)
	require.Equal(t, &types.QueryContainsResponse{Contains: true, Height: 830000}, c)
	c, err = q.Contains(f.ctx, &types.QueryContainsRequest{Hash: chainhash.Hash{}.String()})
	require.NoError(t, err)
	require.False(t, c.Contains)
	// Internal byte order is not display order: the reversed hash is unknown.
	internal := h830000.BlockHash()
	c, err = q.Contains(f.ctx, &types.QueryContainsRequest{Hash: hex.EncodeToString(internal[:])})
	require.NoError(t, err)
	require.False(t, c.Contains)

	wantCode(t, codes.InvalidArgument)(q.Tip(f.ctx, nil))
}

// wantCode checks a query's result: an error with this gRPC code and a
// message.
func wantCode(t *testing.T, want codes.Code) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		require.Error(t, err)
		require.Equal(t, want, status.Code(err), "%v", err)
		require.NotEmpty(t, status.Convert(err).Message())
	}
}
