package types_test

import (
	"errors"
	"fmt"
	"testing"

	errorsmod "cosmossdk.io/errors"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Codes are part of the API (relayers match on them): pinned here, never
// renumbered.
func TestErrorCodesArePinned(t *testing.T) {
	for code, err := range map[uint32]*errorsmod.Error{
		2: types.ErrInvalidHeaderLength, 3: types.ErrEmptyBatch, 4: types.ErrBatchTooLarge,
		5: types.ErrHeadersNotLinked, 6: types.ErrUnknownParent, 7: types.ErrKnownHeader,
		8: types.ErrForkNotHeavier, 9: types.ErrNotAllowed, 10: types.ErrInvalidParams,
		11: types.ErrInvalidGenesis, 12: types.ErrHeaderNotFound, 13: types.ErrInvalidProofOfWork,
		14: types.ErrBadDifficulty, 15: types.ErrInvalidTimestamp, 16: types.ErrHeaderTooNew,
		17: types.ErrBadBlockVersion, 18: types.ErrInvalidHeader, 19: types.ErrUnknownNetwork,
		20: types.ErrInvalidSPVProof, 21: types.ErrNotOnMainChain, 22: types.ErrForkTooDeep,
	} {
		require.Equal(t, code, err.ABCICode(), err.Error())
		require.Equal(t, types.ModuleName, err.Codespace())
	}
}

// Every sentinel of the bitcoin package is reported as a registered error of
// its kind, keeps its detail, and still matches the sentinel.
func TestWrapBitcoinError(t *testing.T) {
	for sentinel, want := range map[error]*errorsmod.Error{
		bitcoin.ErrUnknownNetwork:      types.ErrUnknownNetwork,
		bitcoin.ErrHeaderLength:        types.ErrInvalidHeaderLength,
		bitcoin.ErrUnknownParent:       types.ErrUnknownParent,
		bitcoin.ErrPrevBlockMismatch:   types.ErrHeadersNotLinked,
		bitcoin.ErrHeightOutOfRange:    types.ErrInvalidHeader,
		bitcoin.ErrMissingAncestor:     types.ErrInvalidHeader,
		bitcoin.ErrInvalidTarget:       types.ErrInvalidProofOfWork,
		bitcoin.ErrTargetAboveLimit:    types.ErrInvalidProofOfWork,
		bitcoin.ErrHashAboveTarget:     types.ErrInvalidProofOfWork,
		bitcoin.ErrBadDifficultyBits:   types.ErrBadDifficulty,
		bitcoin.ErrTimeTooOld:          types.ErrInvalidTimestamp,
		bitcoin.ErrTimeWarp:            types.ErrInvalidTimestamp,
		bitcoin.ErrTimeTooNew:          types.ErrHeaderTooNew,
		bitcoin.ErrBlockVersionTooOld:  types.ErrBadBlockVersion,
		bitcoin.ErrBadTransaction:      types.ErrInvalidTx,
		bitcoin.ErrFundingTxMismatch:   types.ErrInvalidFundingTx,
		bitcoin.ErrTx64Bytes:           types.ErrInvalidSPVProof,
		bitcoin.ErrBranchTooLong:       types.ErrInvalidSPVProof,
		bitcoin.ErrIndexOutOfRange:     types.ErrInvalidSPVProof,
		bitcoin.ErrMerkleDuplicateNode: types.ErrInvalidSPVProof,
		bitcoin.ErrMerkleNodeIsTx:      types.ErrInvalidSPVProof,
		bitcoin.ErrMerkleRootMismatch:  types.ErrInvalidSPVProof,
		bitcoin.ErrNoTransactions:      types.ErrInvalidSPVProof,
	} {
		detailed := fmt.Errorf("header 3 of 9 (height 42): %w: some detail", sentinel)
		err := types.WrapBitcoinError(detailed)
		require.ErrorIs(t, err, want, sentinel.Error())
		require.ErrorIs(t, err, sentinel)
		require.Contains(t, err.Error(), "some detail")
		require.Contains(t, err.Error(), want.Error())
		codespace, code, log := errorsmod.ABCIInfo(err, false)
		require.Equal(t, types.ModuleName, codespace)
		require.Equal(t, want.ABCICode(), code)
		require.Contains(t, log, "height 42")
	}
	require.NoError(t, types.WrapBitcoinError(nil))
	require.ErrorIs(t, types.WrapBitcoinError(errors.New("other")), types.ErrInvalidHeader)
}
