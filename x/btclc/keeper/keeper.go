package keeper

import (
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Keeper holds x/btclc's state: the canonical Bitcoin header chain from a
// trusted base, a bounded store of side-chain headers, and the params. It applies what the pure validation core in
// package bitcoin accepts; it never decides a Bitcoin rule itself.
type Keeper struct {
	storeService corestore.KVStoreService
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	// authority may send MsgUpdateParams (the gov module account).
	authority string
	hooks     types.BTCLightClientHooks

	Schema collections.Schema
	Params collections.Item[types.Params]
	// NetworkName is the Bitcoin network set at genesis.
	NetworkName collections.Item[string]
	// Headers is the canonical chain: height -> header. Heights are
	// contiguous from the base to the tip.
	Headers collections.Map[uint64, types.HeaderInfo]
	// HashToHeight indexes Headers by block hash (internal byte order);
	// only canonical headers are in it.
	HashToHeight collections.Map[chainhash.Hash, uint64]
	// TipHeight is the height of the last header of Headers.
	TipHeight collections.Item[uint64]
	// PendingRollBack and PendingRollForward record, during a block, the
	// hook calls EndBlock owes (see abci.go). Both are empty between blocks.
	PendingRollBack    collections.Item[uint64]
	PendingRollForward collections.Item[bool]
	// SideHeaders is the side-chain store: validated headers that are not
	// canonical, by hash, so that a heavier fork can arrive over several
	// messages (see side.go). An entry whose hash is also in HashToHeight
	// is a promoted header awaiting the pruner: canonical, not side-chain.
	SideHeaders collections.Map[chainhash.Hash, types.HeaderInfo]
	// SideByWork indexes SideHeaders by (cumulative work, hash), least work
	// first: what pruning and eviction remove first.
	SideByWork collections.KeySet[collections.Pair[[]byte, chainhash.Hash]]
	// SideCount is the number of entries of SideHeaders.
	SideCount collections.Item[uint64]
	// BaseAncestors holds the 10 raw headers below the base, for the
	// median time past of the first headers above it only.
	BaseAncestors collections.Map[uint64, []byte]
}

// NewKeeper builds x/btclc's keeper. authority is the address allowed to
// change params (the gov module account); addressCodec decodes signers and
// allowlist entries. It panics on a malformed schema or authority, which is a
// wiring error at start-up.
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, authority string, addressCodec address.Codec) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("x/btclc: invalid authority address %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		storeService:       storeService,
		cdc:                cdc,
		addressCodec:       addressCodec,
		authority:          authority,
		Params:             collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		NetworkName:        collections.NewItem(sb, types.NetworkKey, "network", collections.StringValue),
		Headers:            collections.NewMap(sb, types.HeadersKey, "headers", collections.Uint64Key, types.HeaderInfoValue(cdc)),
		HashToHeight:       collections.NewMap(sb, types.HashToHeightKey, "hash_to_height", bitcoin.HashKey, collections.Uint64Value),
		TipHeight:          collections.NewItem(sb, types.TipHeightKey, "tip_height", collections.Uint64Value),
		PendingRollBack:    collections.NewItem(sb, types.PendingRollBackKey, "pending_rollback", collections.Uint64Value),
		PendingRollForward: collections.NewItem(sb, types.PendingRollForwardKey, "pending_rollforward", collections.BoolValue),
		SideHeaders:        collections.NewMap(sb, types.SideHeadersKey, "side_headers", bitcoin.HashKey, types.HeaderInfoValue(cdc)),
		SideByWork:         collections.NewKeySet(sb, types.SideByWorkKey, "side_by_work", collections.PairKeyCodec(collections.BytesKey, bitcoin.HashKey)),
		SideCount:          collections.NewItem(sb, types.SideCountKey, "side_count", collections.Uint64Value),
		BaseAncestors:      collections.NewMap(sb, types.BaseAncestorsKey, "base_ancestors", collections.Uint64Key, collections.BytesValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetHooks installs the hooks EndBlock calls after the chain changed. Call it
// once, while wiring the app, before the keeper is copied into the module.
func (k *Keeper) SetHooks(h types.BTCLightClientHooks) *Keeper {
	if k.hooks != nil {
		panic("x/btclc: hooks already set")
	}
	k.hooks = h
	return k
}

// Authority is the address allowed to send MsgUpdateParams.
func (k Keeper) Authority() string { return k.authority }
