package keeper

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// InitGenesis checks the genesis state, stores it, and derives the anchors
// from the publications and x/btclc's chain, whose genesis must come
// first. Which publications are canonical is not part of the genesis: it
// is whatever the light client's chain says.
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
	return k.rebuildAnchors(ctx, gs)
}

// rebuildAnchors derives Anchors and EffectiveAnchors from the genesis
// publications and x/btclc's chain, in memory: no store iteration.
func (k Keeper) rebuildAnchors(ctx context.Context, gs *types.GenesisState) error {
	first := make(map[uint64]uint64)
	for _, p := range gs.Publications {
		hash, _ := p.BlockHash() // checked by Validate
		onMain, err := k.btclc.IsOnMainChain(ctx, hash)
		if err != nil {
			return err
		}
		if f, ok := first[p.KeystoneHeight]; onMain && (!ok || p.BtcHeight < f) {
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

// ExportGenesis exports the params, every keystone (increasing height) and
// publication (by txid) and the finality state.
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
	err = k.Publications.Walk(ctx, nil, func(_ chainhash.Hash, p types.Publication) (bool, error) {
		gs.Publications = append(gs.Publications, p)
		return false, nil
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
	return gs, nil
}
