package keeper

import (
	"bytes"
	"context"
	"errors"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// InitGenesis checks the genesis state, stores it, and derives the anchors
// from the publications and x/btclc's chain, whose genesis must come first:
// every publication's block must be a header of that chain at exactly the
// publication's btc_height (the height decides its anchoring, so it is not
// taken on trust). Which publications are canonical is not part of the
// genesis: it is whatever the light client's chain says.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	// A keystone at or above the chain's first height would collide with a
	// keystone the chain records itself.
	if first := max(sdk.UnwrapSDKContext(ctx).BlockHeight(), 1); len(gs.Keystones) > 0 {
		if last := gs.Keystones[len(gs.Keystones)-1].Height; last >= uint64(first) {
			return types.ErrInvalidGenesis.Wrapf("keystone %d is not below the chain's initial height %d", last, first)
		}
	}
	if gs.LastBlockHeight != 0 && gs.LastBlockHeight >= uint64(max(sdk.UnwrapSDKContext(ctx).BlockHeight(), 1)) {
		return types.ErrInvalidGenesis.Wrapf("last_block_height %d is not below the chain's initial height %d", gs.LastBlockHeight, sdk.UnwrapSDKContext(ctx).BlockHeight())
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, ks := range gs.Keystones {
		if err := k.Keystones.Set(ctx, ks.Height, ks); err != nil {
			return err
		}
	}
	for i, p := range gs.Publications {
		if _, err := k.addressCodec.StringToBytes(p.Submitter); err != nil {
			return types.ErrInvalidGenesis.Wrapf("publications[%d]: submitter %q: %v", i, p.Submitter, err)
		}
		var payee sdk.AccAddress
		if p.Payee != "" {
			b, err := k.addressCodec.StringToBytes(p.Payee)
			if err != nil {
				return types.ErrInvalidGenesis.Wrapf("publications[%d]: payee %q: %v", i, p.Payee, err)
			}
			payee = b
		}
		blockHash, _ := p.BlockHash() // checked by Validate
		header, err := k.btclc.HeaderByHash(ctx, blockHash)
		if errors.Is(err, btclctypes.ErrHeaderNotFound) {
			return types.ErrInvalidGenesis.Wrapf("publications[%d]: bitcoin block %s is not on x/btclc's chain: put its header in x/btclc's genesis, or drop the publication", i, blockHash)
		}
		if err != nil {
			return err
		}
		if header.Height != p.BtcHeight {
			return types.ErrInvalidGenesis.Wrapf("publications[%d]: btc_height %d, but block %s is at height %d of x/btclc's chain", i, p.BtcHeight, blockHash, header.Height)
		}
		txid, _ := p.TxHash() // checked by Validate
		if err := k.setPublication(ctx, txid, payee, p); err != nil {
			return err
		}
	}
	if err := k.Finality.Set(ctx, gs.Finality); err != nil {
		return err
	}
	if gs.RewardsPaused {
		if err := k.RewardsPaused.Set(ctx, true); err != nil {
			return err
		}
	}
	for _, r := range gs.OwedRewards {
		if err := k.OwedRewards.Set(ctx, r.After, r.Through); err != nil {
			return err
		}
	}
	if gs.LastBlockHeight != 0 {
		if err := k.LastBlock.Set(ctx, collections.Join(gs.LastBlockHeight, bytes.Clone(gs.LastBlockHash))); err != nil {
			return err
		}
	}
	return k.rebuildAnchors(ctx, gs)
}

// rebuildAnchors derives Anchors and EffectiveAnchors from the genesis
// publications (all on x/btclc's chain, InitGenesis checked) in memory: no
// store iteration.
func (k Keeper) rebuildAnchors(ctx context.Context, gs *types.GenesisState) error {
	first := make(map[uint64]uint64) // looked up only, never iterated
	for _, p := range gs.Publications {
		if f, ok := first[p.KeystoneHeight]; !ok || p.BtcHeight < f {
			first[p.KeystoneHeight] = p.BtcHeight
		}
	}
	// Keystones in decreasing height (Validate checked the order), so the
	// suffix minima come out of one pass.
	minFirst := uint64(1<<64 - 1)
	for i := len(gs.Keystones) - 1; i >= 0; i-- {
		height := gs.Keystones[i].Height
		f, ok := first[height]
		if !ok {
			continue
		}
		if err := k.Anchors.Set(ctx, height, f); err != nil {
			return err
		}
		if f < minFirst {
			if err := k.EffectiveAnchors.Set(ctx, height, f); err != nil {
				return err
			}
			minFirst = f
		}
	}
	return nil
}

// ExportGenesis exports the params, every keystone (increasing height), the
// publications (by txid) whose block is on x/btclc's chain, the finality
// state, the pause, the owed rewards and the last block.
//
// A publication whose block a Bitcoin reorg took off x/btclc's chain is
// left out: x/btclc exports only its chain, so the new chain could not check
// its height; it anchors nothing and earns nothing while its block is off
// the chain, and if the block comes back its proof records it again.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	err = k.Keystones.Walk(ctx, nil, func(_ uint64, ks types.Keystone) (bool, error) {
		gs.Keystones = append(gs.Keystones, ks)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.Publications.Walk(ctx, nil, func(txid chainhash.Hash, p types.Publication) (bool, error) {
		onMain, err := k.publicationOnMainChain(ctx, txid)
		if onMain {
			gs.Publications = append(gs.Publications, p)
		}
		return false, err
	})
	if err != nil {
		return nil, err
	}
	if gs.Finality, err = k.getFinality(ctx); err != nil {
		return nil, err
	}
	if gs.RewardsPaused, err = k.Paused(ctx); err != nil {
		return nil, err
	}
	err = k.OwedRewards.Walk(ctx, nil, func(after, through uint64) (bool, error) {
		gs.OwedRewards = append(gs.OwedRewards, types.OwedRange{After: after, Through: through})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	last, err := k.LastBlock.Get(ctx)
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		gs.LastBlockHeight, gs.LastBlockHash = last.K1(), last.K2()
	}
	return gs, nil
}
