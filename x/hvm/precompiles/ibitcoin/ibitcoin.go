// Package ibitcoin is the IBitcoin precompile (contracts/IBitcoin.sol): Bitcoin as x/btclc sees
// it, x/pop's keystones and x/tunnel's deposits, from the state of the executing block. It
// stores nothing.
package ibitcoin

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/contracts"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Address is IBitcoin's address (IBITCOIN_PRECOMPILE_ADDRESS in IBitcoin.sol): outside
// Ethereum's precompiles (0x01–0x11, 0x100), cosmos/evm's (0x100, 0x400, 0x800–0x807) and
// Hemi's hVM range (0x40–0x49), whose 0x44 and 0x45 x/hvm also serves (package hemi).
var Address = common.HexToAddress("0x0000000000000000000000000000000000000B7C")

// The methods of IBitcoin.sol.
const (
	MethodTip              = "tip"
	MethodHeaderByHeight   = "headerByHeight"
	MethodHeaderByHash     = "headerByHash"
	MethodConfirmations    = "confirmations"
	MethodVerifyTx         = "verifyTx"
	MethodKeystone         = "keystone"
	MethodLatestSuperfinal = "latestSuperfinal"
	MethodDeposit          = "deposit"
)

// ABI is IBitcoin's ABI, from contracts/IBitcoin.abi.json.
var ABI = mustABI(contracts.IBitcoinABI)

func mustABI(js string) abi.ABI {
	a, err := abi.JSON(strings.NewReader(js))
	if err != nil {
		panic(fmt.Errorf("contracts/IBitcoin.abi.json: %w", err))
	}
	for _, name := range []string{MethodTip, MethodHeaderByHeight, MethodHeaderByHash, MethodConfirmations,
		MethodVerifyTx, MethodKeystone, MethodLatestSuperfinal, MethodDeposit} {
		if _, ok := a.Methods[name]; !ok {
			panic(fmt.Errorf("contracts/IBitcoin.abi.json has no method %s", name))
		}
	}
	return a
}

// KeystoneStatus values, as IBitcoin.KeystoneStatus numbers them.
const (
	KeystoneNone uint8 = iota
	KeystoneUnpublished
	KeystonePublished
	KeystoneSuperfinal
)

// maxSats is Bitcoin's supply, the most one output may hold.
const maxSats = int64(btcutil.MaxSatoshi)

// Output is IBitcoin.Output: one output of a proven transaction.
type Output struct {
	Value        uint64
	ScriptPubKey []byte
}

// Precompile is the IBitcoin precompile.
type Precompile struct {
	precompiles.Base
	btclc  precompiles.BTCLightClient
	pop    precompiles.PoP
	tunnel precompiles.Tunnel
}

var _ vm.PrecompiledContract = (*Precompile)(nil)

// New is the IBitcoin precompile over x/btclc, x/pop and x/tunnel.
func New(btclc precompiles.BTCLightClient, pop precompiles.PoP, tunnel precompiles.Tunnel) *Precompile {
	return &Precompile{Base: precompiles.NewBase(Address), btclc: btclc, pop: pop, tunnel: tunnel}
}

// Name implements vm.PrecompiledContract.
func (*Precompile) Name() string { return "IBitcoin" }

// RequiredGas is the documented gas of the method the input calls (gas.go), and
// precompiles.GasPerExtraInputByte for each byte past the method's ABI encoding. Input that
// calls no method, or verifyTx arguments that do not decode, cost the least a method costs: the
// call reverts before any work.
func (p *Precompile) RequiredGas(input []byte) uint64 {
	method, err := methodOf(input)
	if err != nil {
		return GasHeaderByHeight + precompiles.ExtraInputGas(len(input), 0)
	}
	if method.Name == MethodVerifyTx {
		return verifyTxRequiredGas(input[4:])
	}
	// Every other method takes static arguments only, a word each. A method without a price
	// (none: TestEveryMethodIsPricedAndAnswered) would cost the least a method costs.
	gas, _ := methodGas(method.Name)
	return gas + precompiles.ExtraInputGas(len(input), 4+32*len(method.Inputs))
}

// methodGas is the gas of a method of fixed price, and whether name is one.
func methodGas(name string) (uint64, bool) {
	switch name {
	case MethodTip:
		return GasTip, true
	case MethodHeaderByHeight:
		return GasHeaderByHeight, true
	case MethodHeaderByHash:
		return GasHeaderByHash, true
	case MethodConfirmations:
		return GasConfirmations, true
	case MethodKeystone:
		return GasKeystone, true
	case MethodLatestSuperfinal:
		return GasLatestSuperfinal, true
	case MethodDeposit:
		return GasDeposit, true
	}
	return GasHeaderByHeight, false
}

// maxVerifyTxCalldata is the longest calldata of a verifyTx that can check: the selector, the
// four head words, the largest transaction x/btclc proves with its length word, and the
// deepest Merkle path with its length word. Longer calldata reverts before it is decoded.
const maxVerifyTxCalldata = 4 + 4*32 + 32 + btclctypes.MaxProofTxSize + 31 + 32 + 32*bitcoin.MaxMerkleDepth

