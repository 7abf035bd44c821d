package types

import (
	"cosmossdk.io/collections"
)

const (
	// ModuleName is x/pop's name, also the name of its module account, which
	// mints the keystone rewards (it needs the Minter permission).
	ModuleName = "pop"
	// StoreKey is the key of x/pop's KV store.
	StoreKey = ModuleName
)

// Collection prefixes. They are part of the state layout: never renumber
// them (keys_test.go pins them).
var (
	// ParamsKey holds Params.
	ParamsKey = collections.NewPrefix(0)
	// KeystonesKey maps keystone height -> Keystone.
	KeystonesKey = collections.NewPrefix(1)
	// PublicationsKey maps txid (internal byte order) -> Publication.
	PublicationsKey = collections.NewPrefix(2)
	// PublicationsByKeystoneKey indexes publications by (keystone height,
	// Bitcoin height, txid): a keystone's publications, earliest first.
	PublicationsByKeystoneKey = collections.NewPrefix(3)
	// PublicationsByBTCHeightKey indexes publications by (Bitcoin height,
	// keystone height, txid): those a Bitcoin reorg above a height can touch.
	PublicationsByBTCHeightKey = collections.NewPrefix(4)
	// PublicationsByPayeeKey indexes publications by (payee, txid).
	PublicationsByPayeeKey = collections.NewPrefix(5)
	// AnchorsKey maps keystone height -> first(K), the lowest Bitcoin height
	// of its publications on the canonical chain, for every keystone that
	// has one.
	AnchorsKey = collections.NewPrefix(6)
	// EffectiveAnchorsKey maps keystone height -> first(K) for the anchors
	// that are strict suffix minima (see Keeper.EffectiveAnchors).
	EffectiveAnchorsKey = collections.NewPrefix(7)
	// FinalityKey holds FinalityState.
	FinalityKey = collections.NewPrefix(8)
	// LastBlockKey holds the height and hash of the last block, which the
	// next keystone needs as its parent hash.
	LastBlockKey = collections.NewPrefix(9)
	// Prefix 10 held the pending Bitcoin reorg of a block, when the hooks
	// deferred their work to EndBlock; it is retired, never reuse it.
	// PendingUpdateKey is set, during a block, when finality must be
	// re-evaluated; EndBlock clears it.
	PendingUpdateKey = collections.NewPrefix(11)
	// RewardsPausedKey is set (true) while a finality violation keeps the
	// reward payouts paused; MsgResumeRewards removes it.
	RewardsPausedKey = collections.NewPrefix(12)
	// OwedRewardsKey maps after -> through: the keystones above after up to
	// through became superfinal and are owed their reward, in height order.
	OwedRewardsKey = collections.NewPrefix(13)
)
