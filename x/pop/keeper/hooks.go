package keeper

import (
	"context"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// Hooks is x/pop's side of x/btclc's hooks. They only record that finality
// is due for re-evaluation; x/pop's EndBlock does the work, so x/btclc must
// end its block first.
type Hooks struct {
	k Keeper
}

var _ btclctypes.BTCLightClientHooks = Hooks{}

// Hooks returns the hooks to install in x/btclc's keeper (combine them with
// x/tunnel's through btclctypes.NewMultiHooks).
func (k Keeper) Hooks() Hooks { return Hooks{k: k} }

// AfterRollBack implements btclctypes.BTCLightClientHooks: publications above
// the fork point may have left the canonical chain, or come back to it.
func (h Hooks) AfterRollBack(ctx context.Context, forkPoint btclctypes.HeaderInfo) error {
	return h.k.recordRollBack(ctx, forkPoint.Height)
}

// AfterRollForward implements btclctypes.BTCLightClientHooks: the tip moved,
// so confirmations did.
func (h Hooks) AfterRollForward(ctx context.Context, _ btclctypes.HeaderInfo) error {
	return h.k.PendingUpdate.Set(ctx, true)
}