// verifyTxRequiredGas prices verifyTx's arguments from the lengths they declare, read in place.
// The EVM calls RequiredGas before it checks the caller's gas, so pricing must cost next to
// nothing whatever the input: no decoding, no allocation. A length the calldata cannot hold
// is clamped to what it holds; such a call reverts in Execute.
// Bytes past the canonical encoding of those lengths (the four head words, then each array's
// length word and elements, the transaction padded to a word) pay GasPerExtraInputByte.
func verifyTxRequiredGas(args []byte) uint64 {
	txBytes, siblings := declaredLength(args, 0, 1), declaredLength(args, 3, 32)
	encoded := 4*32 + 32 + (txBytes+31)/32*32 + 32 + 32*siblings
	return VerifyTxGas(txBytes, siblings) + precompiles.ExtraInputGas(len(args), encoded)
}

// declaredLength is the element count that the dynamic argument whose offset is head word
// i declares, at most what the bytes after its length word hold of elements of elemSize bytes;
// 0 when the offset or the length is out of the calldata.
func declaredLength(args []byte, i, elemSize int) int {
	off, ok := wordAt(args, 32*i)
	if !ok {
		return 0
	}
	n, ok := wordAt(args, off)
	if !ok {
		return 0
	}
	return min(n, (len(args)-off-32)/elemSize)
}

// wordAt is the 32-byte big-endian word at byte pos of b as an int, when the word is inside b
// and its value fits in b's length.
func wordAt(b []byte, pos int) (int, bool) {
	if pos < 0 || pos > len(b)-32 {
		return 0, false
	}
	w := b[pos : pos+32]
	for _, c := range w[:24] {
		if c != 0 {
			return 0, false
		}
	}
	v := binary.BigEndian.Uint64(w[24:])
	if v > uint64(len(b)) {
		return 0, false
	}
	return int(v), true
}

// Run implements vm.PrecompiledContract. Every method only reads, so readOnly (STATICCALL)
// changes nothing.
func (p *Precompile) Run(evm *vm.EVM, contract *vm.Contract, _ bool) ([]byte, error) {
	return p.Base.Run(evm, contract, p.Execute)
}

// Execute answers one call's calldata from the state in ctx: the ABI-encoded return values,
// or an error that says what is wrong (the revert reason).
func (p *Precompile) Execute(ctx sdk.Context, input []byte) ([]byte, error) {
	method, err := methodOf(input)
	if err != nil {
		return nil, err
	}
	if method.Name == MethodVerifyTx && len(input) > maxVerifyTxCalldata {
		return nil, fmt.Errorf("IBitcoin.verifyTx: calldata of %d bytes, at most %d: a transaction holds at most %d bytes and a Merkle path %d siblings",
			len(input), maxVerifyTxCalldata, btclctypes.MaxProofTxSize, bitcoin.MaxMerkleDepth)
	}
	args, err := method.Inputs.Unpack(input[4:])
	if err != nil {
		return nil, fmt.Errorf("IBitcoin.%s: arguments do not decode as %s: %w", method.Name, method.Sig, err)
	}
	out, err := p.execute(ctx, method, args)
	if err != nil {
		return nil, precompiles.Reason("IBitcoin."+method.Name, err)
	}
	return out, nil
}

// execute answers one decoded call with its ABI-encoded return values.
func (p *Precompile) execute(ctx sdk.Context, method *abi.Method, args []any) ([]byte, error) {
	switch method.Name {
	case MethodTip:
		return header(p.btclc.Tip(ctx))
	case MethodHeaderByHeight:
		return header(p.btclc.HeaderByHeight(ctx, args[0].(uint64)))
	case MethodHeaderByHash:
		info, _, err := p.btclc.KnownHeader(ctx, precompiles.InternalOrder(args[0].([32]byte)))
		return header(info, err)
	case MethodConfirmations:
		n, err := p.confirmations(ctx, args[0].([32]byte))
		if err != nil {
			return nil, err
		}
		return method.Outputs.Pack(n)
	case MethodVerifyTx:
		return p.verifyTx(ctx, args[0].([]byte), args[1].([32]byte), args[2].(uint32), args[3].([][32]byte))
	case MethodKeystone:
		status, confirmations, superfinal, err := p.keystone(ctx, args[0].(uint64))
		if err != nil {
			return nil, err
		}
		return method.Outputs.Pack(status, confirmations, superfinal)
	case MethodLatestSuperfinal:
		height, err := p.pop.LatestSuperfinal(ctx)
		if err != nil {
			return nil, err
		}
		return method.Outputs.Pack(height)
	case MethodDeposit:
		d, recipient, found, err := p.tunnel.DepositOf(ctx, precompiles.InternalOrder(args[0].([32]byte)), args[1].(uint32))
		if err != nil {
			return nil, err
		}
		if !found {
			return method.Outputs.Pack(uint8(tunneltypes.DEPOSIT_STATUS_UNSPECIFIED), uint64(0), common.Address{}, uint64(0))
		}
		// IBitcoin.DepositStatus numbers the statuses as x/tunnel's DepositStatus does.
		return method.Outputs.Pack(uint8(d.Status), d.Amount, common.BytesToAddress(recipient), d.MintedHeight)
	}
	return nil, fmt.Errorf("%w: %s", errNoHandler, method.Name)
}

