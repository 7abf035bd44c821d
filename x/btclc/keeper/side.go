package keeper

import (
	"context"
	"errors"
	"math/big"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// The side-chain store: validated headers that are not canonical, by hash,
// with their height and cumulative work, so that a fork heavier than the
// canonical chain can arrive over several messages. It is bounded twice
// (README.md, "Side chains"):
//
//   - by depth: a side-chain header with less cumulative work than the
//     canonical header max_fork_depth below the tip is pruned;
//   - by count: at most 2 * max_fork_depth headers; beyond that the least
//     cumulative work goes first.
//
// Both remove in SideByWork order, least work first. A parent has less work
// than its child, so what goes is always the bottom of a branch, and a header
// left without its parent (an orphan) stays harmless: a batch that needs its
// ancestry fails with ErrUnknownParent and changes nothing, and resending
// the fork from its canonical ancestor stores the missing headers again.
//
// Removal is paid in advance (PruneGas, by the message that stores the
// header) and bounded per message: a message removes at most as many side
// headers as it validated new ones (pruneSide). So one tip move can leave
// headers below the floor in the store for later messages to remove. Until
// then they are dead: every lookup of the side-chain store (liveSide, and
// the walk down a side branch) treats a header below the floor as absent,
// so nothing builds on them and nothing counts them.
//
// A reorg that promotes side-chain headers writes them on the canonical
// chain and leaves their side-chain entries for the pruner: removal is
// prepaid, so deleting them in the winning message would charge it twice.
// Such an entry is a canonical header, not a side-chain one: every lookup
// (lookup, the walk down a side branch, SideHeader) reads the hash index
// first. It counts toward the count bound and goes least work first like
// any other; if a reorg takes its header off the canonical chain, it is a
// validated side-chain header again.

// SideHeader returns the side-chain header with this hash (internal byte
// order), if the store holds it and it is not canonical (a promoted header
// keeps its entry until the pruner removes it: see reorg).
func (k Keeper) SideHeader(ctx context.Context, hash chainhash.Hash) (types.HeaderInfo, bool, error) {
	if canonical, err := k.HashToHeight.Has(ctx, hash); err != nil || canonical {
		return types.HeaderInfo{}, false, err
	}
	return k.storedSide(ctx, hash)
}

// storedSide reads the side-chain store alone; callers look in the hash
// index first.
func (k Keeper) storedSide(ctx context.Context, hash chainhash.Hash) (types.HeaderInfo, bool, error) {
	info, err := k.SideHeaders.Get(ctx, hash)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return types.HeaderInfo{}, false, nil
	case err != nil:
		return types.HeaderInfo{}, false, err
	}
	return info, true, nil
}

// liveSide returns the side-chain header with this hash unless it is dead:
// below floor (pruneFloor's), and so only waiting for a later message to
// remove it.
// Only lookup calls it, after the hash index said the header is not
// canonical.
func (k Keeper) liveSide(ctx context.Context, hash chainhash.Hash, floor *big.Int) (types.HeaderInfo, bool, error) {
	info, found, err := k.storedSide(ctx, hash)
	if err != nil || !found || belowFloor(info, floor) {
		return types.HeaderInfo{}, false, err
	}
	return info, true, nil
}

// currentFloor is the prune floor of the current tip.
func (k Keeper) currentFloor(ctx context.Context) (*big.Int, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	tip, err := k.Tip(ctx)
	if err != nil {
		return nil, err
	}
	floor, _, err := k.pruneFloor(ctx, params, tip)
	return floor, err
}

// belowFloor reports whether a side-chain header has less cumulative work
// than floor (nil: no floor), and is therefore dead.
func belowFloor(info types.HeaderInfo, floor *big.Int) bool {
	return floor != nil && info.Work().Cmp(floor) < 0
}

// lookup finds a header by hash on the canonical chain or, if it is live
// there (see liveSide), in the side-chain store. reads is the number of store
// lookups it made.
func (k Keeper) lookup(ctx context.Context, hash chainhash.Hash, floor *big.Int) (info types.HeaderInfo, side, found bool, reads uint64, err error) {
	height, canonical, err := k.heightOf(ctx, hash)
	if err != nil {
		return types.HeaderInfo{}, false, false, 1, err
	}
	if canonical {
		info, err = k.HeaderByHeight(ctx, height)
		return info, false, err == nil, 2, err
	}
	info, found, err = k.liveSide(ctx, hash, floor)
	return info, true, found, 2, err
}

