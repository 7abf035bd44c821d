package scan_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/scan"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// TestDeposits: in a mined regtest block, every transaction with outputs paying the vault script
// is found once, with all its vault outputs and a proof that verifies against the block's merkle
// root; a transaction paying another script, and the coinbase, are not; a transaction without a
// recipient is found with the reason; an empty vault script finds nothing.
func TestDeposits(t *testing.T) {
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(900).PubKey())
	other := datagen.P2WPKHScript(t, datagen.KeyFromSeed(901).PubKey())
	recipient := datagen.OpReturn(t, make([]byte, bitcoin.RecipientSize))
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1,
		datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(20_000, vault), wire.NewTxOut(30_000, vault)}},
		datagen.Spend{Kind: datagen.P2PKH, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(20_000, other)}},
		datagen.Spend{Kind: datagen.P2SHP2WPKH, Outputs: []*wire.TxOut{wire.NewTxOut(40_000, vault)}},
	)
	got, err := scan.Deposits(mined.Block, vault)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("found %d deposit transactions, want 2", len(got))
	}
	two, noRecipient := got[0], got[1]
	if two.TxID != mined.Spends[0].Spending.TxHash() || len(two.Vouts) != 2 || two.Vouts[0] != 1 || two.Vouts[1] != 2 || two.RecipientErr != nil {
		t.Fatalf("first deposit %s vouts %v (recipient error %v), want %s vouts [1 2]", two.TxID, two.Vouts, two.RecipientErr, mined.Spends[0].Spending.TxHash())
	}
	if noRecipient.TxID != mined.Spends[2].Spending.TxHash() || noRecipient.RecipientErr == nil {
		t.Fatalf("second deposit %s (recipient error %v), want %s without a recipient", noRecipient.TxID, noRecipient.RecipientErr, mined.Spends[2].Spending.TxHash())
	}
	for _, d := range got {
		tx := mined.Block.Transactions[d.Proof.TxIndex]
		want := mined.TxProof(t, tx)
		// The proof carries the transaction without its witness, which x/tunnel does not read.
		var stripped bytes.Buffer
		if err := tx.SerializeNoWitness(&stripped); err != nil {
			t.Fatal(err)
		}
		if !tx.HasWitness() || len(stripped.Bytes()) >= len(want.RawTx) {
			t.Fatalf("deposit %s: want a segwit transaction whose witness the proof leaves out", d.TxID)
		}
		if d.Proof.BtcBlockHash != mined.Block.BlockHash().String() || string(d.Proof.Tx) != stripped.String() || len(d.Proof.MerkleSiblings) != len(want.Siblings) {
			t.Fatalf("proof of %s does not match the block's", d.TxID)
		}
		siblings := want.Siblings
		if err := bitcoin.VerifyInclusion(d.Proof.Tx, mined.Block.Header.MerkleRoot, d.Proof.TxIndex, siblings); err != nil {
			t.Fatalf("proof of %s: %v", d.TxID, err)
		}
		for i := range siblings {
			if string(d.Proof.MerkleSiblings[i]) != string(siblings[i][:]) {
				t.Fatalf("proof of %s: sibling %d differs", d.TxID, i)
			}
		}
	}
	if got, err := scan.Deposits(mined.Block, nil); err != nil || len(got) != 0 {
		t.Fatalf("without a vault found %d (%v)", len(got), err)
	}
}

// TestDepositsRefusesMissingTransactions: a block from a node is untrusted; one with a missing
// transaction (the coinbase too, which is hashed for the proofs) or a missing output is an
// error, never a panic.
func TestDepositsRefusesMissingTransactions(t *testing.T) {
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(900).PubKey())
	recipient := datagen.OpReturn(t, make([]byte, bitcoin.RecipientSize))
	genesis := datagen.RegtestGenesis()
	spend := datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{recipient, wire.NewTxOut(20_000, vault)}}
	for name, break_ := range map[string]func(*wire.MsgBlock){
		"nil coinbase":           func(b *wire.MsgBlock) { b.Transactions[0] = nil },
		"nil deposit":            func(b *wire.MsgBlock) { b.Transactions[1] = nil },
		"nil output":             func(b *wire.MsgBlock) { b.Transactions[1].TxOut[0] = nil },
		"nil output of coinbase": func(b *wire.MsgBlock) { b.Transactions[0].TxOut = append(b.Transactions[0].TxOut, nil) },
	} {
		block := datagen.MineSpendBlock(t, &genesis, 1, spend).Block
		break_(block)
		if got, err := scan.Deposits(block, vault); err == nil {
			t.Errorf("%s: found %d deposits and no error", name, len(got))
		}
	}
	if got, err := scan.Deposits(nil, vault); err != nil || got != nil {
		t.Errorf("nil block: %v, %v", got, err)
	}
}

// countingSource serves no transaction and counts the requests.
type countingSource struct{ asked int }

func (c *countingSource) GetRawTransaction(context.Context, chainhash.Hash) (*wire.MsgTx, error) {
	c.asked++
	return nil, errors.New("not served")
}

// TestInboxOpsSkipsTheCoinbase: a miner's coinbase carrying a HEMF output is no inbox operation
// (the chain refuses tx index 0) and no funding transaction is asked for it; a transaction of the
// block carrying one is found.
func TestInboxOpsSkipsTheCoinbase(t *testing.T) {
	payload := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, To: [20]byte{1}}
	payload.Amount[15] = 1
	raw, err := payload.Encode()
	if err != nil {
		t.Fatal(err)
	}
	genesis := datagen.RegtestGenesis()
	block := datagen.MineSpendBlock(t, &genesis, 1, datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.InboxScript(raw))}}).Block
	block.Transactions[0].TxOut = append(block.Transactions[0].TxOut, wire.NewTxOut(0, bitcoin.InboxScript(raw)))
	src := &countingSource{}
	found := scan.InboxOps(context.Background(), src, block)
	if len(found) != 1 || found[0].TxID != block.Transactions[len(block.Transactions)-1].TxHash() || src.asked != 1 {
		t.Fatalf("found %d operations (asked %d funding txs), want only the spend's, with one request", len(found), src.asked)
	}
}
