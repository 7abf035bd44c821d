package types_test

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// FuzzParseOutpoint: what queries and the CLI take as txid:vout either parses
// to an outpoint that formats back to the same text, or is refused with
// ErrInvalidOutpoint.
func FuzzParseOutpoint(f *testing.F) {
	f.Add(types.FormatOutpoint(types.NewOutpoint(chainhash.DoubleHashH([]byte("x")), 7)))
	f.Add("00:1")
	f.Add(":")
	f.Add("0000000000000000000000000000000000000000000000000000000000000000:4294967296")
	f.Fuzz(func(t *testing.T, s string) {
		op, err := types.ParseOutpoint(s)
		if err != nil {
			require.ErrorIs(t, err, types.ErrInvalidOutpoint)
			return
		}
		again, err := types.ParseOutpoint(types.FormatOutpoint(op))
		require.NoError(t, err)
		require.Equal(t, types.FormatOutpoint(op), types.FormatOutpoint(again))
	})
}
