// Package precompiles holds what x/hvm's precompiles share: the keepers they read, the
// header as they return it, and how a call runs (the executing block's state, errors as
// revert reasons).
package precompiles

import (
	"context"
	"errors"
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/tracing"
	"github.com/ethereum/go-ethereum/core/vm"

	cmn "github.com/cosmos/evm/precompiles/common"
	"github.com/cosmos/evm/x/vm/statedb"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// BTCLightClient is what the precompiles read of x/btclc.
type BTCLightClient interface {
	Tip(ctx context.Context) (btclctypes.HeaderInfo, error)
	HeaderByHeight(ctx context.Context, height uint64) (btclctypes.HeaderInfo, error)
	KnownHeader(ctx context.Context, hash chainhash.Hash) (info btclctypes.HeaderInfo, canonical bool, err error)
	VerifyProof(ctx context.Context, proof *btclctypes.InclusionProof) (btclctypes.ProvenTx, error)
}

// PoP is what the precompiles read of x/pop.
type PoP interface {
	KeystoneAnchoring(ctx context.Context, height uint64) (poptypes.KeystoneStatus, error)
	LatestSuperfinal(ctx context.Context) (uint64, error)
}

// Tunnel is what the precompiles read of x/tunnel.
type Tunnel interface {
	DepositOf(ctx context.Context, txid chainhash.Hash, vout uint32) (d tunneltypes.Deposit, recipient []byte, found bool, err error)
}

// Header is a stored Bitcoin header decoded for a contract. Hashes are in display order (the
// order explorers print), the field names are IBitcoin.Header's, so the ABI packs it as is.
type Header struct {
	Height         uint64
	Hash           [32]byte
	Version        uint32
	PrevHash       [32]byte
	MerkleRoot     [32]byte
	Time           uint32
	Bits           uint32
	Nonce          uint32
	CumulativeWork *big.Int
}

// NewHeader decodes a header x/btclc stores.
func NewHeader(info btclctypes.HeaderInfo) (Header, error) {
	bh, err := info.BlockHeader()
	if err != nil {
		return Header{}, err
	}
	return Header{
		Height:     info.Height,
		Hash:       DisplayOrder(info.Hash()),
		Version:    uint32(bh.Version), // the 4 bytes of the header, as Bitcoin's RPCs show them unsigned
		PrevHash:   DisplayOrder(bh.PrevBlock),
		MerkleRoot: DisplayOrder(bh.MerkleRoot),
		// A header's time is 4 bytes on the wire: Unix() gives them back.
		Time:           uint32(bh.Timestamp.Unix()),
		Bits:           bh.Bits,
		Nonce:          bh.Nonce,
		CumulativeWork: info.Work(),
	}, nil
}

// DisplayOrder is a hash in display order: its internal bytes reversed.
func DisplayOrder(h chainhash.Hash) [32]byte {
	var out [32]byte
	for i := range h {
		out[chainhash.HashSize-1-i] = h[i]
	}
	return out
}

// InternalOrder is a display-order hash in internal order.
func InternalOrder(display [32]byte) chainhash.Hash {
	return chainhash.Hash(DisplayOrder(display))
}

// Base is the part of a precompile that runs a call against the executing block's state.
type Base struct {
	address common.Address
}

// NewBase is the base of the precompile at address.
func NewBase(address common.Address) Base { return Base{address: address} }

// Address implements vm.PrecompiledContract.
func (b Base) Address() common.Address { return b.address }

// GasPerExtraInputByte is charged for each byte of a call's input beyond its method's ABI
// encoding. The EVM copies a precompile's whole input before it prices the call, and a contract
// can pass the same megabyte of memory call after call, so a method priced by its work alone
// would take that copy for free. Input encoded as the ABI encodes it pays nothing more.
const GasPerExtraInputByte = 3

// ExtraInputGas is GasPerExtraInputByte for each byte of an input of inputLen bytes past the
// encodedLen its method's arguments take.
func ExtraInputGas(inputLen, encodedLen int) uint64 {
	if inputLen <= encodedLen {
		return 0
	}
	return GasPerExtraInputByte * uint64(inputLen-encodedLen)
}

// errValue is the revert reason of a call that sends value: the precompiles only read, and a
// value sent would stay at their address for good.
var errValue = errors.New("the Bitcoin precompiles are read-only: send no value")

// Run answers one call with answer, on the context the EVM's statedb reads the chain from: the
// executing block's state, with the transactions before this one. An error reverts the call,
// its message as the revert reason (Error(string)).
//
// answer only reads x/btclc and x/pop, which nothing writes while the EVM runs (no precompile
// writes them, and a transaction's Cosmos messages run before or after its EVM execution, not
// during it). So the call takes none of what cosmos/evm's writing precompiles need
// (cmn.Precompile.RunNativeAction): no cache of every store, no snapshot, no journal entry, no
// flush of the EVM's pending writes into it. That is most of the cost of a precompile call, and
// it spares these calls cosmos/evm's limit of 20 snapshotting precompile calls per transaction.
// (A precompile that writes x/btclc or x/pop would have to change this to the statedb's cache
// context.) The context has no store gas: every read is priced by RequiredGas, so the documented
// figure is the cost. Its gas meter holds the call's remaining gas for what only the answer
// can size (verifyTx's outputs): answer charges that with ConsumeGas, Run takes it from the
// call's gas, and a charge beyond it ends the call out of gas.
func (b Base) Run(evm *vm.EVM, contract *vm.Contract, answer func(ctx sdk.Context, input []byte) ([]byte, error)) ([]byte, error) {
	if v := contract.Value(); v != nil && !v.IsZero() {
		return cmn.ReturnRevertError(evm, errValue)
	}
	stateDB, ok := evm.StateDB.(*statedb.StateDB)
	if !ok {
		return nil, errors.New("x/hvm precompile: not run in cosmos/evm's EVM")
	}
	meter := storetypes.NewGasMeter(contract.Gas)
	ctx := stateDB.GetContext().WithGasMeter(meter).
		WithKVGasConfig(storetypes.GasConfig{}).
		WithTransientKVGasConfig(storetypes.GasConfig{})
	out, err := meteredAnswer(ctx, answer, contract.Input)
	switch {
	case errors.Is(err, vm.ErrOutOfGas):
		contract.UseGas(contract.Gas, nil, tracing.GasChangeCallFailedExecution)
		return nil, vm.ErrOutOfGas
	case err != nil:
		return cmn.ReturnRevertError(evm, err)
	}
	if !contract.UseGas(meter.GasConsumed(), nil, tracing.GasChangeCallPrecompiledContract) {
		return nil, vm.ErrOutOfGas
	}
	return out, nil
}

// meteredAnswer runs answer, turning the gas meter's out-of-gas panic into vm.ErrOutOfGas.
func meteredAnswer(ctx sdk.Context, answer func(ctx sdk.Context, input []byte) ([]byte, error), input []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(storetypes.ErrorOutOfGas); !ok {
				panic(r)
			}
			out, err = nil, vm.ErrOutOfGas
		}
	}()
	return answer(ctx, input)
}

// Reason prefixes an error with what was called, for the revert reason. It prints the error's
// message alone (a registered error formatted with %v would add its source line) and still
// matches it with errors.Is.
func Reason(call string, err error) error {
	return reasonError{call: call, err: err}
}

type reasonError struct {
	call string
	err  error
}

func (e reasonError) Error() string { return e.call + ": " + e.err.Error() }

func (e reasonError) Unwrap() error { return e.err }
