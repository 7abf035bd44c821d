package types

import (
	"cosmossdk.io/collections"

	appparams "github.com/hemi-appchain/hemi/app/params"
)

const (
	// ModuleName is x/tunnel's name, also the name of its module account,
	// which mints deposits and burns withdrawals (Minter and Burner).
	ModuleName = "tunnel"
	// StoreKey is the key of x/tunnel's KV store.
	StoreKey = ModuleName
)

// Collection prefixes. They are part of the state layout: never renumber
// them (keys_test.go pins them).
var (
	// ParamsKey holds Params.
	ParamsKey = collections.NewPrefix(0)
	// DepositsKey maps outpoint (txid, vout) -> Deposit.
	DepositsKey = collections.NewPrefix(1)
	// DepositsByRecipientKey indexes deposits by (recipient, txid, vout).
	DepositsByRecipientKey = collections.NewPrefix(2)
	// DepositsByStatusKey indexes deposits by (status, txid, vout).
	DepositsByStatusKey = collections.NewPrefix(3)
	// PendingDepositsKey is the mint queue: (btc height, txid, vout) of every
	// pending deposit, minted in that order.
	PendingDepositsKey = collections.NewPrefix(4)
	// DepositsByBTCHeightKey indexes every deposit by (btc height, txid,
	// vout): what a Bitcoin reorg above a height can touch.
	DepositsByBTCHeightKey = collections.NewPrefix(5)
	// LockProofsKey maps txid -> the proof that recorded its deposits.
	LockProofsKey = collections.NewPrefix(6)
	// ReorgCursorKey holds the next (btc height, txid, vout) the reorg sweep
	// checks, while one is under way.
	ReorgCursorKey = collections.NewPrefix(7)
	// WithdrawalsKey maps id -> Withdrawal.
	WithdrawalsKey = collections.NewPrefix(8)
	// WithdrawalsBySenderKey indexes withdrawals by (sender, id).
	WithdrawalsBySenderKey = collections.NewPrefix(9)
	// WithdrawalsByStatusKey indexes withdrawals by (status, id).
	WithdrawalsByStatusKey = collections.NewPrefix(10)
	// NextWithdrawalIDKey is the id of the next withdrawal.
	NextWithdrawalIDKey = collections.NewPrefix(11)
)

// Denom is the bank denomination x/tunnel mints and burns: 1 sat.
const Denom = appparams.BTCDenom
