package hvm_test

import (
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	evmtypes "github.com/cosmos/evm/x/vm/types"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// mainnetTip is the last header of the real run, the tip of mainnetChain.
const mainnetTip = 830592

// mainnetChain is an in-process hemid chain whose x/btclc holds the real mainnet headers from
// datagen.MainnetBase (824544) to 830592 from its genesis. (The run starts at 822528, but a base
// needs its 10 real ancestors, which the test data has only from 824534 on.)
func mainnetChain(t testing.TB) *apptest.Chain {
	t.Helper()
	gs := datagen.MainnetGenesis(t, mainnetTip)
	return apptest.New(t, apptest.Options{Genesis: func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		state[btclctypes.ModuleName] = cdc.MustMarshalJSON(gs)
	}})
}

// pack is the calldata of an IBitcoin method.
func pack(t testing.TB, method string, args ...any) []byte {
	t.Helper()
	data, err := ibitcoin.ABI.Pack(method, args...)
	require.NoError(t, err)
	return data
}

// callRaw runs an eth_call and fails the test if it reverts.
func callRaw(t testing.TB, c *apptest.Chain, to common.Address, data []byte) []byte {
	t.Helper()
	res, err := c.EthCall(to, data)
	require.NoError(t, err)
	if res.VmError != "" {
		reason, _ := abi.UnpackRevert(res.Ret)
		t.Fatalf("call to %s failed: %s: %s", to, res.VmError, reason)
	}
	return res.Ret
}

// call runs an eth_call of an IBitcoin method and returns its unpacked return values.
func call(t testing.TB, c *apptest.Chain, method string, args ...any) []any {
	t.Helper()
	out, err := ibitcoin.ABI.Unpack(method, callRaw(t, c, ibitcoin.Address, pack(t, method, args...)))
	require.NoError(t, err)
	return out
}

// reverts runs an eth_call that must revert and returns its reason.
func reverts(t testing.TB, c *apptest.Chain, to common.Address, data []byte) string {
	t.Helper()
	res, err := c.EthCall(to, data)
	require.NoError(t, err)
	require.Equal(t, "execution reverted", res.VmError, "call to %s with %x did not revert", to, data)
	return revertReason(t, res.Ret)
}

// revertReason decodes Error(string) revert data; it fails on anything else, so every revert
// of the precompiles is shown to carry a readable reason.
func revertReason(t testing.TB, ret []byte) string {
	t.Helper()
	reason, err := abi.UnpackRevert(ret)
	require.NoError(t, err, "revert data %x is not Error(string)", ret)
	return reason
}

// headerOf converts an unpacked IBitcoin.Header.
func headerOf(t testing.TB, v any) precompiles.Header {
	t.Helper()
	return *abi.ConvertType(v, new(precompiles.Header)).(*precompiles.Header)
}

// wantHeader is the header at height as a contract should see it, derived from the real data
// with btcd's decoding, not x/hvm's.
func wantHeader(t testing.TB, run *datagen.HeaderRun, height uint64, work *big.Int) precompiles.Header {
	t.Helper()
	h := run.At(t, height)
	return precompiles.Header{
		Height:         height,
		Hash:           display(t, h.BlockHash().String()),
		Version:        uint32(h.Version),
		PrevHash:       display(t, h.PrevBlock.String()),
		MerkleRoot:     display(t, h.MerkleRoot.String()),
		Time:           uint32(h.Timestamp.Unix()),
		Bits:           h.Bits,
		Nonce:          h.Nonce,
		CumulativeWork: work,
	}
}

// workAt is the real chain work at height: the boundary file's chainwork at the period start
// below it plus each header's own work.
func workAt(t testing.TB, run *datagen.HeaderRun, height uint64) *big.Int {
	t.Helper()
	start := height - height%bitcoin.RetargetInterval
	work := new(big.Int).Set(datagen.LoadBoundaries(t)[start].ChainWork)
	for h := start + 1; h <= height; h++ {
		work.Add(work, bitcoin.CalcWork(run.At(t, h).Bits))
	}
	return work
}

