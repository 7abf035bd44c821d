package keeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// BeginBlocker records a keystone at every block whose height is a multiple
// of keystone_interval, then remembers this block's hash as the parent hash
// of the next block. Its work is a few reads and writes, whatever the state.
func (k Keeper) BeginBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.BlockHeight()
	if height <= 0 {
		return types.ErrBlockContext.Wrapf("block height %d", height)
	}
	info := sdkCtx.HeaderInfo()
	hash := info.Hash
	if len(hash) == 0 {
		hash = sdkCtx.HeaderHash()
	}

	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if uint64(height)%params.KeystoneInterval == 0 {
		if err := k.recordKeystone(sdkCtx, uint64(height), hash, info.AppHash); err != nil {
			return err
		}
	}

	// Test harnesses may run blocks without a block hash; such a block
	// cannot be a parent, but it need not stop the chain unless it is a
	// keystone (recordKeystone refuses it).
	if len(hash) != types.HashSize {
		return k.LastBlock.Remove(ctx)
	}
	return k.LastBlock.Set(ctx, collections.Join(uint64(height), bytes.Clone(hash)))
}

// recordKeystone stores the keystone of block height: its block hash, its
// parent's hash, the app hash in its header, the previous keystone's block
// hash and x/btclc's tip as the block begins.
func (k Keeper) recordKeystone(ctx sdk.Context, height uint64, blockHash, appHash []byte) error {
	if len(blockHash) != types.HashSize {
		return types.ErrBlockContext.Wrapf("keystone block %d: the execution context carries a %d-byte block hash, want %d: a keystone must commit to its block", height, len(blockHash), types.HashSize)
	}
	switch len(appHash) {
	case types.HashSize:
	case 0: // the first block of a chain may carry none
		appHash = make([]byte, types.HashSize)
	default:
		return types.ErrBlockContext.Wrapf("keystone block %d: app hash is %d bytes, want %d", height, len(appHash), types.HashSize)
	}
	if has, err := k.Keystones.Has(ctx, height); err != nil || has {
		if err == nil {
			err = fmt.Errorf("x/pop: a keystone is already recorded at height %d", height)
		}
		return err
	}

	parent := make([]byte, types.HashSize) // unknown for a chain's first block
	last, err := k.LastBlock.Get(ctx)
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return err
	case last.K1() == height-1:
		parent = last.K2()
	}

	prevKeystone := make([]byte, types.HashSize)
	prev, found, err := k.latestKeystone(ctx)
	if err != nil {
		return err
	}
	if found {
		prevKeystone = prev.BlockHash
	}

	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return fmt.Errorf("x/pop: keystone %d needs the bitcoin tip: %w", height, err)
	}

	tipHash := tip.Hash()
	keystone := types.Keystone{
		Height:           height,
		BlockHash:        bytes.Clone(blockHash),
		ParentHash:       bytes.Clone(parent),
		AppHash:          bytes.Clone(appHash),
		PrevKeystoneHash: bytes.Clone(prevKeystone),
		BtcHeight:        tip.Height,
		BtcHash:          tipHash[:],
	}
	if err := keystone.Validate(); err != nil {
		return types.ErrBlockContext.Wrap(err.Error())
	}
	if err := k.Keystones.Set(ctx, height, keystone); err != nil {
		return err
	}
	return emitKeystoneRecorded(ctx, keystone)
}

// latestKeystone returns the newest recorded keystone.
func (k Keeper) latestKeystone(ctx context.Context) (types.Keystone, bool, error) {
	iter, err := k.Keystones.Iterate(ctx, new(collections.Range[uint64]).Descending())
	if err != nil {
		return types.Keystone{}, false, err
	}
	defer iter.Close()
	if !iter.Valid() {
		return types.Keystone{}, false, nil
	}
	ks, err := iter.Value()
	return ks, err == nil, err
}
