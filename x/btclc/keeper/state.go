package keeper

import (
	"math/big"

	"context"
	"errors"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Reads of the canonical chain: the keeper API other modules (x/pop,
// x/tunnel, x/hvm) use, and the ChainView the validation core reads.

// Tip returns the canonical chain's last header: two lookups.
func (k Keeper) Tip(ctx context.Context) (types.HeaderInfo, error) {
	height, err := k.TipHeight.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.HeaderInfo{}, types.ErrHeaderNotFound.Wrap("the light client holds no headers: x/btclc genesis was not initialised")
	}
	if err != nil {
		return types.HeaderInfo{}, err
	}
	return k.Headers.Get(ctx, height)
}

// HeaderByHeight returns the canonical header at height.
func (k Keeper) HeaderByHeight(ctx context.Context, height uint64) (types.HeaderInfo, error) {
	info, err := k.Headers.Get(ctx, height)
	if errors.Is(err, collections.ErrNotFound) {
		return types.HeaderInfo{}, types.ErrHeaderNotFound.Wrapf("no canonical header at height %d", height)
	}
	return info, err
}

// HeaderByHash returns the canonical header with this hash (internal byte
// order). A header that is not, or no longer, canonical is not found.
func (k Keeper) HeaderByHash(ctx context.Context, hash chainhash.Hash) (types.HeaderInfo, error) {
	height, found, err := k.heightOf(ctx, hash)
	if err != nil {
		return types.HeaderInfo{}, err
	}
	if !found {
		return types.HeaderInfo{}, types.ErrHeaderNotFound.Wrapf("block %s is not on the canonical chain", hash)
	}
	return k.HeaderByHeight(ctx, height)
}

// KnownHeader returns the header with this hash (internal byte order) if the
// light client holds it: on the canonical chain (canonical is true) or live
// in the side-chain store (a side-chain header below the prune floor is dead
// and not found, as for every other lookup). ErrHeaderNotFound otherwise.
//
// The prune floor is read only for a hash that is not canonical.
func (k Keeper) KnownHeader(ctx context.Context, hash chainhash.Hash) (info types.HeaderInfo, canonical bool, err error) {
	height, canonical, err := k.heightOf(ctx, hash)
	if err != nil {
		return types.HeaderInfo{}, false, err
	}
	if canonical {
		info, err = k.HeaderByHeight(ctx, height)
		return info, true, err
	}
	floor, err := k.currentFloor(ctx)
	if err != nil {
		return types.HeaderInfo{}, false, err
	}
	info, found, err := k.liveSide(ctx, hash, floor)
	if err != nil {
		return types.HeaderInfo{}, false, err
	}
	if !found {
		return types.HeaderInfo{}, false, types.ErrHeaderNotFound.Wrapf("block %s is neither on the canonical chain nor in the side-chain store", hash)
	}
	return info, false, nil
}

// ReorgPending tells whether a reorg in the current block has changed the
// canonical chain below its old tip: until EndBlock runs the hooks, what
// other modules derived from the removed headers (x/pop's keystone anchors
// and finality) is stale.
func (k Keeper) ReorgPending(ctx context.Context) (bool, error) {
	return k.PendingRollBack.Has(ctx)
}

// IsOnMainChain tells whether the block is on the canonical chain.
func (k Keeper) IsOnMainChain(ctx context.Context, hash chainhash.Hash) (bool, error) {
	return k.HashToHeight.Has(ctx, hash)
}

// Confirmations is the block's depth, tip height - height + 1 (the tip has
// 1), or 0 when the block is not on the canonical chain.
func (k Keeper) Confirmations(ctx context.Context, hash chainhash.Hash) (uint64, error) {
	height, found, err := k.heightOf(ctx, hash)
	if err != nil || !found {
		return 0, err
	}
	tip, err := k.Tip(ctx)
	if err != nil {
		return 0, err
	}
	return tip.Height - height + 1, nil
}

// Network returns the parameters of the Bitcoin network set at genesis.
func (k Keeper) Network(ctx context.Context) (*bitcoin.Params, error) {
	name, err := k.NetworkName.Get(ctx)
	if err != nil {
		return nil, err
	}
	p, err := bitcoin.NetworkByName(name)
	if err != nil {
		return nil, types.WrapBitcoinError(err)
	}
	return p, nil
}

// GetParams returns the module's params.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) {
	return k.Params.Get(ctx)
}

