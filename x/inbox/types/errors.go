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
)
