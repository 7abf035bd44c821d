package ibitcoin

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
)

// TestEncodingIsTheABIs: the hand-written encoders give exactly go-ethereum's ABI encoding of
// the interface's return values, for every shape of output list and script length.
func TestEncodingIsTheABIs(t *testing.T) {
	for _, work := range []*big.Int{new(big.Int), big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 255)} {
		h := precompiles.Header{
			Height: 830000, Hash: [32]byte{1, 2}, Version: 0x20000000, PrevHash: [32]byte{3}, MerkleRoot: [32]byte{31: 4},
			Time: 0xffffffff, Bits: 0x17034219, Nonce: 7, CumulativeWork: work,
		}
		want, err := ABI.Methods[MethodTip].Outputs.Pack(h)
		require.NoError(t, err)
		require.Equal(t, want, encodeHeader(h))
	}

	scripts := [][]byte{nil, {0x51}, bytes.Repeat([]byte{0xab}, 31), bytes.Repeat([]byte{0xcd}, 32), bytes.Repeat([]byte{0xef}, 33), bytes.Repeat([]byte{1}, 100)}
	for n := 0; n <= len(scripts); n++ {
		var outs []*wire.TxOut
		var abiOuts []Output
		for i := range n {
			outs = append(outs, wire.NewTxOut(int64(i)*maxSats/7, scripts[i]))
			abiOuts = append(abiOuts, Output{Value: uint64(int64(i) * maxSats / 7), ScriptPubKey: scripts[i]})
		}
		if abiOuts == nil {
			abiOuts = []Output{}
		}
		txid := [32]byte{0xaa, 31: 0xbb}
		want, err := ABI.Methods[MethodVerifyTx].Outputs.Pack(txid, uint64(830000), uint64(593), abiOuts)
		require.NoError(t, err)
		require.Equal(t, want, encodeVerifyTx(txid, 830000, 593, outs), "%d outputs", n)
	}
}
