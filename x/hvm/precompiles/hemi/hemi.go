// Package hemi serves Hemi's raw hVM header precompiles at their Hemi addresses, so a contract
// written for Hemi's header calls works on hemid unchanged: 0x44 (the last header) and 0x45 (the
// header at a height). Their output is Hemi's 116-byte layout (HeaderLayout). The layout and
// the input of 0x45 follow hemilabs/op-geth, core/vm/contracts.go (btcLastHeader, btcHeaderN).
package hemi

import (
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"

	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// Hemi's addresses of the two header calls.
var (
	LastHeaderAddress = common.BytesToAddress([]byte{0x44})
	HeaderNAddress    = common.BytesToAddress([]byte{0x45})
)

// Gas of each call: one header read each (the tip after its height), priced as
// IBitcoin's tip() and headerByHeight() are.
const (
	GasLastHeader = ibitcoin.GasTip
	GasHeaderN    = ibitcoin.GasHeaderByHeight
)

// HeaderSize is the length of HeaderLayout's output.
const HeaderSize = 116

// HeaderLayout is a header in Hemi's layout, 116 bytes: height (4), hash (32), version (4),
// previous block hash (32), merkle root (32), time (4), bits (4), nonce (4). Integers are
// big-endian; hashes are in display order (op-geth reverses the internal bytes of each).
func HeaderLayout(h precompiles.Header) []byte {
	out := make([]byte, 0, HeaderSize)
	// Hemi's height is 4 bytes; a Bitcoin height fits (x/btclc refuses a base at 2^31 or above).
	out = binary.BigEndian.AppendUint32(out, uint32(h.Height))
	out = append(out, h.Hash[:]...)
	out = binary.BigEndian.AppendUint32(out, h.Version)
	out = append(out, h.PrevHash[:]...)
	out = append(out, h.MerkleRoot[:]...)
	out = binary.BigEndian.AppendUint32(out, h.Time)
	out = binary.BigEndian.AppendUint32(out, h.Bits)
	out = binary.BigEndian.AppendUint32(out, h.Nonce)
	return out
}

// LastHeader is 0x44: the light client's main-chain tip. Like Hemi's, it reads no input.
type LastHeader struct {
	precompiles.Base
	btclc precompiles.BTCLightClient
}

// HeaderN is 0x45: the main-chain header at the height its input names, 4 bytes big-endian
// (abi.encodePacked(uint32 height)); any other input length reverts, as on Hemi.
type HeaderN struct {
	precompiles.Base
	btclc precompiles.BTCLightClient
}

var (
	_ vm.PrecompiledContract = (*LastHeader)(nil)
	_ vm.PrecompiledContract = (*HeaderN)(nil)
)

// NewLastHeader is 0x44 over x/btclc.
func NewLastHeader(btclc precompiles.BTCLightClient) *LastHeader {
	return &LastHeader{Base: precompiles.NewBase(LastHeaderAddress), btclc: btclc}
}

// NewHeaderN is 0x45 over x/btclc.
func NewHeaderN(btclc precompiles.BTCLightClient) *HeaderN {
	return &HeaderN{Base: precompiles.NewBase(HeaderNAddress), btclc: btclc}
}

// Name implements vm.PrecompiledContract.
func (*LastHeader) Name() string { return "BtcLastHeader" }

// Name implements vm.PrecompiledContract.
func (*HeaderN) Name() string { return "BtcHeaderN" }

// RequiredGas implements vm.PrecompiledContract.
// Its input is empty; each byte given pays precompiles.GasPerExtraInputByte.
func (*LastHeader) RequiredGas(input []byte) uint64 {
	return GasLastHeader + precompiles.ExtraInputGas(len(input), 0)
}

// RequiredGas implements vm.PrecompiledContract.
// Its input is the 4-byte height; each byte past it pays precompiles.GasPerExtraInputByte.
func (*HeaderN) RequiredGas(input []byte) uint64 {
	return GasHeaderN + precompiles.ExtraInputGas(len(input), 4)
}

// Run implements vm.PrecompiledContract.
func (p *LastHeader) Run(evm *vm.EVM, contract *vm.Contract, _ bool) ([]byte, error) {
	return p.Base.Run(evm, contract, p.Execute)
}

// Run implements vm.PrecompiledContract.
func (p *HeaderN) Run(evm *vm.EVM, contract *vm.Contract, _ bool) ([]byte, error) {
	return p.Base.Run(evm, contract, p.Execute)
}

// Execute answers a call from the state in ctx.
func (p *LastHeader) Execute(ctx sdk.Context, _ []byte) ([]byte, error) {
	out, err := layout(p.btclc.Tip(ctx))
	if err != nil {
		return nil, precompiles.Reason("BtcLastHeader (0x44)", err)
	}
	return out, nil
}

// Execute answers a call from the state in ctx.
func (p *HeaderN) Execute(ctx sdk.Context, input []byte) ([]byte, error) {
	if len(input) != 4 {
		return nil, fmt.Errorf("BtcHeaderN (0x45): input is %d bytes, want the height as 4 bytes big-endian (abi.encodePacked(uint32))", len(input))
	}
	out, err := layout(p.btclc.HeaderByHeight(ctx, uint64(binary.BigEndian.Uint32(input))))
	if err != nil {
		return nil, precompiles.Reason("BtcHeaderN (0x45)", err)
	}
	return out, nil
}

func layout(info btclctypes.HeaderInfo, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	h, err := precompiles.NewHeader(info)
	if err != nil {
		return nil, err
	}
	return HeaderLayout(h), nil
}
