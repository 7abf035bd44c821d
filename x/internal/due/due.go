// Package due reads the keys of a queue ordered by Bitcoin height that are deep enough to act on:
// x/tunnel's pending deposits and x/inbox's pending operations.
package due

import (
	"context"

	"cosmossdk.io/collections"
)

// Keys returns, in queue order, at most limit keys of queue whose Bitcoin height (height(key),
// the first part of the key, so that the walk stops at the first that is too shallow) has at
// least minConfirmations on a chain whose tip is at tipHeight. It reads the keys first, so the
// caller writes after the walk: the cache store's iterators cost in proportion to the block's
// writes.
func Keys[K any](ctx context.Context, queue collections.KeySet[K], height func(K) uint64, tipHeight uint64, minConfirmations uint32, limit int) ([]K, error) {
	if tipHeight+1 < uint64(minConfirmations) {
		return nil, nil
	}
	// confirmations = tip - height + 1 >= min  <=>  height <= tip + 1 - min.
	deepest := tipHeight + 1 - uint64(minConfirmations)
	var keys []K
	err := queue.Walk(ctx, nil, func(key K) (bool, error) {
		if height(key) > deepest || len(keys) == limit {
			return true, nil
		}
		keys = append(keys, key)
		return false, nil
	})
	return keys, err
}