// heightOf looks a block up in the hash index.
func (k Keeper) heightOf(ctx context.Context, hash chainhash.Hash) (uint64, bool, error) {
	height, err := k.HashToHeight.Get(ctx, hash)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return height, true, nil
}

// storeView is a bitcoin.ChainView of the branch a message builds on, for
// validating that message. For a batch on a canonical header that is the
// canonical chain. For a batch on a side-chain header it is that header's own
// ancestry: heights above the fork point come from the side-chain store,
// found by following PrevBlock down from the header the batch builds on, so
// that the median time, the retarget and the minimum-difficulty rule read the
// branch the new headers extend, never the canonical headers at the same
// heights. Below the base it holds the base's ancestors, which only the
// median time past reads: difficulty never looks below the start of the
// period of the parent, and the base starts a period.
//
// It decodes each header once. A ChainView cannot return errors, so a store
// failure, or a side-chain ancestor that is no longer stored, reads as a
// missing header and is kept in err for the caller to report instead of the
// validation error it causes.
type storeView struct {
	ctx   context.Context
	k     Keeper
	cache map[uint64]viewEntry
	// low is the lowest side-chain header of the branch read so far, nil
	// once the walk down reached the canonical chain (then forkHeight is
	// where) or for a batch on a canonical header.
	low        *types.HeaderInfo
	lowHeader  *wire.BlockHeader
	forkHeight uint64
	// branch is the side-chain ancestry read so far, from the header the
	// batch builds on downwards.
	branch []types.HeaderInfo
	// floor: side-chain headers with less cumulative work are dead.
	floor *big.Int
	// reads counts store lookups, which the message pays for.
	reads uint64
	err   error
}

type viewEntry struct {
	header *wire.BlockHeader // nil: no header at this height
	raw    []byte
}

var _ bitcoin.ChainView = (*storeView)(nil)

// newStoreView is the view of the branch ending at parent, which is a
// side-chain header when onSide is set and a canonical one otherwise. floor
// is the tip's pruneFloor: side-chain headers below it are dead (liveSide).
func (k Keeper) newStoreView(ctx context.Context, parent types.HeaderInfo, onSide bool, floor *big.Int) (*storeView, error) {
	v := &storeView{ctx: ctx, k: k, cache: make(map[uint64]viewEntry), forkHeight: parent.Height, floor: floor}
	if onSide {
		h, err := parent.BlockHeader()
		if err != nil {
			return nil, err
		}
		v.cache[parent.Height] = viewEntry{header: h, raw: parent.Header}
		v.low, v.lowHeader = &parent, h
		v.branch = append(v.branch, parent)
	}
	return v, nil
}

// entry reads a height once, found or not: the median time of the first
// headers above the base asks for the missing heights below it again and
// again.
func (v *storeView) entry(height uint64) (viewEntry, bool) {
	if e, ok := v.cache[height]; ok {
		return e, e.header != nil
	}
	if v.low != nil && height < v.low.Height {
		v.walkDown(height)
		if e, ok := v.cache[height]; ok {
			return e, e.header != nil
		}
	}
	if v.low != nil || v.err != nil || height > v.forkHeight {
		// Above the fork point only the branch answers; after a failed
		// walk nothing below it does.
		return viewEntry{}, false
	}
	e, err := v.load(height)
	if err != nil {
		if !errors.Is(err, collections.ErrNotFound) && v.err == nil {
			v.err = err
		}
		e = viewEntry{}
	}
	v.cache[height] = e
	return e, e.header != nil
}

