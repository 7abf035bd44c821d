// Package precompiles holds what x/hvm's precompiles share: the keepers they read, the
// header as they return it, and how a call runs (the executing block's state, errors as
// revert reasons).
package precompiles

import (
	"context"
	"errors"
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/ethereum/go-ethereum/core/vm"

	cmn "github.com/cosmos/evm/precompiles/common"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
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
// Every read is priced by the precompile's RequiredGas alone: the KV gas config is empty, so
// reading a store costs no extra gas and the documented figure is the whole cost.
type Base struct {
	cmn.Precompile
}

// NewBase is the base of the precompile at address.
func NewBase(address [20]byte) Base {
	return Base{cmn.Precompile{
		KvGasConfig:          storetypes.GasConfig{},
		TransientKVGasConfig: storetypes.GasConfig{},
		ContractAddress:      address,
	}}
}

// errValue is the revert reason of a call that sends value: the precompiles only read, and a
// value sent would stay at their address for good.
var errValue = errors.New("the Bitcoin precompiles are read-only: send no value")

// Run answers one call with answer, run on a context of the EVM's current state (the
// executing block's, with the writes of the transaction so far). An error reverts the call,
// its message as the revert reason (Error(string)); running out of gas is not a revert.
// answer must only read.
func (b Base) Run(evm *vm.EVM, contract *vm.Contract, answer func(ctx sdk.Context, input []byte) ([]byte, error)) ([]byte, error) {
	if v := contract.Value(); v != nil && !v.IsZero() {
		return cmn.ReturnRevertError(evm, errValue)
	}
	return b.RunNativeAction(evm, contract, func(ctx sdk.Context) ([]byte, error) {
		return answer(ctx, contract.Input)
	})
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
