// Package scan finds in Bitcoin blocks what the chain is told about, and builds its proofs: the
// PoP publications of a block, with the funding transaction that binds each one's payee (whose
// proofs btclctypes.NewInclusionProof builds). The
// relayer (which submits them as transactions) and the node's Bitcoin watcher (which injects them
// into blocks) both use it. It reads a Bitcoin node; the state machine never imports it.
package scan

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// TxSource serves confirmed transactions by txid (a node with a transaction index).
type TxSource interface {
	GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error)
}

// Publication is a PoP transaction found in a block.
type Publication struct {
	TxID chainhash.Hash
	// Funding is the transaction whose output the first input spends, or nil when the node could
	// not serve it (FundingErr says why): x/pop binds the payee only through it.
	Funding    *wire.MsgTx
	FundingErr error
}

// Publications returns the transactions of block that carry exactly one PoP payload, with their
// funding transactions as node serves them.
func Publications(ctx context.Context, node TxSource, block *wire.MsgBlock) []Publication {
	var out []Publication
	for _, tx := range block.Transactions {
		if _, err := bitcoin.FindPoPPayload(tx); err != nil {
			continue
		}
		p := Publication{TxID: tx.TxHash()}
		if len(tx.TxIn) > 0 { // the node's block is untrusted
			p.Funding, p.FundingErr = node.GetRawTransaction(ctx, tx.TxIn[0].PreviousOutPoint.Hash)
		}
		out = append(out, p)
	}
	return out
}
