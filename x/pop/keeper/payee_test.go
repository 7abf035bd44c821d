package keeper_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Finding 1, end to end: whoever proves a PoP transaction first, with whatever witness, with or
// without its funding transaction, never gets its reward and never destroys it. The payee is
// only ever the key the Bitcoin block commits to, bound through the funding transaction.

// mineSpends mines a block of real signed spends (datagen.MineSpendBlock) on the Bitcoin tip
// and inserts its header into x/btclc.
func (f *fixture) mineSpends(spends ...datagen.Spend) *datagen.MinedBlock {
	f.tb.Helper()
	f.nonce++
	b := datagen.MineSpendBlock(f.tb, &f.btcTip, f.nonce, spends...)
	_, err := f.btclcMsgs.InsertHeaders(f.ctx, btclctypes.NewMsgInsertHeaders(f.submitter, [][]byte{b.RawHeader}))
	require.NoError(f.tb, err)
	f.btcTip = b.Block.Header
	return b
}

// spendProof is the proof of spend s of block b carrying tx (the spending transaction, or a copy
// with another witness: the same txid) and, if withFunding, s's funding transaction.
func spendProof(tb testing.TB, submitter string, b *datagen.MinedBlock, s datagen.MinedSpend, tx *wire.MsgTx, withFunding bool) *types.MsgSubmitPoPProof {
	tb.Helper()
	require.Equal(tb, s.Spending.TxHash(), tx.TxHash(), "the copy keeps the txid")
	var funding []byte
	if withFunding {
		funding = serializeTx(tb, s.Funding)
	}
	return types.NewMsgSubmitPoPProof(submitter, serializeTx(tb, tx), b.Block.BlockHash(), s.SpendingProof.Index, s.SpendingProof.Siblings, funding)
}

// popSpend asks for a spend of kind by key whose first output publishes keystone k.
func popSpend(kind datagen.SpendKind, key *btcec.PrivateKey, k bitcoin.AbbreviatedKeystone) datagen.Spend {
	return datagen.Spend{Kind: kind, Key: key, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(k))}}
}

func keyAccount(tb testing.TB, key *btcec.PrivateKey) string {
	tb.Helper()
	return mustAddr(tb, ethAddress(key.PubKey()))
}

// publication returns the recorded publication of txid.
func (f *fixture) publication(txid chainhash.Hash) types.Publication {
	f.tb.Helper()
	pub, err := f.k.Publications.Get(f.ctx, txid)
	require.NoError(f.tb, err)
	return pub
}

// payeeIndexed tells whether the payee index lists txid under payee.
func (f *fixture) payeeIndexed(payee string, txid chainhash.Hash) bool {
	f.tb.Helper()
	res, err := f.query.Publications(f.ctx, &types.QueryPublicationsRequest{Id: payee})
	require.NoError(f.tb, err)
	for _, p := range res.Publications {
		if p.Publication.Txid == txid.String() {
			return true
		}
	}
	return false
}

// The swapped-witness theft on P2WPKH: the attacker copies the mined transaction, replaces its
// witness with [junk, their key] (same txid) and proves it first, with or without the funding
// transaction. The old rule paid whoever wrote the witness. Now the copy anchors the keystone
// without a payee, the honest proof binds the honest payee afterwards, and at superfinality the
// honest payee is paid the whole reward and the attacker nothing.
func TestSwappedWitnessTheftNeverPaysTheAttacker(t *testing.T) {
	for _, attackerSendsFunding := range []bool{false, true} {
		f := newFixture(t)
		reward := types.DefaultKeystoneReward().Amount
		honestKey, attackerKey := datagen.KeyFromSeed(1), datagen.KeyFromSeed(666)
		honest, attacker := keyAccount(t, honestKey), keyAccount(t, attackerKey)
		f.advanceTo(10)
		f.beginBlock()
		b := f.mineSpends(popSpend(datagen.P2WPKH, honestKey, f.abbrev(10)))
		s := b.Spends[0]
		txid := s.Spending.TxHash()

		stolen := s.Spending.Copy()
		stolen.TxIn[0].Witness = wire.TxWitness{bytes.Repeat([]byte{0x30}, 71), attackerKey.PubKey().SerializeCompressed()}
		// What the old rule read: the witness key, which is now the attacker's.
		require.Equal(t, attackerKey.PubKey().SerializeCompressed(), []byte(stolen.TxIn[0].Witness[1]))

		attackerMsg := spendProof(t, mustAddr(t, bytes.Repeat([]byte{0x66}, 20)), b, s, stolen, attackerSendsFunding)
		resp, err := f.msgs.SubmitPoPProof(f.ctx, attackerMsg)
		require.NoError(t, err, "the copy is a valid proof of the publication")
		require.Empty(t, resp.Payee)
		require.Empty(t, f.publication(txid).Payee, "the attacker's witness binds no one")
		require.False(t, f.payeeIndexed(attacker, txid))

		// The attacker cannot do it again, with any witness.
		f.requireRejected(t, attackerMsg, types.ErrDuplicatePublication)

		// The honest miner's proof binds its payee.
		resp, err = f.msgs.SubmitPoPProof(f.ctx, spendProof(t, f.submitter, b, s, s.Spending, true))
		require.NoError(t, err)
		require.Equal(t, &types.MsgSubmitPoPProofResponse{KeystoneHeight: 10, Txid: txid.String(), Payee: honest, PayeeBound: true}, resp)
		require.Equal(t, honest, f.publication(txid).Payee)
		require.True(t, f.payeeIndexed(honest, txid))
		require.Equal(t, []*types.EventPublicationPayeeBound{{KeystoneHeight: 10, Txid: txid.String(), Payee: honest, Submitter: f.submitter}},
			eventsOf[*types.EventPublicationPayeeBound](t, f.ctx))
		// Once bound, it is bound: neither the attacker nor the miner again changes it.
		f.requireRejected(t, attackerMsg, types.ErrDuplicatePublication)
		f.requireRejected(t, spendProof(t, f.submitter, b, s, s.Spending, true), types.ErrDuplicatePublication)

		f.extendN(5) // tip 6: keystone 10 superfinal, paid
		f.endBlock()
		require.Equal(t, uint64(10), f.finality().LatestSuperfinal)
		require.Equal(t, reward.String(), f.bank.balance(t, honest).String(), "attacker funding %v", attackerSendsFunding)
		require.True(t, f.bank.balance(t, attacker).IsZero())
		require.True(t, f.bank.Pool().IsZero())
	}
}

