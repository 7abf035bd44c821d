package types_test

import (
	"testing"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// The store layout is consensus state: changing a prefix or the module name
// without a migration breaks every existing chain.
func TestKeysArePinned(t *testing.T) {
	require.Equal(t, "tunnel", types.ModuleName)
	require.Equal(t, "tunnel", types.StoreKey)
	require.Equal(t, "sat", types.Denom)
	for name, tc := range map[string]struct {
		got  collections.Prefix
		want byte
	}{
		"params":                 {types.ParamsKey, 0},
		"deposits":               {types.DepositsKey, 1},
		"deposits_by_recipient":  {types.DepositsByRecipientKey, 2},
		"deposits_by_status":     {types.DepositsByStatusKey, 3},
		"pending_deposits":       {types.PendingDepositsKey, 4},
		"deposits_by_btc_height": {types.DepositsByBTCHeightKey, 5},
		"lock_proofs":            {types.LockProofsKey, 6},
		"reorg_cursor":           {types.ReorgCursorKey, 7},
		"withdrawals":            {types.WithdrawalsKey, 8},
		"withdrawals_by_sender":  {types.WithdrawalsBySenderKey, 9},
		"withdrawals_by_status":  {types.WithdrawalsByStatusKey, 10},
		"next_withdrawal_id":     {types.NextWithdrawalIDKey, 11},
	} {
		require.Equal(t, []byte{tc.want}, tc.got.Bytes(), name)
	}
}

// Codes are part of the API (relayers and wallets match on them): pinned
// here, never renumbered.
func TestErrorCodesArePinned(t *testing.T) {
	for code, err := range map[uint32]*errorsmod.Error{
		2: types.ErrInvalidParams, 3: types.ErrInvalidGenesis, 4: types.ErrNoVault, 5: types.ErrDepositsDisabled,
		6: types.ErrCoinbaseTx, 7: types.ErrNoVaultOutput, 8: types.ErrTooManyOutputs, 9: types.ErrNoRecipient,
		10: types.ErrBadRecipient, 11: types.ErrDuplicateDeposit, 12: types.ErrBlockedRecipient, 13: types.ErrInvalidAmount,
		14: types.ErrInvalidScript, 15: types.ErrUnknownWithdrawal, 16: types.ErrWithdrawalCompleted,
		17: types.ErrWithdrawalRefunded, 18: types.ErrNotEnoughConfirmations, 19: types.ErrNotFromVault,
		20: types.ErrNoWithdrawalID, 21: types.ErrWrongWithdrawalID, 22: types.ErrUnderpaid,
		23: types.ErrDeadlineNotReached, 24: types.ErrInvalidOutpoint,
	} {
		require.Equal(t, code, err.ABCICode(), err.Error())
		require.Equal(t, types.ModuleName, err.Codespace())
	}
}

// TestParamsValidate: the defaults are valid (with no vault) and each range is checked.
func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	require.NoError(t, types.DefaultGenesis().Validate())
	for name, mut := range map[string]func(*types.Params){
		"zero minimum":       func(p *types.Params) { p.MinDepositSats = 0 },
		"zero confirmations": func(p *types.Params) { p.MinConfirmations = 0 },
		"too many":           func(p *types.Params) { p.MinConfirmations = types.MaxMinConfirmations + 1 },
		"zero timeout":       func(p *types.Params) { p.WithdrawalTimeoutBlocks = 0 },
		"fee above 21M BTC":  func(p *types.Params) { p.WithdrawalMaxFeeSats = types.MaxSats + 1 },
		"OP_RETURN vault":    func(p *types.Params) { p.VaultScript = []byte{0x6a, 0x01, 0x00} },
		"non-standard vault": func(p *types.Params) { p.VaultScript = []byte{0x51} },
	} {
		p := types.DefaultParams()
		mut(&p)
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
	}
}
