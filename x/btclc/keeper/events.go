package keeper

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// One event per message and kind, never one per header: a relayer inserting
// a period of 2016 headers emits one EventRollForward.

// emitRollBack reports that the canonical headers above height to (the fork
// point) up to the old tip from were replaced.
func emitRollBack(ctx sdk.Context, from, to uint64, forkPoint chainhash.Hash) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventRollBack{
		From:          from,
		To:            to,
		ForkPointHash: forkPoint.String(),
	})
}

// emitRollForward reports that count headers from height from to the new tip
// to were added.
func emitRollForward(ctx sdk.Context, from, to uint64, count uint32, tip chainhash.Hash) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventRollForward{
		From:    from,
		To:      to,
		Count:   count,
		TipHash: tip.String(),
	})
}