// Each griefing variant, built from real signed transactions, is recorded first without a
// payee: a fake witness added to a P2PKH spend (Bitcoin allows none), a stripped witness on a
// P2SH-P2WPKH spend, and an honest transaction proven without its funding transaction. Then the
// honest proof binds the payee, which is paid.
func TestGriefingProofsDoNotDestroyTheReward(t *testing.T) {
	attacker := datagen.KeyFromSeed(666).PubKey().SerializeCompressed()
	for _, c := range []struct {
		name        string
		kind        datagen.SpendKind
		grief       func(*wire.MsgTx)
		withFunding bool
	}{
		{"P2PKH with a fake witness", datagen.P2PKH, func(tx *wire.MsgTx) { tx.TxIn[0].Witness = wire.TxWitness{{0x30, 0x01}, attacker} }, true},
		{"P2SH-P2WPKH without its witness", datagen.P2SHP2WPKH, func(tx *wire.MsgTx) { tx.TxIn[0].Witness = nil }, true},
		{"P2WPKH without the funding transaction", datagen.P2WPKH, func(*wire.MsgTx) {}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			key := datagen.KeyFromSeed(7)
			payee := keyAccount(t, key)
			f.advanceTo(10)
			f.beginBlock()
			b := f.mineSpends(popSpend(c.kind, key, f.abbrev(10)))
			s := b.Spends[0]
			txid := s.Spending.TxHash()
			griefed := s.Spending.Copy()
			c.grief(griefed)

			_, err := f.msgs.SubmitPoPProof(f.ctx, spendProof(t, f.submitter, b, s, griefed, c.withFunding))
			require.NoError(t, err)
			require.Empty(t, f.publication(txid).Payee)
			first, err := f.k.Anchors.Get(f.ctx, 10)
			require.NoError(t, err)
			require.Equal(t, b.Block.Header.BlockHash(), f.btcTip.BlockHash())
			require.Equal(t, uint64(1), first, "the griefing proof still anchors the keystone")

			resp, err := f.msgs.SubmitPoPProof(f.ctx, spendProof(t, f.submitter, b, s, s.Spending, true))
			require.NoError(t, err)
			require.True(t, resp.PayeeBound)
			require.Equal(t, payee, f.publication(txid).Payee)

			f.extendN(5)
			f.endBlock()
			require.Equal(t, types.DefaultKeystoneReward().Amount.String(), f.bank.balance(t, payee).String())
		})
	}
}

