package tunnelwallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Sender sends a hemi transaction and waits until it is in a block (hemiclient.Client.SendTx).
type Sender func(context.Context, ...sdk.Msg) (*sdk.TxResponse, error)

// ProveOutcome is what a proof attempt did.
type ProveOutcome int

const (
	// NotYet: the transaction is not deep enough on the Bitcoin node, or x/btclc does not hold
	// its block yet; try again later.
	NotYet ProveOutcome = iota
	// Proven: the chain accepted the proof.
	Proven
	// AlreadyProven: someone proved it first.
	AlreadyProven
)

// minedBlock returns the block holding txid once the node counts minConf confirmations of it.
func minedBlock(ctx context.Context, node *rpc.Client, txid chainhash.Hash, minConf int64) (*wire.MsgBlock, int64, error) {
	st, err := NodeTxState(ctx, node, txid)
	if err != nil || !st.Found || st.Confirmations < max(minConf, 1) {
		return nil, 0, err
	}
	block, err := node.GetBlock(ctx, st.BlockHash)
	if err != nil {
		return nil, 0, fmt.Errorf("block %s of %s: %w", st.BlockHash, txid, err)
	}
	return block, st.Confirmations, nil
}

// ProveDeposit sends x/tunnel the SPV proof of deposit transaction txid once it is mined (one
// confirmation is enough; the chain mints it at min_confirmations by itself). Anyone may prove a
// deposit: this is what a relayer does, for a depositor that does not want to wait for one.
func ProveDeposit(ctx context.Context, node *rpc.Client, send Sender, submitter string, txid chainhash.Hash) (ProveOutcome, error) {
	block, _, err := minedBlock(ctx, node, txid, 1)
	if err != nil || block == nil {
		return NotYet, err
	}
	proof, err := btclctypes.NewInclusionProof(block, txid, nil)
	if err != nil {
		return NotYet, fmt.Errorf("proof of deposit %s: %w", txid, err)
	}
	outcome, err := submit(ctx, send, &tunneltypes.MsgProveDeposit{Submitter: submitter, Proof: proof}, tunneltypes.ErrDuplicateDeposit)
	if err != nil {
		return outcome, fmt.Errorf("the chain refused the proof of deposit %s: %w", txid, err)
	}
	return outcome, nil
}

// ProveWithdrawal sends x/tunnel the proof of the custodian's payment of withdrawal id once the
// node counts minConf confirmations of it.
func ProveWithdrawal(ctx context.Context, node *rpc.Client, send Sender, submitter string, id uint64, p Payment, minConf int64) (ProveOutcome, error) {
	txid := p.Tx.TxHash()
	block, _, err := minedBlock(ctx, node, txid, minConf)
	if err != nil || block == nil {
		return NotYet, err
	}
	proof, err := btclctypes.NewInclusionProof(block, txid, p.Funding)
	if err != nil {
		return NotYet, fmt.Errorf("proof of payment %s: %w", txid, err)
	}
	outcome, err := submit(ctx, send, &tunneltypes.MsgProveWithdrawal{Submitter: submitter, Id: id, Proof: proof}, tunneltypes.ErrWithdrawalCompleted)
	if err != nil {
		return outcome, fmt.Errorf("the chain refused the proof of payment %s of withdrawal %d: %w", txid, id, err)
	}
	return outcome, nil
}

// submit sends a proof. already is the chain's error for a proof someone sent first.
func submit(ctx context.Context, send Sender, msg sdk.Msg, already error) (ProveOutcome, error) {
	_, err := send(ctx, msg)
	switch {
	case err == nil:
		return Proven, nil
	case errors.Is(err, already):
		return AlreadyProven, nil
	case isNotYet(err):
		return NotYet, nil
	}
	return NotYet, err
}

// isNotYet reports the refusals that pass once x/btclc catches up with the Bitcoin node: its
// block is not on x/btclc's main chain yet, or not min_confirmations deep there.
func isNotYet(err error) bool {
	return errors.Is(err, btclctypes.ErrNotOnMainChain) || errors.Is(err, btclctypes.ErrHeaderNotFound) ||
		errors.Is(err, tunneltypes.ErrNotEnoughConfirmations)
}
