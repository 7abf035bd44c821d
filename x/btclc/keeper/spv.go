package keeper

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// VerifyInclusion checks an SPV proof against the canonical chain: the block
// must be canonical, and the transaction rawTx must be at position index of
// its merkle tree given the sibling hashes from the leaf level up (internal
// byte order). The proof itself is bitcoin.VerifyInclusion, the one
// implementation x/pop, x/tunnel and the hVM share.
func (k Keeper) VerifyInclusion(ctx context.Context, rawTx []byte, blockHash chainhash.Hash, index uint32, siblings []chainhash.Hash) error {
	height, found, err := k.heightOf(ctx, blockHash)
	if err != nil {
		return err
	}
	if !found {
		return types.ErrNotOnMainChain.Wrapf("block %s is not on the canonical chain: a proof against it proves nothing", blockHash)
	}
	info, err := k.HeaderByHeight(ctx, height)
	if err != nil {
		return err
	}
	header, err := info.BlockHeader()
	if err != nil {
		return err
	}
	if err := bitcoin.VerifyInclusion(rawTx, header.MerkleRoot, index, siblings); err != nil {
		return types.WrapBitcoinError(err)
	}
	return nil
}
