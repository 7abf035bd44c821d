package keeper_test

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// FuzzSubmitPoPProof sends arbitrary proofs through the Msg service of a
// chain with keystones and a Bitcoin block holding real PoP transactions:
// the transaction, the block hash (as bytes or text), the index and the
// siblings (cut from one byte string, 32 bytes each, a remainder becomes a
// short last sibling) all come from the fuzzer. Whatever the input: no
// panic; a rejection changes no key and emits no event; an acceptance
// records exactly the proven transaction, of a keystone this chain
// recorded, in a canonical block.
func FuzzSubmitPoPProof(f *testing.F) {
	fx := newFixture(f)
	m := newPoPMiner(fx, 7, true)
	fx.advanceTo(20)
	other := fx.keystone(20)
	other.AppHash = appHash(99)
	otherAbbrev, err := other.Abbreviate()
	require.NoError(f, err)
	block := fx.mineBlock(fx.btcTip, 0, 9,
		m.popTx(f, fx.abbrev(20)),
		m.popTx(f, fx.abbrev(10)),
		m.popTx(f, otherAbbrev),
		m.popTx(f, fx.abbrev(20), wire.NewTxOut(0, bitcoin.PoPScript(fx.abbrev(10)))),
		m.signedTx(f),
	)
	_, err = fx.insert(block)
	require.NoError(f, err)
	fx.btcTip = block.header
	fx.beginBlock()
	base := fx.snapshot()

	join := func(msg *types.MsgSubmitPoPProof) []byte {
		var out []byte
		for _, s := range msg.Proof.MerkleSiblings {
			out = append(out, s...)
		}
		return out
	}
	for i := 1; i < len(block.txs); i++ {
		msg := fx.proof(block, i)
		f.Add(msg.Proof.Tx, msg.Proof.BtcBlockHash, msg.Proof.TxIndex, join(msg), msg.Proof.FundingTx)
		f.Add(msg.Proof.Tx, msg.Proof.BtcBlockHash, msg.Proof.TxIndex, join(msg), []byte(nil))
	}
	good := fx.proof(block, 1)
	f.Add(good.Proof.Tx, good.Proof.BtcBlockHash, uint32(0), join(good), good.Proof.FundingTx)
	f.Add(good.Proof.Tx, good.Proof.BtcBlockHash[:63], uint32(1), join(good), good.Proof.FundingTx)
	f.Add([]byte{}, "", uint32(0), []byte{}, []byte{})
	f.Add(good.Proof.Tx[:len(good.Proof.Tx)-3], good.Proof.BtcBlockHash, uint32(1), join(good)[:40], good.Proof.FundingTx[1:])

	f.Fuzz(func(t *testing.T, tx []byte, blockHash string, index uint32, siblings, funding []byte) {
		msg := &types.MsgSubmitPoPProof{Submitter: fx.submitter, Proof: btclctypes.InclusionProof{
			Tx: tx, BtcBlockHash: blockHash, TxIndex: index, FundingTx: funding}}
		for len(siblings) > 0 {
			n := min(chainhash.HashSize, len(siblings))
			msg.Proof.MerkleSiblings = append(msg.Proof.MerkleSiblings, siblings[:n])
			siblings = siblings[n:]
		}
		ctx, _ := fx.ctx.CacheContext()
		resp, err := fx.msgs.SubmitPoPProof(ctx, msg)
		if err != nil {
			require.Equal(t, base, append(storeSnapshot(ctx, fx.popKey), storeSnapshot(ctx, fx.btclcKey)...), "rejected (%v) but changed the store", err)
			require.Empty(t, ctx.EventManager().Events())
			return
		}
		// Accepted: the transaction at index of the block (its witness may
		// differ: the txid does not cover it), publishing a keystone of this
		// chain byte for byte, paying no one or the key that signed it.
		require.Less(t, int(index), len(block.txs))
		decoded, err := bitcoin.DecodeTx(tx)
		require.NoError(t, err)
		require.Equal(t, block.txids[index], decoded.TxHash())
		payload, err := bitcoin.FindPoPPayload(decoded)
		require.NoError(t, err)
		ks, err := fx.k.Keystones.Get(ctx, uint64(payload.KeystoneHeight))
		require.NoError(t, err)
		require.True(t, ks.Matches(payload))
		require.Equal(t, block.txids[index].String(), resp.Txid)
		pub, err := fx.k.Publications.Get(ctx, block.txids[index])
		require.NoError(t, err)
		require.Equal(t, block.height, pub.BtcHeight)
		require.Equal(t, block.hash().String(), pub.View().BtcBlockHash)
		if pub.Payee != "" {
			require.Equal(t, m.payee(t), pub.Payee)
		}
	})
}
