// Package keeper is x/inbox's state and handlers: operations posted on Bitcoin, proven to the
// chain, and executed by BeginBlock once min_confirmations deep (see ../README.md).
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/inbox/types"
)

// QueueKey orders pending operations as Bitcoin does: (Bitcoin height, tx index, txid).
type QueueKey = collections.Triple[uint64, uint32, chainhash.Hash]

// OutpointKey is a Bitcoin outpoint: (txid, vout), txid in internal byte order.
type OutpointKey = collections.Pair[chainhash.Hash, uint32]

// Keeper holds x/inbox's state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	// authority may send MsgUpdateParams (the gov module account).
	authority string

	btclc   types.BTCLCKeeper
	bank    types.BankKeeper
	tunnel  types.TunnelKeeper
	staking types.StakingKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]
	// Ops maps txid -> Op. Executed and failed operations are kept for ever: they are the record
	// that their outpoint has acted.
	Ops collections.Map[chainhash.Hash, types.Op]
	// Spent maps the outpoint an operation's first input spends -> that operation's txid, so an
	// outpoint acts once, whatever transaction (malleated, or mined again after a reorg) spends it.
	Spent collections.Map[OutpointKey, chainhash.Hash]
	// OpsByAccount: (account, txid).
	OpsByAccount collections.KeySet[collections.Pair[sdk.AccAddress, chainhash.Hash]]
	// OpsByStatus: (status, txid).
	OpsByStatus collections.KeySet[collections.Pair[int32, chainhash.Hash]]
	// Pending is the execution queue: every pending operation by (Bitcoin height, tx index, txid).
	Pending collections.KeySet[QueueKey]
}

// NewKeeper builds x/inbox's keeper. It panics on a malformed schema or authority, which is a
// wiring error at start-up.
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService corestore.KVStoreService,
	authority string,
	addressCodec address.Codec,
	btclcKeeper types.BTCLCKeeper,
	bankKeeper types.BankKeeper,
	tunnelKeeper types.TunnelKeeper,
	stakingKeeper types.StakingKeeper,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("x/inbox: invalid authority address %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		authority:    authority,
		btclc:        btclcKeeper,
		bank:         bankKeeper,
		tunnel:       tunnelKeeper,
		staking:      stakingKeeper,

		Params: collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Ops:    collections.NewMap(sb, types.OpsKey, "ops", bitcoin.HashKey, codec.CollValue[types.Op](cdc)),
		Spent: collections.NewMap(sb, types.SpentKey, "spent", collections.PairKeyCodec(bitcoin.HashKey, collections.Uint32Key),
			collcodec.KeyToValueCodec(bitcoin.HashKey)),
		OpsByAccount: collections.NewKeySet(sb, types.OpsByAccountKey, "ops_by_account",
			collections.PairKeyCodec(sdk.AccAddressKey, bitcoin.HashKey)),
		OpsByStatus: collections.NewKeySet(sb, types.OpsByStatusKey, "ops_by_status",
			collections.PairKeyCodec(collections.Int32Key, bitcoin.HashKey)),
		Pending: collections.NewKeySet(sb, types.PendingKey, "pending",
			collections.TripleKeyCodec(collections.Uint64Key, collections.Uint32Key, bitcoin.HashKey)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority is the address allowed to send MsgUpdateParams.
func (k Keeper) Authority() string { return k.authority }

// GetParams returns the module's params.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) { return k.Params.Get(ctx) }

// CoinOp returns the operation recorded for coin, the outpoint its first input spends (found
// false: none).
func (k Keeper) CoinOp(ctx context.Context, coin OutpointKey) (o types.Op, found bool, err error) {
	txid, err := k.Spent.Get(ctx, coin)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Op{}, false, nil
	}
	if err != nil {
		return types.Op{}, false, err
	}
	o, err = k.Ops.Get(ctx, txid)
	return o, err == nil, err
}

// CoinActed tells whether an operation spending coin has run (executed or failed). The node
// guard asks it of the operations it sees on Bitcoin; the Coin query and the audit judge by it.
func (k Keeper) CoinActed(ctx context.Context, coin wire.OutPoint) (bool, error) {
	o, found, err := k.CoinOp(ctx, collections.Join(coin.Hash, coin.Index))
	return found && o.Status != types.OP_STATUS_PENDING, err
}

func spentKey(o types.Op) OutpointKey {
	var h chainhash.Hash
	copy(h[:], o.SpentTxid)
	return collections.Join(h, o.SpentVout)
}

func queueKey(o types.Op) QueueKey { return collections.Join3(o.BtcHeight, o.TxIndex, o.TxID()) }

// setOp writes o and its indexes; from is its status before (UNSPECIFIED for a new record), whose
// status index entry it replaces.
func (k Keeper) setOp(ctx context.Context, o types.Op, from types.OpStatus) error {
	txid := o.TxID()
	if err := k.Ops.Set(ctx, txid, o); err != nil {
		return err
	}
	if from != types.OP_STATUS_UNSPECIFIED {
		if err := k.OpsByStatus.Remove(ctx, collections.Join(int32(from), txid)); err != nil {
			return err
		}
	} else {
		account, err := k.addressCodec.StringToBytes(o.Account)
		if err != nil {
			return err
		}
		if err := k.OpsByAccount.Set(ctx, collections.Join(sdk.AccAddress(account), txid)); err != nil {
			return err
		}
		if err := k.Spent.Set(ctx, spentKey(o), txid); err != nil {
			return err
		}
	}
	if err := k.OpsByStatus.Set(ctx, collections.Join(int32(o.Status), txid)); err != nil {
		return err
	}
	if o.Status == types.OP_STATUS_PENDING {
		return k.Pending.Set(ctx, queueKey(o))
	}
	return k.Pending.Remove(ctx, queueKey(o))
}

// removeOp deletes a pending operation and its indexes, so that its outpoint can act again (in
// the transaction Bitcoin holds now).
func (k Keeper) removeOp(ctx context.Context, o types.Op) error {
	txid := o.TxID()
	account, err := k.addressCodec.StringToBytes(o.Account)
	if err != nil {
		return err
	}
	for _, err := range []error{
		k.Ops.Remove(ctx, txid),
		k.Spent.Remove(ctx, spentKey(o)),
		k.OpsByAccount.Remove(ctx, collections.Join(sdk.AccAddress(account), txid)),
		k.OpsByStatus.Remove(ctx, collections.Join(int32(o.Status), txid)),
		k.Pending.Remove(ctx, queueKey(o)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
