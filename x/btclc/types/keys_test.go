package types_test

import (
	"testing"

	"cosmossdk.io/collections"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// The store layout is consensus state: changing a prefix or the module name
// without a migration breaks every existing chain.
func TestKeysArePinned(t *testing.T) {
	require.Equal(t, "btclc", types.ModuleName)
	require.Equal(t, "btclc", types.StoreKey)
	for name, tc := range map[string]struct {
		got  collections.Prefix
		want byte
	}{
		"params":              {types.ParamsKey, 0},
		"network":             {types.NetworkKey, 1},
		"headers":             {types.HeadersKey, 2},
		"hash_to_height":      {types.HashToHeightKey, 3},
		"pending_rollback":    {types.PendingRollBackKey, 4},
		"pending_rollforward": {types.PendingRollForwardKey, 5},
		"side_headers":        {types.SideHeadersKey, 6},
		"side_by_work":        {types.SideByWorkKey, 7},
		"side_count":          {types.SideCountKey, 8},
		"base_ancestors":      {types.BaseAncestorsKey, 9},
		"tip_height":          {types.TipHeightKey, 10},
	} {
		require.Equal(t, []byte{tc.want}, tc.got.Bytes(), name)
	}
}
