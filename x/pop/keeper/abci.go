package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
)

// Finality is re-evaluated in EndBlock, at most once per block and only when
// something it depends on changed: a publication was recorded, x/btclc's
// chain moved (its hooks), or the params changed. The messages and hooks
// only record that it is due.

// EndBlocker re-evaluates finality if the block changed anything it depends
// on, and clears the record. Its work is bounded (see updateFinality and
// README.md, "Work per block").
func (k Keeper) EndBlocker(ctx context.Context) error {
	forkHeight, err := k.PendingRollBack.Get(ctx)
	rolledBack := err == nil
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	update, err := k.PendingUpdate.Has(ctx)
	if err != nil {
		return err
	}
	if !rolledBack && !update {
		return nil
	}
	if err := k.PendingRollBack.Remove(ctx); err != nil {
		return err
	}
	if err := k.PendingUpdate.Remove(ctx); err != nil {
		return err
	}
	return k.updateFinality(ctx, rolledBack, forkHeight)
}

// recordRollBack keeps the lowest fork point of the block's Bitcoin reorgs:
// every canonical block above it may have changed.
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
