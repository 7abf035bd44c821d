package types

import (
	"errors"

	errorsmod "cosmossdk.io/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// x/btclc errors. Codes start at 2 and are never renumbered: clients and
// relayers match on them.
var (
	ErrInvalidHeaderLength = errorsmod.Register(ModuleName, 2, "block header must be exactly 80 bytes")
	ErrEmptyBatch          = errorsmod.Register(ModuleName, 3, "no headers to insert")
	ErrBatchTooLarge       = errorsmod.Register(ModuleName, 4, "too many headers in one message")
	ErrHeadersNotLinked    = errorsmod.Register(ModuleName, 5, "headers do not form a chain: each header's previous-block hash must be the hash of the header before it")
	ErrUnknownParent       = errorsmod.Register(ModuleName, 6, "parent of the first header is not on the canonical chain")
	// ErrKnownHeader and ErrForkNotHeavier are no longer returned: known
	// headers at the start of a batch are skipped, and a fork without more
	// work is kept in the side-chain store. Their codes stay reserved.
	ErrKnownHeader        = errorsmod.Register(ModuleName, 7, "first header of the fork is already on the canonical chain")
	ErrForkNotHeavier     = errorsmod.Register(ModuleName, 8, "fork does not have more cumulative work than the canonical chain")
	ErrNotAllowed         = errorsmod.Register(ModuleName, 9, "signer is not in the insert allowlist")
	ErrInvalidParams      = errorsmod.Register(ModuleName, 10, "invalid params")
	ErrInvalidGenesis     = errorsmod.Register(ModuleName, 11, "invalid genesis state")
	ErrHeaderNotFound     = errorsmod.Register(ModuleName, 12, "header not found on the canonical chain")
	ErrInvalidProofOfWork = errorsmod.Register(ModuleName, 13, "invalid proof of work")
	ErrBadDifficulty      = errorsmod.Register(ModuleName, 14, "wrong difficulty (nBits)")
	ErrInvalidTimestamp   = errorsmod.Register(ModuleName, 15, "invalid header timestamp")
	ErrHeaderTooNew       = errorsmod.Register(ModuleName, 16, "header timestamp is more than 2 hours after the block time")
	ErrBadBlockVersion    = errorsmod.Register(ModuleName, 17, "block version too old")
	ErrInvalidHeader      = errorsmod.Register(ModuleName, 18, "invalid header")
	ErrUnknownNetwork     = errorsmod.Register(ModuleName, 19, "unknown bitcoin network")
	ErrInvalidSPVProof    = errorsmod.Register(ModuleName, 20, "invalid SPV inclusion proof")
	ErrNotOnMainChain     = errorsmod.Register(ModuleName, 21, "block is not on the canonical chain")
	ErrForkTooDeep        = errorsmod.Register(ModuleName, 22, "fork starts too far below the canonical tip to be kept as a side chain")
	ErrInvalidTx          = errorsmod.Register(ModuleName, 23, "invalid bitcoin transaction")
	ErrInvalidBlockHash   = errorsmod.Register(ModuleName, 24, "invalid bitcoin block hash: give 64 lowercase hex characters in display order")
	ErrInvalidFundingTx   = errorsmod.Register(ModuleName, 25, "funding_tx is not the transaction that the first input spends")
)

// bitcoinErrors maps each sentinel of the bitcoin package to the registered
// error that reports it. Order matters only for errors.Is on joined errors,
// which the bitcoin package does not produce.
var bitcoinErrors = []struct {
	sentinel   error
	registered *errorsmod.Error
}{
	{bitcoin.ErrUnknownNetwork, ErrUnknownNetwork},

	{bitcoin.ErrHeaderLength, ErrInvalidHeaderLength},
	{bitcoin.ErrUnknownParent, ErrUnknownParent},
	{bitcoin.ErrPrevBlockMismatch, ErrHeadersNotLinked},
	{bitcoin.ErrHeightOutOfRange, ErrInvalidHeader},
	{bitcoin.ErrMissingAncestor, ErrInvalidHeader},

	{bitcoin.ErrInvalidTarget, ErrInvalidProofOfWork},
	{bitcoin.ErrTargetAboveLimit, ErrInvalidProofOfWork},
	{bitcoin.ErrHashAboveTarget, ErrInvalidProofOfWork},
	{bitcoin.ErrBadDifficultyBits, ErrBadDifficulty},
	{bitcoin.ErrTimeTooOld, ErrInvalidTimestamp},
	{bitcoin.ErrTimeWarp, ErrInvalidTimestamp},
	{bitcoin.ErrTimeTooNew, ErrHeaderTooNew},
	{bitcoin.ErrBlockVersionTooOld, ErrBadBlockVersion},

	{bitcoin.ErrBadTransaction, ErrInvalidTx},
	{bitcoin.ErrFundingTxMismatch, ErrInvalidFundingTx},
	{bitcoin.ErrTx64Bytes, ErrInvalidSPVProof},
	{bitcoin.ErrBranchTooLong, ErrInvalidSPVProof},
	{bitcoin.ErrIndexOutOfRange, ErrInvalidSPVProof},
	{bitcoin.ErrMerkleDuplicateNode, ErrInvalidSPVProof},
	{bitcoin.ErrMerkleNodeIsTx, ErrInvalidSPVProof},
	{bitcoin.ErrMerkleRootMismatch, ErrInvalidSPVProof},
	{bitcoin.ErrNoTransactions, ErrInvalidSPVProof},
}

// WrapBitcoinError reports an error of the bitcoin package as the registered
// error of its kind, keeping the whole message (which header, which height,
// expected and actual values) as the detail. The result still matches the
// bitcoin sentinel with errors.Is. An error of no known kind becomes
// ErrInvalidHeader; nil stays nil.
func WrapBitcoinError(err error) error {
	if err == nil {
		return nil
	}
	for _, m := range bitcoinErrors {
		if errors.Is(err, m.sentinel) {
			return &bitcoinError{registered: m.registered, cause: err}
		}
	}
	return &bitcoinError{registered: ErrInvalidHeader, cause: err}
}

// bitcoinError is a registered error whose detail is a bitcoin error. The ABCI
// code and codespace come from the registered error (errorsmod.ABCIInfo finds
// it through Cause) and the log shows both messages.
type bitcoinError struct {
	registered *errorsmod.Error
	cause      error
}

func (e *bitcoinError) Error() string { return e.registered.Error() + ": " + e.cause.Error() }

// Cause is what errorsmod follows to find the ABCI code.
func (e *bitcoinError) Cause() error { return e.registered }

// Unwrap exposes both, so errors.Is matches the registered error and the
// bitcoin sentinel.
func (e *bitcoinError) Unwrap() []error { return []error{e.registered, e.cause} }