// display parses 64 hex characters as bytes32 (as a user pastes a hash from an explorer).
func display(t testing.TB, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	require.Len(t, b, 32)
	return [32]byte(b)
}

// proofArgs are verifyTx's arguments for a real SPV vector.
func proofArgs(t testing.TB, v datagen.SPVVector) (tx []byte, blockHash [32]byte, index uint32, siblings [][32]byte) {
	t.Helper()
	for _, s := range v.Branch(t) {
		siblings = append(siblings, [32]byte(s)) // internal order, as the interface wants
	}
	return datagen.MustHex(t, v.TxHex), display(t, v.BlockHash), v.Index, siblings
}

// vectorsAt are the real proofs of a mainnet block.
func vectorsAt(t testing.TB, height uint64) []datagen.SPVVector {
	t.Helper()
	var out []datagen.SPVVector
	for _, v := range datagen.LoadSPVVectors(t) {
		if v.Network == "mainnet" && v.Height != nil && *v.Height == height {
			out = append(out, v)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// Contracts in raw EVM bytecode, small enough to read (each opcode is commented where it is
// built), so the tests need no compiler.

// forwarderCode is the runtime code of a contract that STATICCALLs target with its own
// calldata, with all its gas, and returns what the call returned, or reverts with it: what a
// Solidity contract's `target.staticcall(data)` followed by a bubbled revert does.
func forwarderCode(target common.Address) []byte {
	code := []byte{
		0x36, 0x5f, 0x5f, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
		0x5f, 0x5f, 0x36, 0x5f, // retSize 0, retOffset 0, argsSize CALLDATASIZE, argsOffset 0
		0x73, // PUSH20 target
	}
	code = append(code, target.Bytes()...)
	return append(code,
		0x5a, 0xfa, // GAS, STATICCALL
		0x3d, 0x5f, 0x5f, 0x3e, // RETURNDATACOPY(0, 0, RETURNDATASIZE)
		0x60, 0x29, 0x57, // PUSH1 0x29 (the JUMPDEST), JUMPI on success
		0x3d, 0x5f, 0xfd, // REVERT(0, RETURNDATASIZE)
		0x5b, 0x3d, 0x5f, 0xf3, // JUMPDEST, RETURN(0, RETURNDATASIZE)
	)
}

// sloadLoopCode is the runtime code of a contract whose whole work is storage reads, the
// baseline of the benchmarks: its calldata is laid out as batchCallerCode's, each input a slot
// number, and it reads each of those slots with SLOAD, in a loop like batchCallerCode's.
var sloadLoopCode = []byte{
	0x36, 0x5f, 0x5f, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
	0x60, 0x20, // PUSH1 32: p, the offset of the next input's length word
	0x5b,                                           // JUMPDEST (offset 6): the loop
	0x80, 0x36, 0x11, 0x15, 0x61, 0x00, 0x1d, 0x57, // if !(CALLDATASIZE > p) jump to the end (offset 0x1d)
	0x80, 0x60, 0x20, 0x01, 0x51, 0x54, 0x50, // POP(SLOAD(MLOAD(p+32)))
	0x60, 0x40, 0x01, // p = p + 64
	0x61, 0x00, 0x06, 0x56, // jump back to the loop
	0x5b, 0x00, // JUMPDEST (offset 0x1d), STOP
}

// setSlots is constructor code that stores 1 in slots 1 to n, so sloadLoopCode reads written
// slots.
func setSlots(n byte) []byte {
	return []byte{
		0x60, n, // PUSH1 n: the slot counter i
		0x5b,                         // JUMPDEST (offset 2)
		0x80, 0x15, 0x60, 0x13, 0x57, // if i == 0 jump to the end (offset 0x13)
		0x60, 0x01, 0x81, 0x55, // SSTORE(i, 1)
		0x60, 0x01, 0x90, 0x03, // i = i - 1
		0x60, 0x02, 0x56, // jump back to offset 2
		0x5b, 0x50, // JUMPDEST, POP i
	}
}

// batchCallerCode is the runtime code of a contract that makes many calls in one: its calldata
// is the target's address as a word, then each input as a word holding its length and its bytes
// padded to whole words. It STATICCALLs the target with each input in turn, with all its gas,
// and reverts with the first failing call's revert data.
var batchCallerCode = []byte{
	0x36, 0x5f, 0x5f, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
	0x60, 0x20, // PUSH1 32: p, the offset of the next input's length word
	0x5b,                                           // JUMPDEST (offset 6): the loop
	0x80, 0x36, 0x11, 0x15, 0x61, 0x00, 0x32, 0x57, // if !(CALLDATASIZE > p) jump to the end (offset 0x32)
	0x80, 0x51, // n = MLOAD(p)
	0x5f, 0x5f, 0x82, 0x84, 0x60, 0x20, 0x01, // retSize 0, retOffset 0, argsSize n, argsOffset p+32
	0x5f, 0x51, 0x5a, 0xfa, // target MLOAD(0), GAS, STATICCALL
	0x15, 0x61, 0x00, 0x34, 0x57, // on failure jump to offset 0x34
	0x60, 0x1f, 0x01, 0x60, 0x05, 0x1c, 0x60, 0x05, 0x1b, // n rounded up to whole words
	0x01, 0x60, 0x20, 0x01, // p = p + 32 + that
	0x61, 0x00, 0x06, 0x56, // jump back to the loop
	0x5b, 0x00, // JUMPDEST (offset 0x32), STOP
	0x5b, 0x3d, 0x5f, 0x5f, 0x3e, 0x3d, 0x5f, 0xfd, // JUMPDEST (offset 0x34), REVERT with the call's data
}

// batchCalldata is batchCallerCode's calldata for calls of target with inputs.
func batchCalldata(target common.Address, inputs [][]byte) []byte {
	data := common.LeftPadBytes(target.Bytes(), 32)
	for _, in := range inputs {
		data = append(data, common.BigToHash(big.NewInt(int64(len(in)))).Bytes()...)
		data = append(data, in...)
		data = append(data, make([]byte, (32-len(in)%32)%32)...)
	}
	return data
}

// creationCode runs init, then returns runtime as the contract's code.
func creationCode(init, runtime []byte) []byte {
	off := byte(len(init) + 10)
	n := byte(len(runtime))
	code := append([]byte{}, init...)
	code = append(code, 0x60, n, 0x60, off, 0x5f, 0x39, 0x60, n, 0x5f, 0xf3) // CODECOPY(0, off, n), RETURN(0, n)
	return append(code, runtime...)
}

// deploy creates contracts in one block, from the chain's first account, and returns their
// addresses.
func deploy(t testing.TB, c *apptest.Chain, codes ...[]byte) []common.Address {
	t.Helper()
	from := c.Accounts[0]
	var txs [][]byte
	var addrs []common.Address
	for _, code := range codes {
		addrs = append(addrs, crypto.CreateAddress(from.EthAddress(), from.Sequence))
		txs = append(txs, c.SignEthTx(from, nil, code, 2_000_000))
	}
	// Straight into a block: the EVM mempool promotes transactions asynchronously.
	res := c.FinalizeTxs(txs...)
	for i := range txs {
		apptest.RequireTxOK(t, res, i)
	}
	ctx := c.Context()
	for _, a := range addrs {
		require.NotEmpty(t, c.App().EVMKeeper.GetCode(ctx, c.App().EVMKeeper.GetCodeHash(ctx, a)), "no code at %s", a)
	}
	return addrs
}

// args are eth_call arguments.
func args(from, to common.Address, data []byte) evmtypes.TransactionArgs {
	input := hexutil.Bytes(data)
	return evmtypes.TransactionArgs{From: &from, To: &to, Input: &input}
}

// requireContains fails unless s holds every part.
func requireContains(t testing.TB, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%q does not say %q", s, p)
		}
	}
}
