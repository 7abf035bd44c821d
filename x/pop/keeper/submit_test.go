package keeper_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// The transactions the tests build are real: their input's signature
// verifies against the output it spends, under Bitcoin's script engine.
func TestPoPTxIsSigned(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(10)
	for _, segwit := range []bool{false, true} {
		m := newPoPMiner(f, 7, segwit)
		tx, err := bitcoin.DecodeTx(m.popTx(t, f.abbrev(10)))
		require.NoError(t, err)
		funding, err := bitcoin.DecodeTx(f.funding[tx.TxHash()])
		require.NoError(t, err)
		require.Equal(t, funding.TxHash(), tx.TxIn[0].PreviousOutPoint.Hash)
		spent := funding.TxOut[tx.TxIn[0].PreviousOutPoint.Index]
		fetcher := txscript.NewCannedPrevOutputFetcher(spent.PkScript, spent.Value)
		vm, err := txscript.NewEngine(spent.PkScript, tx, 0, txscript.StandardVerifyFlags, nil,
			txscript.NewTxSigHashes(tx, fetcher), spent.Value, fetcher)
		require.NoError(t, err)
		require.NoError(t, vm.Execute(), "segwit=%v", segwit)
	}
}

// A proof of a real PoP transaction is recorded with the payee of the key
// that signs its first input (P2PKH and P2WPKH alike), the event says so,
// and the keystone is anchored at the block's height.
func TestSubmitPoPProofRecords(t *testing.T) {
	for _, segwit := range []bool{false, true} {
		f := newFixture(t)
		f.advanceTo(10)
		m := newPoPMiner(f, 7, segwit)
		f.beginBlock()
		f.extendN(2)
		b := f.mineBlock(f.btcTip, 2, 5, m.popTx(t, f.abbrev(10)))
		_, err := f.insert(b)
		require.NoError(t, err)
		f.btcTip = b.header

		resp, err := f.msgs.SubmitPoPProof(f.ctx, f.proof(b, 1))
		require.NoError(t, err)
		txid, blockHash := b.txids[1], b.hash()
		want := types.Publication{ // hashes stored in internal byte order
			KeystoneHeight: 10,
			Txid:           txid[:],
			BtcHeight:      3,
			BtcBlockHash:   blockHash[:],
			Payee:          m.payee(t),
			Submitter:      f.submitter,
		}
		// Responses, events and queries show them in display order.
		view := types.PublicationView{
			KeystoneHeight: 10, Txid: txid.String(), BtcHeight: 3, BtcBlockHash: blockHash.String(),
			Payee: m.payee(t), Submitter: f.submitter,
		}
		require.Equal(t, view, want.View())
		require.Equal(t, &types.MsgSubmitPoPProofResponse{KeystoneHeight: 10, Txid: view.Txid, Payee: view.Payee}, resp)
		got, err := f.k.Publications.Get(f.ctx, b.txids[1])
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, []*types.EventPublicationRecorded{{
			KeystoneHeight: 10, Txid: view.Txid, BtcHeight: 3, BtcBlockHash: view.BtcBlockHash,
			Payee: view.Payee, Submitter: f.submitter,
		}}, eventsOf[*types.EventPublicationRecorded](t, f.ctx))

		first, err := f.k.Anchors.Get(f.ctx, 10)
		require.NoError(t, err)
		require.Equal(t, uint64(3), first)
		f.endBlock()
		st := f.status(10)
		require.Equal(t, uint64(3), st.FirstBtcHeight)
		require.Equal(t, uint64(3), st.EffectiveBtcHeight)
		require.Equal(t, uint64(1), st.Confirmations)
		require.Equal(t, []types.PublicationStatus{{Publication: view, OnMainChain: true}}, st.Publications)
	}
}

