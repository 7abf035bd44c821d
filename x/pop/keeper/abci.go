package keeper

import (
	"context"
)

// Finality is re-evaluated where what it depends on changes: in x/btclc's
// hooks (a Bitcoin reorg or a new tip, once per block from x/btclc's
// EndBlock), and in x/pop's EndBlock for what the block's messages changed
// (publications, params), which only record that an evaluation is due. Each
// evaluation that already covered those changes clears the record, so a
// block with a new tip and new publications is evaluated once.

// EndBlocker re-evaluates finality if the block's messages changed anything
// it depends on and no hook has evaluated it since, then pays the next owed
// keystone rewards. Its work is bounded (see updateFinality, payOwed and
// README.md, "Work per block").
func (k Keeper) EndBlocker(ctx context.Context) error {
	due, err := k.PendingUpdate.Has(ctx)
	if err != nil {
		return err
	}
	if due {
		if err := k.updateFinality(ctx, false, 0); err != nil {
			return err
		}
	}
	return k.payOwed(ctx)
}
