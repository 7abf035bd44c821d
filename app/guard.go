package app

import (
	"errors"
	"sync"
	"time"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// The node guard (x/pop's README, "Node guard"): with app.toml's [bitcoin] guard on, the node
// refuses to apply a block whose hash, at a keystone height, contradicts the keystone Bitcoin
// anchors superfinal there. The refusal is an error from FinalizeBlock, which halts the node
// before the block's state is committed. The guard never changes state: it only stops the node.

// BitcoinGuard holds the canonical keystone sequence Bitcoin anchors (watcher.Guard).
type BitcoinGuard interface {
	// Known adds keystones of this node's chain, which bridge keystones Bitcoin holds no
	// publication of.
	Known(keystones []bitcoin.AbbreviatedKeystone)
	// Check returns an error naming the conflict and the Bitcoin evidence when blockHash, the
	// hash of the block at height, is not the canonical keystone Bitcoin holds superfinal there;
	// nil otherwise, and at heights that are not keystone heights by the guard's own rules (never
	// the state's params, which a forged chain chooses). It may wait for the guard's first scan.
	Check(height uint64, blockHash []byte) error
	// Superfinal returns the highest keystone height at or below upTo with a superfinal
	// canonical keystone.
	Superfinal(upTo uint64) (uint64, bool, error)
	// LightClient reports x/btclc's tip height after a block and the block's time, for the
	// censorship alarm (a light client kept behind Bitcoin).
	LightClient(tipHeight uint64, blockTime time.Time)
	// Inbox reports, after a block, whether the chain has run an operation for each coin
	// (ran), x/inbox's min_confirmations, and the block's time, for the censorship alarm (inbox
	// operations kept out).
	Inbox(ran func(coin wire.OutPoint) (bool, error), minConfirmations uint32, blockTime time.Time)
}

// guardPrimeKeystones is how many of the newest keystones the state holds the guard learns when
// the process applies its first block, to bridge publication gaps below the blocks it applies.
const guardPrimeKeystones = 1000

type bitcoinGuard struct {
	mu     sync.Mutex
	guard  BitcoinGuard
	primed bool // the state this process started from was checked
}

// SetBitcoinGuard installs the node guard (hemid start does when [bitcoin] guard is set).
func (app *App) SetBitcoinGuard(g BitcoinGuard) {
	app.guard.mu.Lock()
	defer app.guard.mu.Unlock()
	app.guard.guard, app.guard.primed = g, false
}

// guardBlock runs in PreBlocker, before the block changes anything. On the first block this
// process applies (after a restart or a state-sync restore), it checks the state's own newest
// superfinal keystone; at a keystone height, it checks the block's hash.
func (app *App) guardBlock(ctx sdk.Context, req *abci.RequestFinalizeBlock) error {
	app.guard.mu.Lock()
	g, primed := app.guard.guard, app.guard.primed
	app.guard.mu.Unlock()
	if g == nil || req.Height <= 0 {
		return nil
	}
	if !primed {
		if err := app.guardState(ctx, g, uint64(req.Height)); err != nil {
			return err
		}
		app.guard.mu.Lock()
		app.guard.primed = true
		app.guard.mu.Unlock()
	}
	return g.Check(uint64(req.Height), req.Hash)
}

// guardState gives the guard the newest keystones of the state and checks the newest of them
// that Bitcoin holds superfinal: a chain the node synced, or a snapshot it restored, that
// contradicts Bitcoin stops the node before it applies a block on top.
func (app *App) guardState(ctx sdk.Context, g BitcoinGuard, height uint64) error {
	iter, err := app.PoPKeeper.Keystones.Iterate(ctx, new(collections.Range[uint64]).Descending())
	if err != nil {
		return err
	}
	var known []bitcoin.AbbreviatedKeystone
	for ; iter.Valid() && len(known) < guardPrimeKeystones; iter.Next() {
		ks, err := iter.Value()
		if err != nil {
			iter.Close()
			return err
		}
		if a, err := ks.Abbreviate(); err == nil {
			known = append(known, a)
		}
	}
	iter.Close()
	if len(known) == 0 {
		return nil // a chain's first blocks
	}
	g.Known(known)
	h, ok, err := g.Superfinal(height - 1)
	if err != nil || !ok {
		return err
	}
	ks, err := app.PoPKeeper.Keystones.Get(ctx, h)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // below what this state holds
	}
	if err != nil {
		return err
	}
	return g.Check(h, ks.BlockHash)
}

// guardLearn gives the guard x/btclc's tip and the keystone this block recorded, if any.
func (app *App) guardLearn(ctx sdk.Context) {
	app.guard.mu.Lock()
	g := app.guard.guard
	app.guard.mu.Unlock()
	if g == nil || ctx.BlockHeight() <= 0 {
		return
	}
	if tip, err := app.BTCLCKeeper.Tip(ctx); err == nil {
		g.LightClient(tip.Height, ctx.BlockTime())
	}
	if p, err := app.InboxKeeper.GetParams(ctx); err == nil {
		g.Inbox(func(coin wire.OutPoint) (bool, error) { return app.InboxKeeper.CoinActed(ctx, coin) }, p.MinConfirmations, ctx.BlockTime())
	}
	ks, err := app.PoPKeeper.Keystones.Get(ctx, uint64(ctx.BlockHeight()))
	if err != nil {
		return // not a keystone height
	}
	if a, err := ks.Abbreviate(); err == nil {
		g.Known([]bitcoin.AbbreviatedKeystone{a})
	}
}
