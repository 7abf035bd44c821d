package app_test

import (
	"slices"
	"testing"

	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestEndBlockOrderSeesReorgInSameBlock: x/btclc's EndBlock, which calls its hooks with the
// block's Bitcoin reorg, runs before x/pop's, which acts on what the hooks recorded. Run the other
// way round, x/pop would see each reorg (a proven publication leaving the main chain) one block
// late. The order is checked in the module manager, and by its effect: after the block whose
// MsgInsertHeaders reorgs the Bitcoin chain, nothing is left pending in either module.
func TestEndBlockOrderSeesReorgInSameBlock(t *testing.T) {
	c := apptest.New(t, apptest.Options{})

	order := c.App().ModuleManager.OrderEndBlockers
	btclc, pop := slices.Index(order, btclctypes.ModuleName), slices.Index(order, poptypes.ModuleName)
	if btclc < 0 || pop < 0 || btclc > pop {
		t.Fatalf("EndBlock order has x/btclc at %d and x/pop at %d: x/btclc must end its block first (%v)", btclc, pop, order)
	}

	relayer := c.Accounts[0]
	genesis := datagen.RegtestGenesis()
	res := c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(),
		datagen.SerializeHeaders(datagen.RegtestChain(t, genesis, 3, 1)))))
	apptest.RequireTxOK(t, res, 0)
	requireNothingPending(t, c, "after the tip moved")

	// A heavier fork from the genesis base: a reorg with fork point 0.
	res = c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(),
		datagen.SerializeHeaders(datagen.RegtestChain(t, genesis, 4, 2)))))
	apptest.RequireTxOK(t, res, 0)
	tip, err := c.App().BTCLCKeeper.Tip(c.Context())
	if err != nil {
		t.Fatal(err)
	}
	if tip.Height != 4 {
		t.Fatalf("the fork did not win: tip at height %d, want 4", tip.Height)
	}
	requireNothingPending(t, c, "after the reorg")
}

// requireNothingPending fails if, at the end of the last block, x/btclc still holds a reorg or tip
// change for its hooks, or x/pop a change from the block's messages that its EndBlock has not
// acted on.
func requireNothingPending(t *testing.T, c *apptest.Chain, when string) {
	t.Helper()
	ctx := c.Context()
	b, p := c.App().BTCLCKeeper, c.App().PoPKeeper
	checks := map[string]func() (bool, error){
		"x/btclc pending rollback":     func() (bool, error) { return b.PendingRollBack.Has(ctx) },
		"x/btclc pending roll-forward": func() (bool, error) { return b.PendingRollForward.Has(ctx) },
		"x/pop pending update":         func() (bool, error) { return p.PendingUpdate.Has(ctx) },
	}
	for name, has := range checks {
		pending, err := has()
		if err != nil {
			t.Fatal(err)
		}
		if pending {
			t.Errorf("%s: %s is still set at the end of the block, so it takes effect a block late", when, name)
		}
	}
}
