package relayer

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// popNode is a Bitcoin node holding one mined block, which serves its transactions by txid
// unless it has no transaction index.
type popNode struct {
	fakeBitcoin
	block   *wire.MsgBlock
	txindex bool
}

func (n *popNode) GetBlock(_ context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	if hash != n.block.BlockHash() {
		return nil, errors.New("no such block")
	}
	return n.block, nil
}

func (n *popNode) GetRawTransaction(_ context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	if !n.txindex {
		return nil, errors.New("-5: No information available about transaction (the node has no transaction index)")
	}
	for _, tx := range n.block.Transactions {
		if tx.TxHash() == txid {
			return tx, nil
		}
	}
	return nil, errors.New("no such transaction")
}

// recordingProver records every proof the relayer sends.
type recordingProver struct {
	txids   []chainhash.Hash
	funding []*wire.MsgTx
}

func (p *recordingProver) Recorded(context.Context, chainhash.Hash) (bool, error) { return false, nil }

func (p *recordingProver) Prove(_ context.Context, _ *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) error {
	p.txids = append(p.txids, txid)
	p.funding = append(p.funding, funding)
	return nil
}

// The relayer proves the PoP publications of a block it relays with the funding transaction of
// their first input, fetched from the node, so that x/pop binds the payee; a node without a
// transaction index gets the proof sent without it, and says so in the log.
func TestRelayerProvesPublicationsWithFundingTx(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	k := bitcoin.AbbreviatedKeystone{Version: 1, KeystoneHeight: 10}
	mined := datagen.MineSpendBlock(t, &genesis, 1,
		datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(k))}},
		datagen.Spend{Kind: datagen.P2PKH}) // no payload: not proven
	spend := mined.Spends[0]

	for _, txindex := range []bool{true, false} {
		var logs bytes.Buffer
		node := &popNode{block: mined.Block, txindex: txindex}
		prover := &recordingProver{}
		r := New(Config{}, node, nil, slog.New(slog.NewTextHandler(&logs, nil)), nil).WithPoPProver(prover)
		r.scanBlocks(context.Background(), [][]byte{mined.RawHeader}, 1, 1)

		if len(prover.txids) != 1 || prover.txids[0] != spend.Spending.TxHash() {
			t.Fatalf("txindex %v: proved %v, want only the PoP transaction %s", txindex, prover.txids, spend.Spending.TxHash())
		}
		switch got := prover.funding[0]; {
		case txindex && (got == nil || got.TxHash() != spend.Funding.TxHash()):
			t.Fatalf("the proof carries funding transaction %v, want %s", got, spend.Funding.TxHash())
		case !txindex && got != nil:
			t.Fatalf("without a transaction index the proof carries funding transaction %s", got.TxHash())
		case !txindex && !strings.Contains(logs.String(), "could not fetch the funding transaction"):
			t.Fatalf("the missing funding transaction is not logged:\n%s", logs.String())
		}
	}
}