// A first input whose key cannot be read (here a script-path spend) still
// anchors the keystone, but the publication has no payee.
func TestSubmitPoPProofWithoutPayee(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(10)
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH([]byte("p2wsh"))}, nil, wire.TxWitness{{1}, {txscript.OP_TRUE}}))
	tx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(f.abbrev(10))))
	b := f.extend(serializeTx(t, tx))
	f.submit(b)
	pub, err := f.k.Publications.Get(f.ctx, b.txids[1])
	require.NoError(t, err)
	require.Empty(t, pub.Payee)
	first, err := f.k.Anchors.Get(f.ctx, 10)
	require.NoError(t, err)
	require.Equal(t, b.height, first)
}

// Every way a proof can be wrong is refused with its own registered error,
// and changes no key of x/pop or x/btclc and emits no event.
func TestSubmitPoPProofRejects(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(20)
	m := newPoPMiner(f, 7, false)
	good := f.mineBlock(f.btcTip, 0, 6, m.popTx(t, f.abbrev(20)))
	_, err := f.insert(good)
	require.NoError(t, err)
	f.btcTip = good.header
	f.beginBlock()

	proof := func(edit func(*types.MsgSubmitPoPProof)) *types.MsgSubmitPoPProof {
		msg := f.proof(good, 1)
		if edit != nil {
			edit(msg)
		}
		return msg
	}
	// inBlock mines a block on the tip holding txs, inserts it and returns
	// the proof of its transaction at index 1.
	inBlock := func(txs ...[]byte) *types.MsgSubmitPoPProof {
		return f.proof(f.extend(txs...), 1)
	}
	otherChain := func(edit func(*types.Keystone)) []byte {
		ks := f.keystone(20)
		edit(&ks)
		a, err := ks.Abbreviate()
		require.NoError(t, err)
		return m.popTx(t, a)
	}

	t.Run("submitter", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Submitter = "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu" }), sdkerrors.ErrInvalidAddress)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Submitter = "" }), sdkerrors.ErrInvalidAddress)
	})
	t.Run("no transaction", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.Tx = nil }), btclctypes.ErrInvalidTx)
	})
	t.Run("transaction too large", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.Tx = make([]byte, btclctypes.MaxProofTxSize+1) }), btclctypes.ErrInvalidTx)
	})
	t.Run("transaction does not decode", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.Tx = m.Proof.Tx[:len(m.Proof.Tx)-1] }), btclctypes.ErrInvalidTx)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.Tx = append(bytes.Clone(m.Proof.Tx), 0) }), btclctypes.ErrInvalidTx)
	})
	t.Run("block hash", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.BtcBlockHash = "" }), btclctypes.ErrInvalidBlockHash)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.BtcBlockHash = m.Proof.BtcBlockHash[2:] }), btclctypes.ErrInvalidBlockHash)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.BtcBlockHash = "zz" + m.Proof.BtcBlockHash[2:] }), btclctypes.ErrInvalidBlockHash)
	})
	t.Run("sibling length", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.MerkleSiblings[0] = m.Proof.MerkleSiblings[0][:31] }), btclctypes.ErrInvalidSPVProof)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.MerkleSiblings = make([][]byte, 33) }), btclctypes.ErrInvalidSPVProof)
	})
	t.Run("coinbase position", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.TxIndex = 0 }), types.ErrCoinbaseTx)
	})
	t.Run("coinbase-shaped transaction", func(t *testing.T) {
		cb, err := bitcoin.DecodeTx(coinbaseTx(99))
		require.NoError(t, err)
		cb.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(f.abbrev(20))))
		// In a block at index 1, so that the SPV proof holds and only the
		// payload rule can refuse it.
		f.requireRejected(t, inBlock(serializeTx(t, cb)), types.ErrNoPayload)
	})
	t.Run("no payload", func(t *testing.T) {
		f.requireRejected(t, inBlock(m.signedTx(t)), types.ErrNoPayload)
		// Another protocol's 80-byte OP_RETURN is not a payload.
		other := bitcoin.PoPScript(f.abbrev(20))
		copy(other[3:7], "STKS")
		f.requireRejected(t, inBlock(m.signedTx(t, wire.NewTxOut(0, other))), types.ErrNoPayload)
	})
	t.Run("two payloads", func(t *testing.T) {
		tx := m.popTx(t, f.abbrev(20), wire.NewTxOut(0, bitcoin.PoPScript(f.abbrev(10))))
		f.requireRejected(t, inBlock(tx), types.ErrMultiplePayloads)
		same := m.popTx(t, f.abbrev(20), wire.NewTxOut(0, bitcoin.PoPScript(f.abbrev(20))))
		f.requireRejected(t, inBlock(same), types.ErrMultiplePayloads)
	})
	t.Run("payload version", func(t *testing.T) {
		script := bitcoin.PoPScript(f.abbrev(20))
		script[7] = 2
		f.requireRejected(t, inBlock(m.signedTx(t, wire.NewTxOut(0, script))), types.ErrInvalidPayload)
	})
	t.Run("block not on the main chain", func(t *testing.T) {
		// A valid block the light client never saw...
		unseen := f.mineBlock(f.btcTip, f.btcTipHeight(), 3, m.popTx(t, f.abbrev(20)))
		f.requireRejected(t, f.proof(unseen, 1), btclctypes.ErrNotOnMainChain)
		// ...and one it saw, until a heavier fork replaced it.
		tip := f.btcTipHeight()
		gone := f.extend(m.popTx(t, f.abbrev(20)))
		f.fork(tip, 2)
		f.requireRejected(t, f.proof(gone, 1), btclctypes.ErrNotOnMainChain)
	})
	t.Run("bad merkle path", func(t *testing.T) {
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.MerkleSiblings[1][0] ^= 1 }), btclctypes.ErrInvalidSPVProof)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.TxIndex = 2 }), btclctypes.ErrInvalidSPVProof)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.MerkleSiblings = m.Proof.MerkleSiblings[:2] }), btclctypes.ErrInvalidSPVProof)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.TxIndex = 1 << 10 }), btclctypes.ErrInvalidSPVProof)
		// The branch of another position of the block.
		other := f.proof(good, 3)
		f.requireRejected(t, proof(func(m *types.MsgSubmitPoPProof) { m.Proof.MerkleSiblings = other.Proof.MerkleSiblings }), btclctypes.ErrInvalidSPVProof)
	})
	t.Run("keystone never recorded", func(t *testing.T) {
		a := f.abbrev(20)
		a.KeystoneHeight = 30
		f.requireRejected(t, inBlock(m.popTx(t, a)), types.ErrUnknownKeystone)
		a.KeystoneHeight = 15 // between keystones
		f.requireRejected(t, inBlock(m.popTx(t, a)), types.ErrUnknownKeystone)
	})
	t.Run("keystone of another chain", func(t *testing.T) {
		// Same height, different chain: every committed field matters.
		for name, edit := range map[string]func(*types.Keystone){
			"app hash":               func(k *types.Keystone) { k.AppHash = appHash(99) },
			"block hash":             func(k *types.Keystone) { k.BlockHash = blockHash(99) },
			"parent hash":            func(k *types.Keystone) { k.ParentHash = blockHash(98) },
			"previous keystone hash": func(k *types.Keystone) { k.PrevKeystoneHash = blockHash(97) },
			"bitcoin height":         func(k *types.Keystone) { k.BtcHeight++ },
		} {
			err := f.requireRejected(t, inBlock(otherChain(edit)), types.ErrKeystoneMismatch)
			require.ErrorContains(t, err, name)
		}
	})
	t.Run("txid already recorded", func(t *testing.T) {
		_, err := f.msgs.SubmitPoPProof(f.ctx, proof(nil))
		require.NoError(t, err)
		f.requireRejected(t, proof(nil), types.ErrDuplicatePublication)
	})
}
