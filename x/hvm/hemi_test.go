package hvm_test

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/hemi"
)

// TestHemiHeaderPrecompiles: 0x44 and 0x45 answer with Hemi's exact 116 bytes for the real
// mainnet headers, also to a contract calling them as Hemi's contracts do
// (staticcall(abi.encodePacked(uint32 height))), and revert with a reason otherwise.
func TestHemiHeaderPrecompiles(t *testing.T) {
	c := mainnetChain(t)
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	height := func(h uint32) []byte { return binary.BigEndian.AppendUint32(nil, h) }

	want := hemiLayout(mainnetTip, run.RawAt(t, mainnetTip))
	require.Len(t, want, hemi.HeaderSize)
	require.Equal(t, want, callRaw(t, c, hemi.LastHeaderAddress, nil))
	// Like Hemi's, 0x44 reads no input.
	require.Equal(t, want, callRaw(t, c, hemi.LastHeaderAddress, []byte("anything")))
	for _, h := range []uint32{datagen.MainnetBase, 830000, mainnetTip} {
		require.Equal(t, hemiLayout(h, run.RawAt(t, uint64(h))), callRaw(t, c, hemi.HeaderNAddress, height(h)), "height %d", h)
	}
	// The hash an explorer shows for 830000 is bytes 4–36.
	got := callRaw(t, c, hemi.HeaderNAddress, height(830000))
	require.Equal(t, datagen.MustHex(t, vectorsAt(t, 830000)[0].BlockHash), got[4:36])

	fwd := deploy(t, c, creationCode(nil, forwarderCode(hemi.LastHeaderAddress)), creationCode(nil, forwarderCode(hemi.HeaderNAddress)))
	require.Equal(t, want, callRaw(t, c, fwd[0], nil))
	require.Equal(t, hemiLayout(830000, run.RawAt(t, 830000)), callRaw(t, c, fwd[1], height(830000)))

	for _, h := range []uint32{0, datagen.MainnetBase - 1, mainnetTip + 1} {
		requireContains(t, reverts(t, c, hemi.HeaderNAddress, height(h)), "BtcHeaderN (0x45): ", "no canonical header at height")
	}
	for _, input := range [][]byte{nil, {0x0c}, {0, 0x0c, 0xaa}, append(height(830000), 0), make([]byte, 32)} {
		requireContains(t, reverts(t, c, hemi.HeaderNAddress, input), "BtcHeaderN (0x45): input is", "4 bytes big-endian")
	}
	require.Equal(t, reverts(t, c, hemi.HeaderNAddress, height(1)), reverts(t, c, fwd[1], height(1)))
}

// hemiLayout is Hemi's 116-byte header (hemilabs/op-geth core/vm/contracts.go), built here
// straight from the 80 raw bytes: each integer turned from little- to big-endian, each hash
// reversed into display order.
func hemiLayout(height uint32, raw []byte) []byte {
	hash := chainhash.DoubleHashH(raw)
	out := binary.BigEndian.AppendUint32(nil, height)
	out = append(out, reversed(hash[:])...)
	out = append(out, reversed(raw[0:4])...)    // version
	out = append(out, reversed(raw[4:36])...)   // previous block hash
	out = append(out, reversed(raw[36:68])...)  // merkle root
	out = append(out, reversed(raw[68:72])...)  // time
	out = append(out, reversed(raw[72:76])...)  // bits
	return append(out, reversed(raw[76:80])...) // nonce
}

func reversed(b []byte) []byte {
	out := bytes.Clone(b)
	slices.Reverse(out)
	return out
}

// 0x44 and 0x45 cost their figure for the input each takes (none, and a 4-byte height); each
// byte more pays GasPerExtraInputByte, since the EVM copies it before pricing the call.
func TestHemiHeaderGas(t *testing.T) {
	last, headerN := hemi.NewLastHeader(nil), hemi.NewHeaderN(nil)
	require.Equal(t, uint64(hemi.GasLastHeader), last.RequiredGas(nil))
	require.Equal(t, uint64(hemi.GasLastHeader+8*precompiles.GasPerExtraInputByte), last.RequiredGas([]byte("anything")))
	require.Equal(t, uint64(hemi.GasHeaderN), headerN.RequiredGas(binary.BigEndian.AppendUint32(nil, 830000)))
	require.Equal(t, uint64(hemi.GasHeaderN+precompiles.GasPerExtraInputByte), headerN.RequiredGas(append(binary.BigEndian.AppendUint32(nil, 830000), 0)))
}
