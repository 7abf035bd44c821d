package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
)

// Broadcast sends tx to the node and returns its txid. A node that already
// has it (in its mempool or in a block) counts as success, so a restarted
// daemon can broadcast again safely.
func (w *Wallet) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	if !wellFormed(tx) {
		return chainhash.Hash{}, fmt.Errorf("%w: no transaction, or one with a nil input or output", ErrBadInput)
	}
	if w.node == nil {
		return chainhash.Hash{}, errors.New("wallet has no node to broadcast to")
	}
	txid, err := w.node.SendRawTransaction(ctx, tx)
	if err != nil && rpc.IsAlreadyKnown(err) {
		return tx.TxHash(), nil
	}
	return txid, err
}