// A funding transaction that is not the one input 0 spends is refused with x/btclc's
// ErrInvalidFundingTx and changes nothing, first or after a payee-less record.
func TestWrongFundingTxRejected(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(10)
	f.beginBlock()
	b := f.mineSpends(popSpend(datagen.P2WPKH, datagen.KeyFromSeed(1), f.abbrev(10)), datagen.Spend{Kind: datagen.P2PKH})
	s, other := b.Spends[0], b.Spends[1]
	wrong := spendProof(t, f.submitter, b, s, s.Spending, true)
	wrong.Proof.FundingTx = serializeTx(t, other.Funding)
	f.requireRejected(t, wrong, btclctypes.ErrInvalidFundingTx)
	garbage := spendProof(t, f.submitter, b, s, s.Spending, true)
	garbage.Proof.FundingTx = garbage.Proof.FundingTx[:10]
	f.requireRejected(t, garbage, btclctypes.ErrInvalidFundingTx)

	_, err := f.msgs.SubmitPoPProof(f.ctx, spendProof(t, f.submitter, b, s, s.Spending, false))
	require.NoError(t, err)
	f.requireRejected(t, wrong, btclctypes.ErrInvalidFundingTx)
	require.Empty(t, f.publication(s.Spending.TxHash()).Payee)
}

// A spend that binds no key (a P2TR key-path spend) still anchors its keystone, without a payee,
// and no proof can give it one: a second proof is a duplicate.
func TestUnbindableSpendAnchorsWithoutPayee(t *testing.T) {
	f := newFixture(t)
	f.advanceTo(10)
	f.beginBlock()
	funding := wire.NewMsgTx(2)
	funding.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH([]byte("p2tr funding"))}, []byte{txscript.OP_TRUE}, nil))
	funding.AddTxOut(wire.NewTxOut(100_000, append([]byte{txscript.OP_1, txscript.OP_DATA_32}, bytes.Repeat([]byte{0x5a}, 32)...)))
	spend := wire.NewMsgTx(2)
	fundingHash := funding.TxHash()
	spend.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: fundingHash}, nil, wire.TxWitness{bytes.Repeat([]byte{0x01}, 64)}))
	spend.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(f.abbrev(10))))
	b := f.extend(serializeTx(t, spend))
	msg := f.proof(b, 1)
	msg.Proof.FundingTx = serializeTx(t, funding)

	resp, err := f.msgs.SubmitPoPProof(f.ctx, msg)
	require.NoError(t, err)
	require.Empty(t, resp.Payee)
	require.Empty(t, f.publication(b.txids[1]).Payee)
	first, err := f.k.Anchors.Get(f.ctx, 10)
	require.NoError(t, err)
	require.Equal(t, b.height, first)
	f.requireRejected(t, msg, types.ErrDuplicatePublication)
}

// Once a keystone's reward is settled, binding a payee could not change it: the proof that would
// bind one is refused with ErrRewardSettled (not a duplicate: the miner lost its reward) and
// changes nothing. While the reward is still owed (a backlog under
// the per-block cap) binding is accepted, and the payee is paid when the keystone's turn comes.
func TestBindingAfterTheRewardIsSettled(t *testing.T) {
	f := newFixture(t)
	p := f.params()
	p.MaxKeystonesPaidPerBlock = 1
	f.setParams(p)
	key10, key20 := datagen.KeyFromSeed(10), datagen.KeyFromSeed(20)
	f.advanceTo(20)
	f.beginBlock()
	b := f.mineSpends(popSpend(datagen.P2WPKH, key10, f.abbrev(10)), popSpend(datagen.P2WPKH, key20, f.abbrev(20)))
	s10, s20 := b.Spends[0], b.Spends[1]
	for _, s := range b.Spends {
		_, err := f.msgs.SubmitPoPProof(f.ctx, spendProof(t, f.submitter, b, s, s.Spending, false))
		require.NoError(t, err)
	}
	f.extendN(5) // keystones 10 and 20 superfinal; one paid per block: 10 now, 20 next block
	f.endBlock()
	require.Equal(t, types.FinalityState{LatestSuperfinal: 20, HighestEverSuperfinal: 20}, f.finality())

	f.beginBlock()
	// Keystone 10 was paid (to the community pool: no payee): settled.
	err := f.requireRejected(t, spendProof(t, f.submitter, b, s10, s10.Spending, true), types.ErrRewardSettled)
	require.False(t, errors.Is(err, types.ErrDuplicatePublication), "a lost reward is not reported as a duplicate: %v", err)
	// Keystone 20 is still owed: its payee can still be bound, and is paid.
	resp, err := f.msgs.SubmitPoPProof(f.ctx, spendProof(t, f.submitter, b, s20, s20.Spending, true))
	require.NoError(t, err)
	require.True(t, resp.PayeeBound)
	f.endBlock()
	require.True(t, f.bank.balance(t, keyAccount(t, key10)).IsZero())
	require.Equal(t, types.DefaultKeystoneReward().Amount.String(), f.bank.balance(t, keyAccount(t, key20)).String())
	// Keystone 20 is bound (and settled): a duplicate.
	f.beginBlock()
	s := s20
	f.requireRejected(t, spendProof(t, f.submitter, b, s, s.Spending, true), types.ErrDuplicatePublication)
}
