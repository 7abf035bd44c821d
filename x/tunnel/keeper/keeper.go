package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// HeightKey orders deposits by (Bitcoin height, txid, vout): the mint queue
// and the reorg index.
type HeightKey = collections.Triple[uint64, chainhash.Hash, uint32]

var heightKeyCodec = collections.TripleKeyCodec(collections.Uint64Key, bitcoin.HashKey, collections.Uint32Key)

// Keeper holds x/tunnel's state: the deposits proven from Bitcoin, the
// queued withdrawals, and the params that name the vault.
type Keeper struct {
	storeService corestore.KVStoreService
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	// authority may send MsgUpdateParams (the gov module account).
	authority string

	btclc types.BTCLCKeeper
	pop   types.PoPKeeper
	bank  types.BankKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]
	// Deposits maps outpoint -> Deposit. Outpoints are never pruned, so no
	// outpoint is minted twice; only a pending deposit whose block left the
	// canonical chain is removed (it can then be proven in its new block).
	Deposits collections.Map[types.Outpoint, types.Deposit]
	// DepositsByRecipient: (recipient, txid, vout).
	DepositsByRecipient collections.KeySet[collections.Triple[sdk.AccAddress, chainhash.Hash, uint32]]
	// DepositsByStatus: (status, txid, vout).
	DepositsByStatus collections.KeySet[collections.Triple[int32, chainhash.Hash, uint32]]
	// PendingDeposits is the mint queue: every pending deposit by (Bitcoin
	// height, txid, vout), so the deposits that mature first come first.
	PendingDeposits collections.KeySet[HeightKey]
	// DepositsByBTCHeight: every deposit by (Bitcoin height, txid, vout),
	// what a Bitcoin reorg above a height can touch.
	DepositsByBTCHeight collections.KeySet[HeightKey]
	// LockProofs maps txid -> the proof that recorded its deposits (the
	// transaction without its witness, no funding transaction).
	LockProofs collections.Map[chainhash.Hash, btclctypes.InclusionProof]
	// ReorgCursor is the next DepositsByBTCHeight key the reorg sweep
	// checks; it exists only while a sweep is under way.
	ReorgCursor collections.Item[HeightKey]
	// Withdrawals maps id -> Withdrawal.
	Withdrawals collections.Map[uint64, types.Withdrawal]
	// WithdrawalsBySender: (sender, id).
	WithdrawalsBySender collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// WithdrawalsByStatus: (status, id).
	WithdrawalsByStatus collections.KeySet[collections.Pair[int32, uint64]]
	// NextWithdrawalID is the id of the next withdrawal (ids start at 1).
	NextWithdrawalID collections.Sequence
}

// NewKeeper builds x/tunnel's keeper. The "tunnel" module account must have
// the Minter and Burner permissions. It panics on a malformed schema or
// authority, which is a wiring error at start-up.
func NewKeeper(
	cdc codec.BinaryCodec,
	storeService corestore.KVStoreService,
	authority string,
	addressCodec address.Codec,
	btclcKeeper types.BTCLCKeeper,
	popKeeper types.PoPKeeper,
	bankKeeper types.BankKeeper,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("x/tunnel: invalid authority address %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		storeService: storeService,
		cdc:          cdc,
		addressCodec: addressCodec,
		authority:    authority,
		btclc:        btclcKeeper,
		pop:          popKeeper,
		bank:         bankKeeper,

		Params:   collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Deposits: collections.NewMap(sb, types.DepositsKey, "deposits", types.OutpointKey, codec.CollValue[types.Deposit](cdc)),
		DepositsByRecipient: collections.NewKeySet(sb, types.DepositsByRecipientKey, "deposits_by_recipient",
			collections.TripleKeyCodec(sdk.AccAddressKey, bitcoin.HashKey, collections.Uint32Key)),
		DepositsByStatus: collections.NewKeySet(sb, types.DepositsByStatusKey, "deposits_by_status",
			collections.TripleKeyCodec(collections.Int32Key, bitcoin.HashKey, collections.Uint32Key)),
		PendingDeposits:     collections.NewKeySet(sb, types.PendingDepositsKey, "pending_deposits", heightKeyCodec),
		DepositsByBTCHeight: collections.NewKeySet(sb, types.DepositsByBTCHeightKey, "deposits_by_btc_height", heightKeyCodec),
		LockProofs: collections.NewMap(sb, types.LockProofsKey, "lock_proofs", bitcoin.HashKey,
			codec.CollValue[btclctypes.InclusionProof](cdc)),
		ReorgCursor: collections.NewItem(sb, types.ReorgCursorKey, "reorg_cursor", collcodec.KeyToValueCodec(heightKeyCodec)),
		Withdrawals: collections.NewMap(sb, types.WithdrawalsKey, "withdrawals", collections.Uint64Key, codec.CollValue[types.Withdrawal](cdc)),
		WithdrawalsBySender: collections.NewKeySet(sb, types.WithdrawalsBySenderKey, "withdrawals_by_sender",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		WithdrawalsByStatus: collections.NewKeySet(sb, types.WithdrawalsByStatusKey, "withdrawals_by_status",
			collections.PairKeyCodec(collections.Int32Key, collections.Uint64Key)),
		NextWithdrawalID: collections.NewSequence(sb, types.NextWithdrawalIDKey, "next_withdrawal_id"),
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

// satCoins is amount sat.
func satCoins(amount uint64) sdk.Coins {
	return sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewIntFromUint64(amount)))
}
