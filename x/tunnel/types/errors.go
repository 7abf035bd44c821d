package types

import (
	errorsmod "cosmossdk.io/errors"
)

// x/tunnel errors. Codes start at 2 and are never renumbered: clients and
// relayers match on them. Proof errors are x/btclc's (ErrInvalidTx,
// ErrInvalidBlockHash, ErrInvalidSPVProof, ErrNotOnMainChain,
// ErrInvalidFundingTx), returned as they are.
var (
	ErrInvalidParams          = errorsmod.Register(ModuleName, 2, "invalid params")
	ErrInvalidGenesis         = errorsmod.Register(ModuleName, 3, "invalid genesis state")
	ErrNoVault                = errorsmod.Register(ModuleName, 4, "no vault is configured: deposits and withdrawals are refused until governance sets params.vault_script")
	ErrDepositsDisabled       = errorsmod.Register(ModuleName, 5, "deposits are disabled (circuit breaker): governance must re-enable them")
	ErrCoinbaseTx             = errorsmod.Register(ModuleName, 6, "a coinbase transaction is never a deposit")
	ErrNoVaultOutput          = errorsmod.Register(ModuleName, 7, "transaction has no output paying the vault at least min_deposit_sats")
	ErrTooManyOutputs         = errorsmod.Register(ModuleName, 8, "transaction has too many outputs to prove in one message")
	ErrNoRecipient            = errorsmod.Register(ModuleName, 9, "deposit carries no recipient")
	ErrBadRecipient           = errorsmod.Register(ModuleName, 10, "deposit recipient is malformed")
	ErrDuplicateDeposit       = errorsmod.Register(ModuleName, 11, "deposit already recorded for this outpoint")
	ErrBlockedRecipient       = errorsmod.Register(ModuleName, 12, "deposit recipient may not receive coins")
	ErrInvalidAmount          = errorsmod.Register(ModuleName, 13, "invalid withdrawal amount")
	ErrInvalidScript          = errorsmod.Register(ModuleName, 14, "invalid bitcoin output script: give a P2PKH, P2SH, P2WPKH, P2WSH or P2TR scriptPubKey")
	ErrUnknownWithdrawal      = errorsmod.Register(ModuleName, 15, "no withdrawal with this id")
	ErrWithdrawalCompleted    = errorsmod.Register(ModuleName, 16, "the withdrawal is already completed")
	ErrWithdrawalRefunded     = errorsmod.Register(ModuleName, 17, "the withdrawal is already refunded")
	ErrNotEnoughConfirmations = errorsmod.Register(ModuleName, 18, "the payment's bitcoin block has fewer than min_confirmations confirmations")
	ErrNotFromVault           = errorsmod.Register(ModuleName, 19, "the payment is not paid from the vault: input 0 must spend an output paying vault_script, shown by proof.funding_tx")
	ErrNoWithdrawalID         = errorsmod.Register(ModuleName, 20, "the payment carries no single HEMW withdrawal id")
	ErrWrongWithdrawalID      = errorsmod.Register(ModuleName, 21, "the payment carries another withdrawal's id")
	ErrUnderpaid              = errorsmod.Register(ModuleName, 22, "the payment pays the withdrawal's script less than amount - max_fee")
	ErrDeadlineNotReached     = errorsmod.Register(ModuleName, 23, "the withdrawal's deadline has not passed: it may still be paid")
	ErrInvalidOutpoint        = errorsmod.Register(ModuleName, 24, "invalid outpoint: give txid:vout, the txid in display order")
	ErrPaymentBeforeRequest   = errorsmod.Register(ModuleName, 25, "the payment was mined no higher than x/btclc's tip when the withdrawal was queued: it pays something else")
)
