package keeper

import (
	"context"
	"errors"
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// VerifyProof checks an InclusionProof against the canonical chain and
// returns what it proves. It is the one SPV entry point of the chain: x/pop,
// x/tunnel and the hVM all call it, so the size limits, the decoding (bounded
// by the bytes given), the merkle rules (bitcoin.VerifyInclusion: no 64-byte
// transactions, an index that fits the path, no duplicated node) and the
// errors are the same everywhere.
//
// The checks run from the cheapest to the one that reads state: the shape
// of the proof, the decoding of the transaction, one lookup of the block,
// the merkle path, and then the funding transaction, if any, against input
// 0's outpoint. Every failure is a registered x/btclc error: ErrInvalidTx,
// ErrInvalidBlockHash, ErrInvalidSPVProof, ErrNotOnMainChain or
// ErrInvalidFundingTx. A funding transaction that matches but whose spend
// binds no key is not an error: ProvenTx.Signer is then nil and NoSigner says
// why, because such a transaction (a P2TR spend, say) is still proven.
//
// VerifyProof only reads state.
func (k Keeper) VerifyProof(ctx context.Context, proof *types.InclusionProof) (types.ProvenTx, error) {
	if proof == nil {
		return types.ProvenTx{}, types.ErrInvalidSPVProof.Wrap("no proof")
	}
	switch n := len(proof.Tx); {
	case n == 0:
		return types.ProvenTx{}, types.ErrInvalidTx.Wrap("empty transaction: send the raw bitcoin transaction, with its witness")
	case n > types.MaxProofTxSize:
		return types.ProvenTx{}, types.ErrInvalidTx.Wrapf("%d bytes, at most %d", n, types.MaxProofTxSize)
	}
	if n := len(proof.FundingTx); n > types.MaxFundingTxSize {
		return types.ProvenTx{}, types.ErrInvalidFundingTx.Wrapf("%d bytes, at most %d: send it without its witness", n, types.MaxFundingTxSize)
	}
	blockHash, err := bitcoin.ParseDisplayHash(proof.BtcBlockHash)
	if err != nil {
		return types.ProvenTx{}, types.ErrInvalidBlockHash.Wrap(err.Error())
	}
	siblings, err := parseSiblings(proof.MerkleSiblings)
	if err != nil {
		return types.ProvenTx{}, err
	}
	// Only the signer reads the witness, input 0's, and only with a funding transaction: the rest
	// is checked but not kept, since a witness of empty items would take 24 bytes of memory per
	// byte of proof.
	decode := bitcoin.DecodeTxSignerWitness
	if len(proof.FundingTx) == 0 {
		decode = bitcoin.DecodeTxSkipWitness
	}
	tx, err := decode(proof.Tx)
	if err != nil {
		return types.ProvenTx{}, types.WrapBitcoinError(err)
	}

	height, found, err := k.heightOf(ctx, blockHash)
	if err != nil {
		return types.ProvenTx{}, err
	}
	if !found {
		return types.ProvenTx{}, types.ErrNotOnMainChain.Wrapf("block %s is not on the canonical chain: relay its header first, or it was reorged away", blockHash)
	}
	block, err := k.HeaderByHeight(ctx, height)
	if err != nil {
		return types.ProvenTx{}, err
	}
	header, err := block.BlockHeader()
	if err != nil {
		return types.ProvenTx{}, err
	}
	txid, err := bitcoin.VerifyTxInclusion(tx, header.MerkleRoot, proof.TxIndex, siblings)
	if err != nil {
		return types.ProvenTx{}, errorsmod.Wrapf(types.WrapBitcoinError(err), "transaction at index %d of block %s", proof.TxIndex, blockHash)
	}
	tip, err := k.Tip(ctx)
	if err != nil {
		return types.ProvenTx{}, err
	}

	proven := types.ProvenTx{
		Tx:            tx,
		TxID:          txid,
		Index:         proof.TxIndex,
		Block:         block,
		BlockHash:     blockHash,
		Confirmations: tip.Height - height + 1,
	}
	if len(proof.FundingTx) == 0 {
		proven.NoSigner = fmt.Errorf("%w: the proof carries no funding transaction", bitcoin.ErrNoSignerAccount)
		return proven, nil
	}
	funding, err := bitcoin.DecodeTx(proof.FundingTx)
	if err != nil {
		return types.ProvenTx{}, types.ErrInvalidFundingTx.Wrap(err.Error())
	}
	// Only its txid and outputs are read, and a witness is the one part of a
	// transaction that decodes into more memory than it takes (a slice header
	// per one-byte item), so it is refused rather than decoded for nothing.
	if funding.HasWitness() {
		return types.ProvenTx{}, types.ErrInvalidFundingTx.Wrap("it carries witness data: send it without its witness (its txid is the same)")
	}
	if len(tx.TxIn) > 0 {
		if out, err := bitcoin.SpentOutput(tx.TxIn[0].PreviousOutPoint, funding); err == nil {
			proven.SpentOutput = out
		}
	}
	account, err := bitcoin.InputSignerAccount(tx, funding)
	switch {
	case errors.Is(err, bitcoin.ErrFundingTxMismatch):
		return types.ProvenTx{}, types.ErrInvalidFundingTx.Wrap(err.Error())
	case err != nil:
		proven.NoSigner = err
	default:
		proven.Signer = account[:]
	}
	return proven, nil
}

// parseSiblings checks the merkle path's shape: at most MaxMerkleSiblings
// hashes of 32 bytes.
func parseSiblings(raw [][]byte) ([]chainhash.Hash, error) {
	if len(raw) > types.MaxMerkleSiblings {
		return nil, types.ErrInvalidSPVProof.Wrapf("%d merkle siblings, no block needs more than %d", len(raw), types.MaxMerkleSiblings)
	}
	siblings := make([]chainhash.Hash, len(raw))
	for i, s := range raw {
		if len(s) != chainhash.HashSize {
			return nil, types.ErrInvalidSPVProof.Wrapf("merkle sibling %d is %d bytes, want %d", i, len(s), chainhash.HashSize)
		}
		copy(siblings[i][:], s)
	}
	return siblings, nil
}
