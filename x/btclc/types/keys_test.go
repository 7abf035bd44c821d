package types_test

import (
	"testing"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
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
	} {
		require.Equal(t, []byte{tc.want}, tc.got.Bytes(), name)
	}
}

func TestHashKey(t *testing.T) {
	h, err := types.ParseDisplayHash("000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f")
	require.NoError(t, err)

	buf := make([]byte, types.HashKey.Size(h))
	n, err := types.HashKey.Encode(buf, h)
	require.NoError(t, err)
	require.Equal(t, chainhash.HashSize, n)
	require.Equal(t, h[:], buf, "keys are stored in internal byte order")
	n, got, err := types.HashKey.Decode(buf)
	require.NoError(t, err)
	require.Equal(t, chainhash.HashSize, n)
	require.Equal(t, h, got)
	_, _, err = types.HashKey.Decode(buf[:31])
	require.Error(t, err)

	// Multipart keys: fixed size, no length prefix.
	n, err = types.HashKey.EncodeNonTerminal(buf, h)
	require.NoError(t, err)
	require.Equal(t, chainhash.HashSize, n)
	require.Equal(t, chainhash.HashSize, types.HashKey.SizeNonTerminal(h))

	js, err := types.HashKey.EncodeJSON(h)
	require.NoError(t, err)
	require.Equal(t, `"000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f"`, string(js))
	back, err := types.HashKey.DecodeJSON(js)
	require.NoError(t, err)
	require.Equal(t, h, back)
	require.Equal(t, h.String(), types.HashKey.Stringify(h))
}

func TestParseDisplayHash(t *testing.T) {
	for _, bad := range []string{"", "00", "zz00000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f"[:64], "000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f00"} {
		_, err := types.ParseDisplayHash(bad)
		require.Error(t, err, bad)
	}
}
