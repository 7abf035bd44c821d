package ibitcoin

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// verifyTxCalldata is verifyTx calldata with the given head words and the given bytes after
// them, however inconsistent.
func verifyTxCalldata(txOffset, siblingsOffset uint64, tail []byte) []byte {
	data := append([]byte{}, ABI.Methods[MethodVerifyTx].ID...)
	head := make([]byte, 4*32)
	binary.BigEndian.PutUint64(head[24:32], txOffset)
	binary.BigEndian.PutUint64(head[3*32+24:4*32], siblingsOffset)
	return append(append(data, head...), tail...)
}

func lengthWord(n uint64) []byte {
	w := make([]byte, 32)
	binary.BigEndian.PutUint64(w[24:], n)
	return w
}

// The EVM prices a call before it checks the caller's gas, so pricing a huge verifyTx must not
// decode it: a contract could otherwise loop calls with no gas over a megabyte of calldata and
// make every validator decode it each time, for about a hundred gas a call.
func TestVerifyTxPricingReadsInPlace(t *testing.T) {
	p := New(nil, nil, nil)
	// 32,768 siblings declared and present: a megabyte.
	const n = 32_768
	tail := append(lengthWord(0), lengthWord(n)...) // tx: empty bytes at 128; siblings at 160
	tail = append(tail, make([]byte, 32*n)...)
	data := verifyTxCalldata(128, 160, tail)

	require.Equal(t, VerifyTxGas(0, n), p.RequiredGas(data), "the declared siblings are priced")
	tip := ABI.Methods[MethodTip].ID
	require.Equal(t, testing.AllocsPerRun(10, func() { p.RequiredGas(tip) }), testing.AllocsPerRun(10, func() { p.RequiredGas(data) }),
		"pricing a megabyte of verifyTx allocates no more than pricing tip()")

	// A length the calldata cannot hold is clamped to what it holds; lengths and offsets beyond
	// the calldata's size price nothing.
	tooLong := verifyTxCalldata(128, 160, append(append(lengthWord(0), lengthWord(100)...), make([]byte, 64)...))
	require.Equal(t, VerifyTxGas(0, 2), p.RequiredGas(tooLong))
	beyond := verifyTxCalldata(128, 160, append(append(lengthWord(0), lengthWord(1<<40)...), make([]byte, 64)...))
	require.Equal(t, VerifyTxGas(0, 0)+64*precompiles.GasPerExtraInputByte, p.RequiredGas(beyond),
		"the 64 bytes of siblings the length does not cover pay as extra input")
	outside := verifyTxCalldata(1<<62, 1<<62, nil)
	require.Equal(t, VerifyTxGas(0, 0), p.RequiredGas(outside))
	huge := verifyTxCalldata(128, 160, append(lengthWord(0), append([]byte{0xff}, make([]byte, 31)...)...))
	require.Equal(t, VerifyTxGas(0, 0), p.RequiredGas(huge), "a length word above 2^64 prices nothing")
}

// Calldata longer than any verifyTx that can check is refused before it is decoded.
func TestVerifyTxRefusesOversizedCalldata(t *testing.T) {
	p := New(nil, nil, nil)
	data := verifyTxCalldata(128, 160, make([]byte, maxVerifyTxCalldata))
	_, err := p.Execute(sdk.Context{}, data)
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "calldata of"), err.Error())
}

// Input past a method's ABI encoding pays GasPerExtraInputByte a byte: the EVM copies all of it
// before pricing, and a fixed-price method would take a megabyte for its own figure. The ABI's
// own encoding of each method's arguments pays the method's figure exactly.
func TestExtraInputIsCharged(t *testing.T) {
	p := New(nil, nil, nil)
	const extra = 1000
	for name := range ABI.Methods {
		data := packTestCall(t, name)
		want, _ := methodGas(name)
		if name == MethodVerifyTx {
			want = VerifyTxGas(373, 11)
		}
		require.Equal(t, want, p.RequiredGas(data), "%s, ABI-encoded", name)
		require.Equal(t, want+extra*precompiles.GasPerExtraInputByte, p.RequiredGas(append(data, make([]byte, extra)...)), "%s with %d bytes more", name, extra)
	}
	unknown := append([]byte{0xde, 0xad, 0xbe, 0xef}, make([]byte, extra)...)
	require.Equal(t, uint64(GasHeaderByHeight+(4+extra)*precompiles.GasPerExtraInputByte), p.RequiredGas(unknown), "input that names no method")
}

// packTestCall is calldata of method name with a value of each argument's type (a 373-byte
// transaction and 11 siblings for verifyTx).
func packTestCall(t *testing.T, name string) []byte {
	t.Helper()
	var args []any
	for _, in := range ABI.Methods[name].Inputs {
		switch in.Type.String() {
		case "uint64":
			args = append(args, uint64(830000))
		case "uint32":
			args = append(args, uint32(1))
		case "bytes32":
			args = append(args, [32]byte{1})
		case "bytes":
			args = append(args, make([]byte, 373))
		case "bytes32[]":
			args = append(args, make([][32]byte, 11))
		default:
			t.Fatalf("%s: argument type %s has no test value", name, in.Type)
		}
	}
	data, err := ABI.Pack(name, args...)
	require.NoError(t, err)
	return data
}

// errKeeperRead is what failingKeepers answers every read with.
var errKeeperRead = errors.New("keeper read")

// failingKeepers are x/btclc, x/pop and x/tunnel whose every read fails with errKeeperRead: a
// call that gets that error back was dispatched to its method's handler.
type failingKeepers struct{}

func (failingKeepers) Tip(context.Context) (btclctypes.HeaderInfo, error) {
	return btclctypes.HeaderInfo{}, errKeeperRead
}
func (failingKeepers) HeaderByHeight(context.Context, uint64) (btclctypes.HeaderInfo, error) {
	return btclctypes.HeaderInfo{}, errKeeperRead
}
func (failingKeepers) KnownHeader(context.Context, chainhash.Hash) (btclctypes.HeaderInfo, bool, error) {
	return btclctypes.HeaderInfo{}, false, errKeeperRead
}
func (failingKeepers) VerifyProof(context.Context, *btclctypes.InclusionProof) (btclctypes.ProvenTx, error) {
	return btclctypes.ProvenTx{}, errKeeperRead
}
func (failingKeepers) KeystoneAnchoring(context.Context, uint64) (poptypes.KeystoneStatus, error) {
	return poptypes.KeystoneStatus{}, errKeeperRead
}
func (failingKeepers) LatestSuperfinal(context.Context) (uint64, error) { return 0, errKeeperRead }
func (failingKeepers) DepositOf(context.Context, chainhash.Hash, uint32) (tunneltypes.Deposit, []byte, bool, error) {
	return tunneltypes.Deposit{}, nil, false, errKeeperRead
}

// Every method of IBitcoin.sol's ABI has a price (verifyTx its own) and a handler: a method
// added to the interface and not to the precompile fails here, not in a contract.
func TestEveryMethodIsPricedAndAnswered(t *testing.T) {
	k := failingKeepers{}
	p := New(k, k, k)
	for name := range ABI.Methods {
		if _, priced := methodGas(name); !priced && name != MethodVerifyTx {
			t.Errorf("%s has no gas figure", name)
		}
		_, err := p.Execute(sdk.Context{}, packTestCall(t, name))
		require.NotErrorIs(t, err, errNoHandler, name)
		require.ErrorIs(t, err, errKeeperRead, "%s reaches its keeper", name)
	}
}
