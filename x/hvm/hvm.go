// Package hvm is hemid's Bitcoin-aware EVM: static precompiles that give contracts Bitcoin as
// x/btclc sees it, x/pop's keystones and x/tunnel's deposits, from the state of the executing block. x/hvm has no
// state, messages or events of its own (README.md).
package hvm

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/vm"

	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/hemi"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
)

// Precompiles are x/hvm's precompiles over x/btclc, x/pop and x/tunnel, for the EVM keeper's
// static precompiles.
func Precompiles(btclc precompiles.BTCLightClient, pop precompiles.PoP, tunnel precompiles.Tunnel) []vm.PrecompiledContract {
	return []vm.PrecompiledContract{
		ibitcoin.New(btclc, pop, tunnel),
		hemi.NewLastHeader(btclc),
		hemi.NewHeaderN(btclc),
	}
}

// Addresses are the addresses of Precompiles: they are activated at genesis and may not
// receive coins.
func Addresses() []common.Address {
	return []common.Address{ibitcoin.Address, hemi.LastHeaderAddress, hemi.HeaderNAddress}
}
