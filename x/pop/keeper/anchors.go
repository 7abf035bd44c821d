package keeper

import (
	"context"
	"errors"
	"slices"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Anchors: first(K) is the lowest Bitcoin height of keystone K's
// publications on the canonical chain; effective(K) is the lowest first(K')
// over K' >= K, because every keystone commits to its predecessor, so a
// publication of K' anchors K too.
//
// Anchors holds first(K) for every keystone that has one. EffectiveAnchors
// holds the strict suffix minima of Anchors: the K with first(K) <
// first(K') for every anchored K' > K. Its keys and values both increase,
// so effective(K) is the value of its first entry at or above K, one read,
// and the highest superfinal keystone is its last entry whose value is at
// most tip - depth + 1. Every entry above that one has a value in the last
// depth - 1 Bitcoin heights, and the values are distinct, so finding it
// reads fewer than depth entries, however many keystones there are.

// lowerAnchor records that keystone K has a canonical publication at Bitcoin
// height btcHeight: first(K) becomes btcHeight if it is lower, and K
// replaces the suffix minima it now dominates.
func (k Keeper) lowerAnchor(ctx context.Context, keystone, btcHeight uint64) error {
	first, err := k.Anchors.Get(ctx, keystone)
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return err
	case first <= btcHeight:
		return nil
	}
	if err := k.Anchors.Set(ctx, keystone, btcHeight); err != nil {
		return err
	}

	// A later keystone anchored at or below btcHeight dominates K. (Then K
	// was not a suffix minimum before either: its old first was higher.)
	next, found, err := firstEntry(ctx, k.EffectiveAnchors, new(collections.Range[uint64]).StartExclusive(keystone))
	if err != nil {
		return err
	}
	if found && next.value <= btcHeight {
		return nil
	}
	if err := k.EffectiveAnchors.Set(ctx, keystone, btcHeight); err != nil {
		return err
	}
	// K now dominates the suffix minima below it anchored at or above
	// btcHeight: the entries just below K, since values increase with keys.
	var dominated []uint64
	rng := new(collections.Range[uint64]).EndExclusive(keystone).Descending()
	err = k.EffectiveAnchors.Walk(ctx, rng, func(key, value uint64) (bool, error) {
		if value < btcHeight {
			return true, nil
		}
		dominated = append(dominated, key)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, key := range dominated {
		if err := k.EffectiveAnchors.Remove(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// reanchor follows a Bitcoin reorg whose fork point is at forkHeight: every
// canonical block above it may have changed, nothing at or below it did.
//
//  1. first(K) is recomputed for every keystone with a publication above
//     forkHeight (one that left the canonical chain, or one whose block came
//     back to it).
//  2. The suffix minima are rebuilt above the highest keystone M anchored at
//     or below forkHeight. Nothing changed for M and the keystones below it:
//     an anchor at or below forkHeight can only be dominated by another one,
//     and those did not change.
//
// The work is bounded by the publications above forkHeight and the
// keystones anchored above it, which only the reorged Bitcoin blocks and the
// blocks above them can hold.
func (k Keeper) reanchor(ctx context.Context, forkHeight uint64) error {
	// 1. The keystones whose publications the reorg can touch.
	var touched []uint64
	rng := new(collections.Range[collections.Triple[uint64, uint64, chainhash.Hash]]).
		StartInclusive(collections.TriplePrefix[uint64, uint64, chainhash.Hash](forkHeight + 1))
	err := k.PublicationsByBTCHeight.Walk(ctx, rng, func(key collections.Triple[uint64, uint64, chainhash.Hash]) (bool, error) {
		touched = append(touched, key.K2())
		return false, nil
	})
	if err != nil {
		return err
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	// Read everything before writing anything: an iterator over a block's
	// cache costs in proportion to the writes made in it so far.
	type anchor struct {
		first uint64
		found bool // false: no canonical publication left
	}
	anchors := make([]anchor, len(touched))
	for i, keystone := range touched {
		first, found, err := k.firstCanonical(ctx, keystone)
		if err != nil {
			return err
		}
		anchors[i] = anchor{first, found}
	}
	for i, keystone := range touched {
		var err error
		if anchors[i].found {
			err = k.Anchors.Set(ctx, keystone, anchors[i].first)
		} else {
			err = k.Anchors.Remove(ctx, keystone)
		}
		if err != nil {
			return err
		}
	}

	// 2. Drop the suffix minima above forkHeight (the top entries, since
	// values increase with keys), then rebuild them from the anchors above
	// M, walking down from the newest keystone.
	var stale []uint64
	err = k.EffectiveAnchors.Walk(ctx, new(collections.Range[uint64]).Descending(), func(key, value uint64) (bool, error) {
		if value <= forkHeight {
			return true, nil
		}
		stale = append(stale, key)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, key := range stale {
		if err := k.EffectiveAnchors.Remove(ctx, key); err != nil {
			return err
		}
	}
	var high []entry // descending keystone height
	err = k.Anchors.Walk(ctx, new(collections.Range[uint64]).Descending(), func(key, value uint64) (bool, error) {
		if value <= forkHeight {
			return true, nil // M
		}
		high = append(high, entry{key, value})
		return false, nil
	})
	if err != nil {
		return err
	}
	minFirst := uint64(1<<64 - 1)
	for _, a := range high {
		if a.value < minFirst {
			if err := k.EffectiveAnchors.Set(ctx, a.key, a.value); err != nil {
				return err
			}
			minFirst = a.value
		}
	}
	return nil
}

// firstCanonical returns the lowest Bitcoin height of K's publications whose
// block is canonical.
func (k Keeper) firstCanonical(ctx context.Context, keystone uint64) (uint64, bool, error) {
	var (
		first uint64
		found bool
	)
	err := k.walkKeystonePublications(ctx, keystone, func(btcHeight uint64, txid chainhash.Hash) (bool, error) {
		onMain, err := k.publicationOnMainChain(ctx, txid)
		if err != nil || !onMain {
			return false, err
		}
		first, found = btcHeight, true
		return true, nil
	})
	return first, found, err
}

// walkKeystonePublications visits K's publications in increasing (Bitcoin
// height, txid) order until fn says stop.
func (k Keeper) walkKeystonePublications(ctx context.Context, keystone uint64, fn func(btcHeight uint64, txid chainhash.Hash) (bool, error)) error {
	rng := collections.NewPrefixedTripleRange[uint64, uint64, chainhash.Hash](keystone)
	return k.PublicationsByKeystone.Walk(ctx, rng, func(key collections.Triple[uint64, uint64, chainhash.Hash]) (bool, error) {
		return fn(key.K2(), key.K3())
	})
}

// publicationOnMainChain tells whether a publication's block is canonical.
func (k Keeper) publicationOnMainChain(ctx context.Context, txid chainhash.Hash) (bool, error) {
	pub, err := k.Publications.Get(ctx, txid)
	if err != nil {
		return false, err
	}
	hash, err := pub.BlockHash()
	if err != nil {
		return false, err
	}
	return k.btclc.IsOnMainChain(ctx, hash)
}

// effective returns effective(K) and whether K is anchored at all.
func (k Keeper) effective(ctx context.Context, keystone uint64) (uint64, bool, error) {
	e, found, err := firstEntry(ctx, k.EffectiveAnchors, new(collections.Range[uint64]).StartInclusive(keystone))
	return e.value, found, err
}

// latestAnchoredBelow returns the highest keystone with effective(K) <=
// maxBTCHeight, and that height: the last suffix minimum whose value is at
// most maxBTCHeight. It reads the suffix minima above it, whose values are
// all above maxBTCHeight.
func (k Keeper) latestAnchoredBelow(ctx context.Context, maxBTCHeight uint64) (keystone, effective uint64, found bool, err error) {
	err = k.EffectiveAnchors.Walk(ctx, new(collections.Range[uint64]).Descending(), func(key, value uint64) (bool, error) {
		if value > maxBTCHeight {
			return false, nil
		}
		keystone, effective, found = key, value, true
		return true, nil
	})
	return keystone, effective, found, err
}

type entry struct{ key, value uint64 }

// firstEntry returns the first entry of m in rng.
func firstEntry(ctx context.Context, m collections.Map[uint64, uint64], rng collections.Ranger[uint64]) (entry, bool, error) {
	iter, err := m.Iterate(ctx, rng)
	if err != nil {
		return entry{}, false, err
	}
	defer iter.Close()
	if !iter.Valid() {
		return entry{}, false, nil
	}
	kv, err := iter.KeyValue()
	if err != nil {
		return entry{}, false, err
	}
	return entry{kv.Key, kv.Value}, true, nil
}
