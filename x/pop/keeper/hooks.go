package keeper

import (
	"context"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// Hooks is x/pop's side of x/btclc's hooks. x/btclc calls them at most once
// per block each, from its EndBlock, after every message of the block: x/pop
// re-evaluates finality right there, so a Bitcoin reorg is reflected in the
// block that carried it whatever the EndBlock order.
type Hooks struct {
	k Keeper
}

var _ btclctypes.BTCLightClientHooks = Hooks{}

// Hooks returns the hooks to install in x/btclc's keeper (combine them with
// x/tunnel's through btclctypes.NewMultiHooks).
func (k Keeper) Hooks() Hooks { return Hooks{k: k} }

// AfterRollBack implements btclctypes.BTCLightClientHooks: publications above
// the fork point may have left the canonical chain, or come back to it, and
// superfinal keystones may have lost their anchoring (a finality violation).
func (h Hooks) AfterRollBack(ctx context.Context, forkPoint btclctypes.HeaderInfo) error {
	return h.k.updateFinality(ctx, true, forkPoint.Height)
}

// AfterRollForward implements btclctypes.BTCLightClientHooks: the tip moved,
// so confirmations did. (After AfterRollBack in the same block this finds
// nothing new: its work is reading the suffix minima above the latest
// superfinal keystone, fewer than superfinality_depth entries.)
func (h Hooks) AfterRollForward(ctx context.Context, _ btclctypes.HeaderInfo) error {
	return h.k.updateFinality(ctx, false, 0)
}
