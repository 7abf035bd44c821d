package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Keeper holds x/pop's state: the keystones this chain recorded, the
// Bitcoin publications proven for them, and where superfinality stands.
type Keeper struct {
	storeService corestore.KVStoreService
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	// authority may send MsgUpdateParams (the gov module account).
	authority string
	// moduleAddress is the pop module account, which mints the rewards.
	moduleAddress sdk.AccAddress

	btclc types.BTCLCKeeper
	bank  types.BankKeeper
	distr types.DistrKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]
	// Keystones maps keystone height -> Keystone.
	Keystones collections.Map[uint64, types.Keystone]
	// Publications maps txid (internal byte order) -> Publication. A
	// publication is written once and never changed or deleted, so its three
	// indexes below are plain key sets written with it.
	Publications collections.Map[chainhash.Hash, types.Publication]
	// PublicationsByKeystone: (keystone height, bitcoin height, txid), a
	// keystone's publications earliest first.
	PublicationsByKeystone collections.KeySet[collections.Triple[uint64, uint64, chainhash.Hash]]
	// PublicationsByBTCHeight: (bitcoin height, keystone height, txid), the
	// publications a Bitcoin reorg above a height can touch.
	PublicationsByBTCHeight collections.KeySet[collections.Triple[uint64, uint64, chainhash.Hash]]
	// PublicationsByPayee: (payee, txid).
	PublicationsByPayee collections.KeySet[collections.Pair[sdk.AccAddress, chainhash.Hash]]
	// Anchors maps keystone height -> first(K), the lowest Bitcoin height of
	// its publications on the canonical chain, for every keystone that has
	// one. It is derived from the publications and x/btclc's chain.
	Anchors collections.Map[uint64, uint64]
	// EffectiveAnchors is the subset of Anchors that are strict suffix
	// minima: K is in it when every anchored K' > K has first(K') >
	// first(K). Both keys and values increase, and effective(K), the lowest
	// first(K') over K' >= K, is the value of its first entry at or above K.
	EffectiveAnchors collections.Map[uint64, uint64]
	// Finality is where superfinality stands.
	Finality collections.Item[types.FinalityState]
	// LastBlock is the height and hash of the last block: the parent hash a
	// keystone needs is not in the header the execution context carries.
	LastBlock collections.Item[collections.Pair[uint64, []byte]]
	// PendingUpdate records, during a block, that a message changed what
	// finality depends on and EndBlock must re-evaluate it (see abci.go).
	// It is empty between blocks.
	PendingUpdate collections.Item[bool]
	// RewardsPaused is set while a finality violation keeps the reward
	// payouts paused. It is not a param: only MsgResumeRewards clears it, so
	// a params proposal drafted before the violation cannot.
	RewardsPaused collections.Item[bool]
	// OwedRewards maps after -> through: the keystones recorded above after
	// up to through are owed their reward. The ranges are disjoint and
	// increase with their keys; the first is the payout cursor.
	OwedRewards collections.Map[uint64, uint64]
}

// NewKeeper builds x/pop's keeper. authority is the address allowed to
// change params (the gov module account); addressCodec decodes submitters
// and payees. The "pop" module account must have the Minter permission. It
// panics on a malformed schema or authority, which is a wiring error at
// start-up.
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService corestore.KVStoreService,
	authority string,
	addressCodec address.Codec,
	btclcKeeper types.BTCLCKeeper,
	bankKeeper types.BankKeeper,
	distrKeeper types.DistrKeeper,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("x/pop: invalid authority address %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	txidKey := bitcoin.HashKey
	k := Keeper{
		storeService:  storeService,
		cdc:           cdc,
		addressCodec:  addressCodec,
		authority:     authority,
		moduleAddress: authtypes.NewModuleAddress(types.ModuleName),
		btclc:         btclcKeeper,
		bank:          bankKeeper,
		distr:         distrKeeper,

		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Keystones:    collections.NewMap(sb, types.KeystonesKey, "keystones", collections.Uint64Key, codec.CollValue[types.Keystone](cdc)),
		Publications: collections.NewMap(sb, types.PublicationsKey, "publications", txidKey, codec.CollValue[types.Publication](cdc)),
		PublicationsByKeystone: collections.NewKeySet(sb, types.PublicationsByKeystoneKey, "publications_by_keystone",
			collections.TripleKeyCodec(collections.Uint64Key, collections.Uint64Key, txidKey)),
		PublicationsByBTCHeight: collections.NewKeySet(sb, types.PublicationsByBTCHeightKey, "publications_by_btc_height",
			collections.TripleKeyCodec(collections.Uint64Key, collections.Uint64Key, txidKey)),
		PublicationsByPayee: collections.NewKeySet(sb, types.PublicationsByPayeeKey, "publications_by_payee",
			collections.PairKeyCodec(sdk.AccAddressKey, txidKey)),
		Anchors:          collections.NewMap(sb, types.AnchorsKey, "anchors", collections.Uint64Key, collections.Uint64Value),
		EffectiveAnchors: collections.NewMap(sb, types.EffectiveAnchorsKey, "effective_anchors", collections.Uint64Key, collections.Uint64Value),
		Finality:         collections.NewItem(sb, types.FinalityKey, "finality", codec.CollValue[types.FinalityState](cdc)),
		LastBlock: collections.NewItem(sb, types.LastBlockKey, "last_block",
			collcodec.KeyToValueCodec(collections.PairKeyCodec(collections.Uint64Key, collections.BytesKey))),
		PendingUpdate: collections.NewItem(sb, types.PendingUpdateKey, "pending_update", collections.BoolValue),
		RewardsPaused: collections.NewItem(sb, types.RewardsPausedKey, "rewards_paused", collections.BoolValue),
		OwedRewards:   collections.NewMap(sb, types.OwedRewardsKey, "owed_rewards", collections.Uint64Key, collections.Uint64Value),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority is the address allowed to send MsgUpdateParams and
// MsgResumeRewards.
func (k Keeper) Authority() string { return k.authority }

// GetParams returns the module's params.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) { return k.Params.Get(ctx) }

// Paused tells whether a finality violation keeps the reward payouts paused.
func (k Keeper) Paused(ctx context.Context) (bool, error) { return k.RewardsPaused.Has(ctx) }
