package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// getFinality returns the finality state; a chain without one has no
// superfinal keystone yet.
func (k Keeper) getFinality(ctx context.Context) (types.FinalityState, error) {
	fs, err := k.Finality.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.FinalityState{}, nil
	}
	return fs, err
}

// updateFinality re-evaluates superfinality against x/btclc's chain now.
// rolledBack tells whether a Bitcoin reorg with fork point forkHeight
// happened in this block.
//
// Superfinal keystones form a prefix: if K' is superfinal, every K < K' is
// (effective(K) <= effective(K')). So the state is one height, the highest
// superfinal keystone L: the highest keystone with effective(K) <= tip -
// depth + 1. When L rises, the keystones above the old L become superfinal,
// and those that never were before are owed their reward (paid from
// EndBlock, see rewards.go). When L falls after a
// Bitcoin reorg, the keystones above the new L lost their superfinality: a
// finality violation, which pauses rewards. (L can also fall without a reorg
// when governance raises superfinality_depth: that is its decision, not a
// violation.)
func (k Keeper) updateFinality(ctx context.Context, rolledBack bool, forkHeight uint64) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	// This evaluation covers everything the block's messages changed so far.
	if err := k.PendingUpdate.Remove(ctx); err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return err
	}
	if rolledBack {
		if err := k.reanchor(ctx, forkHeight); err != nil {
			return err
		}
	}

	var latest, effective uint64
	if depth := uint64(params.SuperfinalityDepth); tip.Height+1 >= depth {
		latest, effective, _, err = k.latestAnchoredBelow(ctx, tip.Height+1-depth)
		if err != nil {
			return err
		}
	}

	fs, err := k.getFinality(ctx)
	if err != nil {
		return err
	}
	switch {
	case latest == fs.LatestSuperfinal:
		return nil

	case latest < fs.LatestSuperfinal:
		if rolledBack {
			if err := emitFinalityViolation(sdkCtx, fs.LatestSuperfinal, latest, forkHeight, tip.Height); err != nil {
				return err
			}
			if err := k.RewardsPaused.Set(ctx, true); err != nil {
				return err
			}
		}

	default: // latest > fs.LatestSuperfinal
		if from := max(fs.LatestSuperfinal, fs.HighestEverSuperfinal); latest > from {
			paused, err := k.Paused(ctx)
			if err != nil {
				return err
			}
			if !paused {
				if err := k.oweRewards(ctx, from, latest); err != nil {
					return err
				}
			}
			fs.HighestEverSuperfinal = latest
		}
		if err := emitKeystoneSuperfinal(sdkCtx, latest, fs.LatestSuperfinal, effective, tip.Height); err != nil {
			return err
		}
	}
	fs.LatestSuperfinal = latest
	return k.Finality.Set(ctx, fs)
}
