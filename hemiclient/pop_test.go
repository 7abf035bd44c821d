package hemiclient

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// proofBlock is a block of a coinbase and two other transactions.
func proofBlock() *wire.MsgBlock {
	block := &wire.MsgBlock{}
	for i := range 3 {
		tx := wire.NewMsgTx(2)
		prev := wire.OutPoint{Hash: chainhash.Hash{byte(i + 1)}, Index: uint32(i)}
		if i == 0 {
			prev = wire.OutPoint{Index: wire.MaxPrevOutIndex}
		}
		tx.AddTxIn(wire.NewTxIn(&prev, []byte{byte(i)}, nil))
		tx.AddTxOut(wire.NewTxOut(int64(i), []byte{0x51}))
		block.Transactions = append(block.Transactions, tx)
	}
	txids := make([]chainhash.Hash, len(block.Transactions))
	for i, tx := range block.Transactions {
		txids[i] = tx.TxHash()
	}
	block.Header.MerkleRoot, _ = bitcoin.MerkleRoot(txids)
	return block
}

// TestSubmitPoPProof: the message is the block's proof of txid signed by the submitter; a
// duplicate (matched by code) is success; a payee bound too late (x/pop's ErrRewardSettled) is its
// own outcome, not "already recorded"; any other refusal is an error that keeps its class.
func TestSubmitPoPProof(t *testing.T) {
	block := proofBlock()
	txid := block.Transactions[2].TxHash()
	const submitter = "hemi1submitter"
	// The funding transaction of tx 2's input travels in the proof, byte for byte.
	funding := wire.NewMsgTx(2)
	funding.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{7}}, nil, nil))
	funding.AddTxOut(wire.NewTxOut(5, []byte{0x51}))
	var rawFunding bytes.Buffer
	if err := funding.Serialize(&rawFunding); err != nil {
		t.Fatal(err)
	}
	var wantFunding []byte
	answer := func(err error) func(context.Context, ...sdk.Msg) (*sdk.TxResponse, error) {
		return func(_ context.Context, msgs ...sdk.Msg) (*sdk.TxResponse, error) {
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			msg, ok := msgs[0].(*poptypes.MsgSubmitPoPProof)
			if !ok {
				t.Fatalf("sent %T", msgs[0])
			}
			p := msg.Proof
			if msg.Submitter != submitter || p.BtcBlockHash != block.BlockHash().String() || p.TxIndex != 2 || len(p.MerkleSiblings) != 2 {
				t.Fatalf("message %+v is not the proof of tx 2 by %s", msg, submitter)
			}
			if !bytes.Equal(p.FundingTx, wantFunding) {
				t.Fatalf("message carries funding transaction %x, want %x", p.FundingTx, wantFunding)
			}
			if got, err := bitcoin.TxID(p.Tx); err != nil || got != txid {
				t.Fatalf("message carries tx %s (%v), want %s", got, err, txid)
			}
			if err := bitcoin.VerifyInclusion(p.Tx, block.Header.MerkleRoot, p.TxIndex, toHashes(p.MerkleSiblings)); err != nil {
				t.Fatalf("the proof does not verify: %v", err)
			}
			return &sdk.TxResponse{}, err
		}
	}
	ctx := context.Background()
	if got, err := submitPoPProof(ctx, answer(nil), submitter, block, txid, nil); err != nil || got != ProofRecorded {
		t.Fatalf("accepted proof without funding transaction: %v, %v; want recorded", got, err)
	}
	wantFunding = rawFunding.Bytes()
	if got, err := submitPoPProof(ctx, answer(nil), submitter, block, txid, funding); err != nil || got != ProofRecorded {
		t.Fatalf("accepted proof: %v, %v; want recorded", got, err)
	}
	dup := poptypes.ErrDuplicatePublication
	if got, err := submitPoPProof(ctx, answer(&TxError{Codespace: dup.Codespace(), Code: dup.ABCICode(), Log: "already there"}), submitter, block, txid, funding); err != nil || got != ProofAlreadyRecorded {
		t.Fatalf("duplicate: %v, %v; want already recorded, no error", got, err)
	}
	settled := poptypes.ErrRewardSettled
	if got, err := submitPoPProof(ctx, answer(&TxError{Codespace: settled.Codespace(), Code: settled.ABCICode(), Log: dup.Error()}), submitter, block, txid, funding); err != nil || got != ProofRewardSettled {
		t.Fatalf("payee bound after the reward was settled: %v, %v; want %v, no error", got, err, ProofRewardSettled)
	}
	mismatch := poptypes.ErrKeystoneMismatch
	refusal := &TxError{Codespace: mismatch.Codespace(), Code: mismatch.ABCICode(), Log: dup.Error()}
	if _, err := submitPoPProof(ctx, answer(refusal), submitter, block, txid, funding); !errors.Is(err, mismatch) {
		t.Fatalf("refusal: %v; want an error matching %v", err, mismatch)
	}
	if _, err := submitPoPProof(ctx, answer(nil), submitter, block, chainhash.Hash{9}, funding); err == nil {
		t.Fatal("a txid not in the block was submitted")
	}
}

func toHashes(b [][]byte) []chainhash.Hash {
	out := make([]chainhash.Hash, len(b))
	for i := range b {
		copy(out[i][:], b[i])
	}
	return out
}
