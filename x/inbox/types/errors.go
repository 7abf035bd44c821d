package types

import (
	errorsmod "cosmossdk.io/errors"
)

// x/inbox errors. Codes start at 2 and are never renumbered. Proof errors are x/btclc's
// (ErrInvalidTx, ErrInvalidBlockHash, ErrInvalidSPVProof, ErrNotOnMainChain, ErrInvalidFundingTx),
// returned as they are.
var (
	ErrInvalidParams  = errorsmod.Register(ModuleName, 2, "invalid params")
	ErrInvalidGenesis = errorsmod.Register(ModuleName, 3, "invalid genesis state")
	ErrCoinbaseTx     = errorsmod.Register(ModuleName, 4, "a coinbase transaction never carries an inbox operation")
	ErrNoFundingTx    = errorsmod.Register(ModuleName, 5, "proof.funding_tx is required: the transaction whose output input 0 spends binds the key the operation runs as")
	ErrNoOperation    = errorsmod.Register(ModuleName, 6, "the transaction carries no single well-formed HEMF operation")
	ErrNoSigner       = errorsmod.Register(ModuleName, 7, "no account is bound to the key that signs the transaction's first input")
	ErrDuplicateOp    = errorsmod.Register(ModuleName, 8, "this operation is already recorded")
	ErrOutpointUsed   = errorsmod.Register(ModuleName, 9, "the outpoint the first input spends already carried an operation: each outpoint acts once, ever")
	ErrUnknownOp      = errorsmod.Register(ModuleName, 10, "no operation is recorded for this txid")
	ErrInvalidTxID    = errorsmod.Register(ModuleName, 11, "invalid txid: give 64 hex characters in display order")
	ErrProofTooLarge  = errorsmod.Register(ModuleName, 12, "an inbox transaction and its funding transaction are at most 10000 bytes each")

	// Reasons an operation failed when it ran, recorded in its Op.reason (with the modules' own
	// errors: the bank's insufficient funds, x/tunnel's and staking's refusals).
	ErrBlockedRecipient = errorsmod.Register(ModuleName, 13, "the recipient may not receive coins: a module account, a precompile or a token contract")
	ErrFeeAboveMax      = errorsmod.Register(ModuleName, 14, "the tunnel's withdrawal fee allowance is above the operation's max_fee_sats")
	ErrUnknownOpType    = errorsmod.Register(ModuleName, 15, "the operation type is not known")
	ErrExecutionPanic   = errorsmod.Register(ModuleName, 16, "the operation's execution panicked; nothing it did was kept")
)