// walkDown follows the side branch down until it holds height or reaches the
// canonical chain.
func (v *storeView) walkDown(height uint64) {
	for v.low != nil && v.low.Height > height {
		prev := v.lowHeader.PrevBlock
		v.reads++
		canonHeight, canonical, err := v.k.heightOf(v.ctx, prev)
		if err != nil {
			v.fail(err)
			return
		}
		if canonical {
			if canonHeight+1 != v.low.Height {
				v.fail(types.ErrInvalidHeader.Wrapf("side-chain header at height %d builds on canonical block %s at height %d: the store is corrupt", v.low.Height, prev, canonHeight))
				return
			}
			v.low, v.lowHeader, v.forkHeight = nil, nil, canonHeight
			return
		}
		v.reads++
		info, err := v.k.SideHeaders.Get(v.ctx, prev)
		if err == nil && belowFloor(info, v.floor) {
			err = collections.ErrNotFound // dead, awaiting removal
		}
		if errors.Is(err, collections.ErrNotFound) {
			v.fail(types.ErrUnknownParent.Wrapf("side-chain header %s at height %d builds on %s, which is no longer stored (it fell more than max_fork_depth below the tip or was evicted): resend the fork from its canonical ancestor",
				v.low.Hash(), v.low.Height, prev))
			return
		}
		if err == nil && info.Height+1 != v.low.Height {
			err = types.ErrInvalidHeader.Wrapf("side-chain header %s has height %d, its child %d: the store is corrupt", prev, info.Height, v.low.Height)
		}
		var h *wire.BlockHeader
		if err == nil {
			h, err = info.BlockHeader()
		}
		if err != nil {
			v.fail(err)
			return
		}
		v.cache[info.Height] = viewEntry{header: h, raw: info.Header}
		v.low, v.lowHeader = &info, h
		v.branch = append(v.branch, info)
	}
}

func (v *storeView) fail(err error) {
	if v.err == nil {
		v.err = err
	}
	v.low, v.lowHeader = nil, nil
}

// sideBranch walks the rest of the way down to the canonical chain and
// returns the side-chain headers the batch builds on, lowest first, and the
// height of the canonical header they build on.
func (v *storeView) sideBranch() ([]types.HeaderInfo, uint64, error) {
	v.walkDown(0)
	if v.err != nil {
		return nil, 0, v.err
	}
	out := make([]types.HeaderInfo, len(v.branch))
	for i, info := range v.branch {
		out[len(out)-1-i] = info
	}
	return out, v.forkHeight, nil
}

// load reads a canonical height, or below the base one of its ancestors.
func (v *storeView) load(height uint64) (viewEntry, error) {
	v.reads++
	info, err := v.k.Headers.Get(v.ctx, height)
	if errors.Is(err, collections.ErrNotFound) {
		v.reads++
		raw, aerr := v.k.BaseAncestors.Get(v.ctx, height)
		if aerr != nil {
			return viewEntry{}, aerr
		}
		info = types.HeaderInfo{Header: raw, Height: height}
	} else if err != nil {
		return viewEntry{}, err
	}
	h, err := bitcoin.ParseHeader(info.Header)
	if err != nil {
		return viewEntry{}, types.ErrInvalidHeader.Wrapf("stored header at height %d is corrupt: %v", height, err)
	}
	return viewEntry{header: h, raw: info.Header}, nil
}

// HeaderByHeight implements bitcoin.ChainView.
func (v *storeView) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	e, ok := v.entry(height)
	return e.header, ok
}

// HashByHeight implements bitcoin.ChainView. Validation asks only for the
// parent's hash, so it is computed on demand rather than stored twice.
func (v *storeView) HashByHeight(height uint64) (chainhash.Hash, bool) {
	e, ok := v.entry(height)
	if !ok {
		return chainhash.Hash{}, false
	}
	return chainhash.DoubleHashH(e.raw), true
}
