package types

import (
	"math/big"

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
	// SideHeadersKey maps block hash -> HeaderInfo for the side-chain store:
	// validated headers that are not canonical.
	SideHeadersKey = collections.NewPrefix(6)
	// SideByWorkKey indexes the side-chain store by (cumulative work, hash),
	// in ascending order of work: the eviction and pruning order.
	SideByWorkKey = collections.NewPrefix(7)
	// SideCountKey holds the number of side-chain headers.
	SideCountKey = collections.NewPrefix(8)
	// BaseAncestorsKey maps height -> raw header for the 10 headers before
	// the base: median-time-past context only, never part of the chain.
	BaseAncestorsKey = collections.NewPrefix(9)
	// TipHeightKey holds the height of the canonical chain's last header, so
	// that reading the tip costs two lookups whatever the map holds (a
	// descending iterator would walk every key a reorg deleted in the
	// block).
	TipHeightKey = collections.NewPrefix(10)
)

// WorkKeySize is the width of a cumulative work in SideByWorkKey: 256 bits,
// big-endian, so byte order is numeric order.
const WorkKeySize = 32

// WorkKey is a cumulative work as a SideByWorkKey component. Work above 256
// bits never reaches the store (NewHeaderInfo refuses it).
func WorkKey(work *big.Int) []byte {
	return work.FillBytes(make([]byte, WorkKeySize))
}
