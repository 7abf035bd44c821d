package types

import (
	"context"
	"fmt"
)

// BTCLightClientHooks lets other modules (x/pop, x/tunnel) follow the
// canonical Bitcoin chain. x/btclc calls them from EndBlock, at most once per
// block each, so the expensive re-evaluation they trigger runs once however
// many messages changed the chain.
type BTCLightClientHooks interface {
	// AfterRollBack is called when reorgs in the block replaced canonical
	// headers; forkPoint is the lowest fork point of the block's reorgs:
	// every header above it may have changed.
	AfterRollBack(ctx context.Context, forkPoint HeaderInfo) error
	// AfterRollForward is called when the tip changed during the block;
	// newTip is the tip at the end of the block.
	AfterRollForward(ctx context.Context, newTip HeaderInfo) error
}

// MultiHooks calls several hooks in order and stops at the first error.
type MultiHooks []BTCLightClientHooks

var _ BTCLightClientHooks = MultiHooks{}

// NewMultiHooks combines hooks; they run in the order given.
func NewMultiHooks(hooks ...BTCLightClientHooks) MultiHooks { return hooks }

// AfterRollBack implements BTCLightClientHooks.
func (m MultiHooks) AfterRollBack(ctx context.Context, forkPoint HeaderInfo) error {
	for i, h := range m {
		if err := h.AfterRollBack(ctx, forkPoint); err != nil {
			return fmt.Errorf("btclc hook %d (%T) AfterRollBack: %w", i, h, err)
		}
	}
	return nil
}

// AfterRollForward implements BTCLightClientHooks.
func (m MultiHooks) AfterRollForward(ctx context.Context, newTip HeaderInfo) error {
	for i, h := range m {
		if err := h.AfterRollForward(ctx, newTip); err != nil {
			return fmt.Errorf("btclc hook %d (%T) AfterRollForward: %w", i, h, err)
		}
	}
	return nil
}
