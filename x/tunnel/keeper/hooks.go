package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// Hooks is x/tunnel's side of x/btclc's hooks, which x/btclc's EndBlock
// calls at most once each per block.
type Hooks struct {
	k Keeper
}

var _ btclctypes.BTCLightClientHooks = Hooks{}

// Hooks returns the hooks to install in x/btclc's keeper (combined with
// x/pop's through btclctypes.NewMultiHooks).
func (k Keeper) Hooks() Hooks { return Hooks{k: k} }

// AfterRollBack implements btclctypes.BTCLightClientHooks: deposits in
// blocks above the fork point may have left the canonical chain. It only
// moves the reorg sweep's cursor down to the first deposit above the fork
// point (one write); EndBlock does the checking, bounded per block.
func (h Hooks) AfterRollBack(ctx context.Context, forkPoint btclctypes.HeaderInfo) error {
	start := collections.Join3(forkPoint.Height+1, chainhash.Hash{}, uint32(0))
	cursor, err := h.k.ReorgCursor.Get(ctx)
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return err
	case cursor.K1() <= start.K1():
		return nil // a sweep below the fork point is already under way
	}
	return h.k.ReorgCursor.Set(ctx, start)
}

// AfterRollForward implements btclctypes.BTCLightClientHooks: nothing to do,
// EndBlock reads the tip when it mints.
func (Hooks) AfterRollForward(context.Context, btclctypes.HeaderInfo) error { return nil }
