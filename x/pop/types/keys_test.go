package types_test

import (
	"testing"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// The store layout is consensus state: changing a prefix or the module name
// without a migration breaks every existing chain.
func TestKeysArePinned(t *testing.T) {
	require.Equal(t, "pop", types.ModuleName)
	require.Equal(t, "pop", types.StoreKey)
	for name, tc := range map[string]struct {
		got  collections.Prefix
		want byte
	}{
		"params":                     {types.ParamsKey, 0},
		"keystones":                  {types.KeystonesKey, 1},
		"publications":               {types.PublicationsKey, 2},
		"publications_by_keystone":   {types.PublicationsByKeystoneKey, 3},
		"publications_by_btc_height": {types.PublicationsByBTCHeightKey, 4},
		"publications_by_payee":      {types.PublicationsByPayeeKey, 5},
		"anchors":                    {types.AnchorsKey, 6},
		"effective_anchors":          {types.EffectiveAnchorsKey, 7},
		"finality":                   {types.FinalityKey, 8},
		"last_block":                 {types.LastBlockKey, 9},
		"pending_update":             {types.PendingUpdateKey, 11},
		"rewards_paused":             {types.RewardsPausedKey, 12},
		"owed_rewards":               {types.OwedRewardsKey, 13},
	} {
		require.Equal(t, []byte{tc.want}, tc.got.Bytes(), name)
	}
}

// Codes are part of the API (PoP miners match on them): pinned here, never
// renumbered.
func TestErrorCodesArePinned(t *testing.T) {
	for code, err := range map[uint32]*errorsmod.Error{
		2: types.ErrInvalidParams, 3: types.ErrInvalidGenesis, 4: types.ErrInvalidTx,
		5: types.ErrInvalidBlockHash, 6: types.ErrInvalidProof, 7: types.ErrCoinbaseTx,
		8: types.ErrNoPayload, 9: types.ErrMultiplePayloads, 10: types.ErrInvalidPayload,
		11: types.ErrBlockNotOnMainChain, 12: types.ErrUnknownKeystone, 13: types.ErrKeystoneMismatch,
		14: types.ErrDuplicatePublication, 15: types.ErrBlockContext, 16: types.ErrRewardsNotPaused,
		17: types.ErrRewardSettled,
	} {
		require.Equal(t, code, err.ABCICode(), err.Error())
		require.Equal(t, types.ModuleName, err.Codespace())
	}
}
