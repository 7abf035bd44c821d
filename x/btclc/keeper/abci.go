package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
)

// Hooks run in EndBlock, at most once per block each, however many messages
// changed the chain: the modules behind them re-evaluate everything that
// depends on Bitcoin (keystone finality, deposit confirmations), which is
// too costly to repeat per message. The messages only record what happened.

// recordRollBack keeps the lowest fork point of the block's reorgs: every
// canonical header above it may have changed, and no later reorg in the
// block can rewrite it or what is below it.
func (k Keeper) recordRollBack(ctx context.Context, forkHeight uint64) error {
	prev, err := k.PendingRollBack.Get(ctx)
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return err
	case prev <= forkHeight:
		return nil
	}
	return k.PendingRollBack.Set(ctx, forkHeight)
}

// EndBlocker calls AfterRollBack with the lowest fork point if the block
// had a reorg, then AfterRollForward with the final tip if the tip changed,
// and clears the record. A hook error is returned: it can only come from a
// bug or a corrupt store in x/pop or x/tunnel, and carrying on would let
// them miss a Bitcoin reorg (for x/tunnel, a deposit that no longer exists).
func (k Keeper) EndBlocker(ctx context.Context) error {
	forkHeight, err := k.PendingRollBack.Get(ctx)
	rolledBack := err == nil
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	rolledForward, err := k.PendingRollForward.Has(ctx)
	if err != nil {
		return err
	}
	if !rolledBack && !rolledForward {
		return nil
	}
	if err := k.PendingRollBack.Remove(ctx); err != nil {
		return err
	}
	if err := k.PendingRollForward.Remove(ctx); err != nil {
		return err
	}
	if k.hooks == nil {
		return nil
	}

	if rolledBack {
		forkPoint, err := k.HeaderByHeight(ctx, forkHeight)
		if err != nil {
			return fmt.Errorf("btclc: fork point %d: %w", forkHeight, err)
		}
		if err := k.hooks.AfterRollBack(ctx, forkPoint); err != nil {
			return err
		}
	}
	if rolledForward {
		tip, err := k.Tip(ctx)
		if err != nil {
			return err
		}
		if err := k.hooks.AfterRollForward(ctx, tip); err != nil {
			return err
		}
	}
	return nil
}
