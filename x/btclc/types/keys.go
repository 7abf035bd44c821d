package types

import (
	"cosmossdk.io/collections"
)

const (
	// ModuleName is x/btclc's name.
	ModuleName = "btclc"
	// StoreKey is the key of x/btclc's KV store.
	StoreKey = ModuleName
)

// Collection prefixes. They are part of the state layout: never renumber
// them (keys_test.go pins them).
var (
	// ParamsKey holds Params.
	ParamsKey = collections.NewPrefix(0)
	// NetworkKey holds the Bitcoin network name set at genesis.
	NetworkKey = collections.NewPrefix(1)
	// HeadersKey maps height -> HeaderInfo for the canonical chain.
	HeadersKey = collections.NewPrefix(2)
	// HashToHeightKey maps block hash (internal byte order) -> height for
	// the canonical chain.
	HashToHeightKey = collections.NewPrefix(3)
	// PendingRollBackKey holds, during a block, the lowest fork point height
	// of the reorgs in that block; EndBlock runs the hooks and clears it.
	PendingRollBackKey = collections.NewPrefix(4)
	// PendingRollForwardKey is set, during a block, when the tip changed;
	// EndBlock runs the hooks and clears it.
	PendingRollForwardKey = collections.NewPrefix(5)
)
