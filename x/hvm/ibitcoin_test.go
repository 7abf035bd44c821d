package hvm_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// TestIBitcoinMainnet: IBitcoin answers from a chain holding the real mainnet headers
// 824544–830592, through eth_call, and every answer is the real one.
func TestIBitcoinMainnet(t *testing.T) {
	c := mainnetChain(t)
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	block830000 := vectorsAt(t, 830000)[0].BlockHash

	t.Run("tip", func(t *testing.T) {
		got := headerOf(t, call(t, c, ibitcoin.MethodTip)[0])
		// The tip's chain work is the one bitcoind reports, from the boundary file.
		require.Equal(t, wantHeader(t, run, mainnetTip, datagen.LoadBoundaries(t)[mainnetTip].ChainWork), got)
	})

	t.Run("headerByHeight", func(t *testing.T) {
		for _, h := range []uint64{datagen.MainnetBase, 830000, mainnetTip} {
			got := headerOf(t, call(t, c, ibitcoin.MethodHeaderByHeight, h)[0])
			require.Equal(t, wantHeader(t, run, h, workAt(t, run, h)), got, "height %d", h)
		}
		got := headerOf(t, call(t, c, ibitcoin.MethodHeaderByHeight, uint64(830000))[0])
		require.Equal(t, display(t, block830000), got.Hash, "the hash an explorer shows for 830000")

		for _, h := range []uint64{0, datagen.MainnetBase - 1, mainnetTip + 1, math.MaxUint64} {
			reason := reverts(t, c, ibitcoin.Address, pack(t, ibitcoin.MethodHeaderByHeight, h))
			requireContains(t, reason, "IBitcoin.headerByHeight: ", "no canonical header at height")
		}
	})

	t.Run("headerByHash", func(t *testing.T) {
		got := headerOf(t, call(t, c, ibitcoin.MethodHeaderByHash, display(t, block830000))[0])
		require.Equal(t, wantHeader(t, run, 830000, workAt(t, run, 830000)), got)

		// The same hash in internal order is not a hash the light client knows: the interface
		// takes display order only.
		for _, h := range [][32]byte{[32]byte(reversed(datagen.MustHex(t, block830000))), {}, {0x01}} {
			reason := reverts(t, c, ibitcoin.Address, pack(t, ibitcoin.MethodHeaderByHash, h))
			requireContains(t, reason, "IBitcoin.headerByHash: ", "neither on the canonical chain nor in the side-chain store")
		}
	})

	t.Run("confirmations", func(t *testing.T) {
		for h, want := range map[uint64]uint64{mainnetTip: 1, 830000: mainnetTip - 830000 + 1, datagen.MainnetBase: mainnetTip - datagen.MainnetBase + 1} {
			hash := display(t, run.At(t, h).BlockHash().String())
			require.Equal(t, want, call(t, c, ibitcoin.MethodConfirmations, hash)[0], "height %d", h)
		}
		// A block the light client does not hold is not on the main chain: 0, not a revert.
		require.Equal(t, uint64(0), call(t, c, ibitcoin.MethodConfirmations, [32]byte{0x02})[0])
	})

	t.Run("verifyTx", func(t *testing.T) {
		vectors := vectorsAt(t, 830000)
		require.Len(t, vectors, 10)
		for _, v := range vectors {
			tx, blockHash, index, siblings := proofArgs(t, v)
			require.Len(t, siblings, 11, "block 830000 has 1851 transactions")
			out := call(t, c, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings)
			require.Equal(t, display(t, v.TxID), out[0], v.Name())
			require.Equal(t, uint64(830000), out[1], v.Name())
			require.Equal(t, uint64(mainnetTip-830000+1), out[2], v.Name())
			require.Equal(t, wantOutputs(t, tx), outputsOf(out[3]), v.Name())
			for _, op := range v.OpReturnOutputs {
				got := outputsOf(out[3])[op.Vout]
				require.Equal(t, uint64(op.ValueSats), got.Value, "%s vout %d", v.Name(), op.Vout)
				require.Equal(t, datagen.MustHex(t, op.ScriptHex), got.ScriptPubKey, "%s vout %d", v.Name(), op.Vout)
			}
		}
	})

	t.Run("verifyTx reads nothing the txid does not cover", func(t *testing.T) {
		v := vectorsAt(t, 830000)[1] // index 1, with a witness
		require.True(t, v.IsSegwit)
		tx, blockHash, index, siblings := proofArgs(t, v)
		want := call(t, c, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings)
		// A changed witness byte is still the same transaction (the txid does not commit to
		// the witness), and nothing returned depends on it.
		changed := bytes.Clone(tx)
		changed[len(changed)-10] ^= 1
		require.Equal(t, want, call(t, c, ibitcoin.MethodVerifyTx, changed, blockHash, index, siblings))
	})

	t.Run("verifyTx refuses", func(t *testing.T) {
		v := vectorsAt(t, 830000)[2] // index 10
		tx, blockHash, index, siblings := proofArgs(t, v)
		flipped := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }
		sibling := func(i int) [][32]byte {
			s := append([][32]byte{}, siblings...)
			s[i][0] ^= 1
			return s
		}
		block830001 := display(t, run.At(t, 830001).BlockHash().String())
		for name, tc := range map[string]struct {
			tx        []byte
			blockHash [32]byte
			index     uint32
			siblings  [][32]byte
			want      string
		}{
			"tampered sibling":      {tx, blockHash, index, sibling(5), "merkle"},
			"last sibling tampered": {tx, blockHash, index, sibling(10), "merkle"},
			"wrong index":           {tx, blockHash, index + 1, siblings, "merkle"},
			"index beyond the path": {tx, blockHash, 1 << 11, siblings, "index"},
			"tx byte changed":       {flipped(tx, len(tx)-5), blockHash, index, siblings, "merkle"},
			"sibling missing":       {tx, blockHash, index, siblings[:10], "merkle"},
			"another block":         {tx, block830001, index, siblings, "merkle"},
			"unknown block":         {tx, [32]byte{0x03}, index, siblings, "not on the canonical chain"},
			"block hash reversed":   {tx, [32]byte(reversed(blockHash[:])), index, siblings, "not on the canonical chain"},
			"33 siblings":           {tx, blockHash, index, make([][32]byte, 33), "no block needs more than 32"},
			"empty tx":              {nil, blockHash, index, siblings, "empty transaction"},
			"truncated tx":          {tx[:len(tx)-1], blockHash, index, siblings, "invalid bitcoin transaction"},
			"trailing byte":         {append(bytes.Clone(tx), 0), blockHash, index, siblings, "trailing"},
			"64 zero bytes":         {make([]byte, 64), blockHash, index, siblings, "invalid"},
			"over the size cap":     {make([]byte, 400_001), blockHash, index, siblings, "at most 400000"},
		} {
			reason := reverts(t, c, ibitcoin.Address, pack(t, ibitcoin.MethodVerifyTx, tc.tx, tc.blockHash, tc.index, tc.siblings))
			requireContains(t, reason, "IBitcoin.verifyTx: ", tc.want)
			t.Logf("%s: %s", name, reason)
		}
	})

	t.Run("a sent transaction", func(t *testing.T) {
		v := vectorsAt(t, 830000)[3]
		tx, blockHash, index, siblings := proofArgs(t, v)
		to := ibitcoin.Address
		sent := c.SignEthTx(c.Accounts[1], &to, pack(t, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings), 1_000_000)
		apptest.RequireTxOK(t, c.FinalizeTxs(sent), 0)
	})

	t.Run("through a contract's STATICCALL", func(t *testing.T) {
		fwd := deploy(t, c, creationCode(nil, forwarderCode(ibitcoin.Address)))[0]
		for _, data := range [][]byte{
			pack(t, ibitcoin.MethodTip),
			pack(t, ibitcoin.MethodHeaderByHeight, uint64(830000)),
			pack(t, ibitcoin.MethodKeystone, uint64(7)),
			pack(t, ibitcoin.MethodLatestSuperfinal),
		} {
			require.Equal(t, callRaw(t, c, ibitcoin.Address, data), callRaw(t, c, fwd, data))
		}
		v := vectorsAt(t, 830000)[4]
		tx, blockHash, index, siblings := proofArgs(t, v)
		data := pack(t, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings)
		require.Equal(t, callRaw(t, c, ibitcoin.Address, data), callRaw(t, c, fwd, data))
		// A revert reaches the calling contract with its reason.
		data = pack(t, ibitcoin.MethodHeaderByHeight, uint64(1))
		require.Equal(t, reverts(t, c, ibitcoin.Address, data), reverts(t, c, fwd, data))
	})

	t.Run("gas is the documented figure", func(t *testing.T) {
		v := vectorsAt(t, 830000)[5] // index 1850, the last
		tx, blockHash, index, siblings := proofArgs(t, v)
		decoded, err := bitcoin.DecodeTx(tx)
		require.NoError(t, err)
		for _, tc := range []struct {
			data []byte
			gas  uint64
		}{
			{pack(t, ibitcoin.MethodTip), ibitcoin.GasTip},
			{pack(t, ibitcoin.MethodHeaderByHeight, uint64(830000)), ibitcoin.GasHeaderByHeight},
			{pack(t, ibitcoin.MethodHeaderByHash, blockHash), ibitcoin.GasHeaderByHash},
			{pack(t, ibitcoin.MethodConfirmations, blockHash), ibitcoin.GasConfirmations},
			{pack(t, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings), ibitcoin.VerifyTxGas(len(tx), len(siblings)) + ibitcoin.VerifyTxOutputsGas(len(decoded.TxOut))},
			{pack(t, ibitcoin.MethodKeystone, uint64(3)), ibitcoin.GasKeystone},
			{pack(t, ibitcoin.MethodLatestSuperfinal), ibitcoin.GasLatestSuperfinal},
		} {
			got, err := c.EstimateGas(args(common.Address{}, ibitcoin.Address, tc.data))
			require.NoError(t, err)
			require.Equal(t, txGas(t, tc.data, tc.gas), got, "method %x", tc.data[:4])
		}
		require.Equal(t, uint64(ibitcoin.GasVerifyTx+ibitcoin.GasVerifyTxPerByte*len(tx)+ibitcoin.GasVerifyTxPerSibling*11), ibitcoin.VerifyTxGas(len(tx), 11), "verifyTx is linear in its proof")
	})

	t.Run("malformed calldata", func(t *testing.T) {
		tx, blockHash, index, siblings := proofArgs(t, vectorsAt(t, 830000)[0])
		good := pack(t, ibitcoin.MethodVerifyTx, tx, blockHash, index, siblings)
		word := func(data []byte, i int, v uint64) []byte {
			data = bytes.Clone(data)
			w := data[4+32*i : 4+32*(i+1)]
			clear(w)
			binary.BigEndian.PutUint64(w[24:], v)
			return data
		}
		selector := pack(t, ibitcoin.MethodHeaderByHeight, uint64(0))[:4]
		for name, tc := range map[string]struct {
			data []byte
			want string
		}{
			"empty":                  {nil, "no 4-byte method selector"},
			"short":                  {[]byte{1, 2, 3}, "no 4-byte method selector"},
			"unknown selector":       {[]byte{0xde, 0xad, 0xbe, 0xef}, "unknown method selector 0xdeadbeef"},
			"no arguments":           {selector, "arguments do not decode as headerByHeight(uint64)"},
			"argument cut short":     {append(bytes.Clone(selector), make([]byte, 31)...), "arguments do not decode"},
			"uint64 overflowing":     {append(bytes.Clone(selector), bytes.Repeat([]byte{0xff}, 32)...), "arguments do not decode"},
			"tx offset out of range": {word(good, 0, 1<<40), "arguments do not decode as verifyTx"},
			"huge tx length":         {word(good, 4, math.MaxUint64), "arguments do not decode"},
			"huge siblings length":   {word(good, 4+1+(len(tx)+31)/32, math.MaxUint64), "arguments do not decode"},
			"siblings cut short":     {good[:len(good)-32], "arguments do not decode"},
		} {
			reason := reverts(t, c, ibitcoin.Address, tc.data)
			requireContains(t, reason, "IBitcoin", tc.want)
			t.Logf("%s: %s", name, reason)
		}
	})

	t.Run("value is refused", func(t *testing.T) {
		from := c.Accounts[0].EthAddress()
		a := args(from, ibitcoin.Address, pack(t, ibitcoin.MethodTip))
		a.Value = (*hexutil.Big)(big.NewInt(1))
		res, err := c.EthCallArgs(a)
		require.NoError(t, err)
		require.Equal(t, "execution reverted", res.VmError)
		requireContains(t, revertReason(t, res.Ret), "send no value")
	})
}

// txGas is what a transaction calling a precompile with data costs when the precompile charges
// gas: the intrinsic gas of its calldata (or Prague's calldata floor, if higher) plus gas.
func txGas(t testing.TB, data []byte, gas uint64) uint64 {
	t.Helper()
	intrinsic, err := core.IntrinsicGas(data, nil, nil, false, true, true, true)
	require.NoError(t, err)
	floor, err := core.FloorDataGas(data)
	require.NoError(t, err)
	return max(intrinsic+gas, floor)
}

// wantOutputs are a raw transaction's outputs decoded by btcd.
func wantOutputs(t testing.TB, raw []byte) []ibitcoin.Output {
	t.Helper()
	var tx wire.MsgTx
	require.NoError(t, tx.Deserialize(bytes.NewReader(raw)))
	out := make([]ibitcoin.Output, len(tx.TxOut))
	for i, o := range tx.TxOut {
		out[i] = ibitcoin.Output{Value: uint64(o.Value), ScriptPubKey: o.PkScript}
	}
	return out
}

// outputsOf converts unpacked IBitcoin.Output[].
func outputsOf(v any) []ibitcoin.Output {
	return *abi.ConvertType(v, new([]ibitcoin.Output)).(*[]ibitcoin.Output)
}