// errNoHandler would mean IBitcoin.sol's ABI gained a method that execute does not answer;
// TestEveryMethodIsPricedAndAnswered keeps it unreachable.
var errNoHandler = errors.New("IBitcoin: the ABI names a method this precompile does not answer")

// methodOf finds the method the calldata's selector names.
func methodOf(input []byte) (*abi.Method, error) {
	if len(input) < 4 {
		return nil, fmt.Errorf("IBitcoin: calldata of %d bytes has no 4-byte method selector", len(input))
	}
	method, err := ABI.MethodById(input[:4])
	if err != nil {
		return nil, fmt.Errorf("IBitcoin: unknown method selector 0x%x: see contracts/IBitcoin.sol", input[:4])
	}
	return method, nil
}

// header is a stored header's IBitcoin.Header, ABI-encoded.
func header(info btclctypes.HeaderInfo, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	h, err := precompiles.NewHeader(info)
	if err != nil {
		return nil, err
	}
	return encodeHeader(h), nil
}

// confirmations is the block's depth on the main chain, and 0 for any block that is not on it:
// one on a side branch, and also one the light client does not hold. A block a reorg replaced
// is in neither store (x/btclc keeps no stale canonical headers), and a contract that saw it
// confirmed must read 0 then, not a revert that would leave it stuck. headerByHash tells a
// mistyped hash apart: it reverts for a block the light client does not hold.
func (p *Precompile) confirmations(ctx sdk.Context, blockHash [32]byte) (uint64, error) {
	info, canonical, err := p.btclc.KnownHeader(ctx, precompiles.InternalOrder(blockHash))
	if errors.Is(err, btclctypes.ErrHeaderNotFound) {
		return 0, nil
	}
	if err != nil || !canonical {
		return 0, err
	}
	tip, err := p.btclc.Tip(ctx)
	if err != nil {
		return 0, err
	}
	return tip.Height - info.Height + 1, nil
}

// verifyTx checks the proof with x/btclc's VerifyProof, the chain's one SPV verifier, and
// returns the proven transaction's outputs. They are part of the bytes the txid commits to
// (the witness is not), so the Merkle proof covers everything returned.
func (p *Precompile) verifyTx(ctx sdk.Context, tx []byte, blockHash [32]byte, index uint32, siblings [][32]byte) ([]byte, error) {
	proof := &btclctypes.InclusionProof{
		Tx:             tx,
		BtcBlockHash:   hex.EncodeToString(blockHash[:]), // display order, as the proof type wants it
		TxIndex:        index,
		MerkleSiblings: make([][]byte, len(siblings)),
	}
	for i := range siblings {
		proof.MerkleSiblings[i] = siblings[i][:]
	}
	proven, err := p.btclc.VerifyProof(ctx, proof)
	if err != nil {
		return nil, err
	}
	// Charged once the proof has checked, before the outputs are encoded; out of gas here ends
	// the call as out of gas (precompiles.Base.Run).
	ctx.GasMeter().ConsumeGas(VerifyTxOutputsGas(len(proven.Tx.TxOut)), "IBitcoin.verifyTx outputs")
	for i, out := range proven.Tx.TxOut {
		// A valid transaction's outputs are each within Bitcoin's supply; a header is all the
		// light client checks of a block, so the transaction's own rules are checked here.
		if out.Value < 0 || out.Value > maxSats {
			return nil, fmt.Errorf("output %d has a value of %d sats, outside 0 to %d: not a valid Bitcoin transaction", i, out.Value, maxSats)
		}
	}
	return encodeVerifyTx(precompiles.DisplayOrder(proven.TxID), proven.Block.Height, proven.Confirmations, proven.Tx.TxOut), nil
}

// keystone is the keystone's status as x/pop's KeystoneStatus reports it. A height with no
// keystone is KeystoneNone, not an error: the chain may not have reached it, or it is not a
// multiple of keystone_interval.
func (p *Precompile) keystone(ctx sdk.Context, height uint64) (status uint8, confirmations uint64, superfinal bool, err error) {
	st, err := p.pop.KeystoneAnchoring(ctx, height)
	switch {
	case errors.Is(err, poptypes.ErrUnknownKeystone):
		return KeystoneNone, 0, false, nil
	case err != nil:
		return 0, 0, false, err
	}
	status = KeystoneUnpublished
	switch {
	case st.Superfinal:
		status = KeystoneSuperfinal
	case st.Confirmations > 0:
		status = KeystonePublished
	}
	return status, st.Confirmations, st.Superfinal, nil
}