// addSide stores a validated header in the side-chain store, and reports
// whether it was new. The header may be there already (an orphan whose
// ancestry is being sent again): its value is the same, since a hash fixes
// the header and its whole ancestry.
func (k Keeper) addSide(ctx context.Context, info types.HeaderInfo) (bool, error) {
	hash := info.Hash()
	known, err := k.SideHeaders.Has(ctx, hash)
	if err != nil || known {
		return false, err
	}
	if err := k.SideHeaders.Set(ctx, hash, info); err != nil {
		return false, err
	}
	if err := k.SideByWork.Set(ctx, collections.Join(types.WorkKey(info.Work()), hash)); err != nil {
		return false, err
	}
	return true, k.addSideCount(ctx, 1)
}

// removeSide deletes a header from the side-chain store.
func (k Keeper) removeSide(ctx context.Context, info types.HeaderInfo) error {
	hash := info.Hash()
	if err := k.SideHeaders.Remove(ctx, hash); err != nil {
		return err
	}
	if err := k.SideByWork.Remove(ctx, collections.Join(types.WorkKey(info.Work()), hash)); err != nil {
		return err
	}
	return k.addSideCount(ctx, -1)
}

func (k Keeper) sideCount(ctx context.Context) (uint64, error) {
	n, err := k.SideCount.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

func (k Keeper) addSideCount(ctx context.Context, delta int64) error {
	n, err := k.sideCount(ctx)
	if err != nil {
		return err
	}
	if delta < 0 && n < uint64(-delta) {
		return types.ErrInvalidHeader.Wrap("side-chain count below zero: the store is corrupt")
	}
	n = uint64(int64(n) + delta)
	if n == 0 {
		return k.SideCount.Remove(ctx)
	}
	return k.SideCount.Set(ctx, n)
}

// pruneFloor is the least cumulative work a side-chain header may have to be
// kept: that of the canonical header max_fork_depth below the tip, or nil
// when the canonical chain is not that long.
func (k Keeper) pruneFloor(ctx context.Context, params types.Params, tip types.HeaderInfo) (*big.Int, types.HeaderInfo, error) {
	if tip.Height < params.MaxForkDepth {
		return nil, types.HeaderInfo{}, nil
	}
	info, err := k.Headers.Get(ctx, tip.Height-params.MaxForkDepth)
	switch {
	case errors.Is(err, collections.ErrNotFound): // below the base
		return nil, types.HeaderInfo{}, nil
	case err != nil:
		return nil, types.HeaderInfo{}, err
	}
	return info.Work(), info, nil
}

// pruneSide removes, least cumulative work first, the side-chain headers
// below floor and those beyond the store's capacity, at most limit of them,
// and returns how many it removed. Their removal was paid when they were
// stored (PruneGas), so it charges nothing; the limit keeps an unpaid amount
// of work out of any one message, and what is left goes in later messages.
//
// The caller passes as limit the number of headers its message validated:
// then a message that stores n side headers can always evict the n the
// capacity has no room for (overflow goes before anything live above it,
// being at the bottom or being the bottom), so the count bound holds after
// every message, and the unpaid work of a message is never more than the
// work it paid for.
func (k Keeper) pruneSide(ctx context.Context, params types.Params, floor *big.Int, limit uint64) (uint64, error) {
	count, err := k.sideCount(ctx)
	if err != nil || count == 0 || limit == 0 {
		return 0, err
	}
	var floorKey []byte
	if floor != nil {
		floorKey = types.WorkKey(floor)
	}
	// Collect first: a store must not be written while it is iterated.
	var doomed []chainhash.Hash
	err = k.SideByWork.Walk(ctx, nil, func(key collections.Pair[[]byte, chainhash.Hash]) (bool, error) {
		over := count-uint64(len(doomed)) > params.MaxSideHeaders()
		below := floorKey != nil && string(key.K1()) < string(floorKey)
		if !over && !below {
			return true, nil
		}
		doomed = append(doomed, key.K2())
		return uint64(len(doomed)) == limit, nil
	})
	if err != nil {
		return 0, err
	}
	for _, hash := range doomed {
		info, err := k.SideHeaders.Get(ctx, hash)
		if err != nil {
			return 0, err
		}
		if err := k.removeSide(ctx, info); err != nil {
			return 0, err
		}
	}
	return uint64(len(doomed)), nil
}
