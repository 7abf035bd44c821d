// Package contracts ships the compiled Solidity contracts used by hemid's tests and examples.
// build.sh reproduces the artifacts from the sources with a pinned solc.
package contracts

import (
	_ "embed"
	"encoding/hex"
	"strings"
)

//go:embed Counter.bin
var counterBin string

// CounterABI is the ABI JSON of Counter.sol.
//
//go:embed Counter.abi.json
var CounterABI string

// IBitcoinABI is the ABI JSON of IBitcoin.sol, the interface of x/hvm's IBitcoin precompile.
//
//go:embed IBitcoin.abi.json
var IBitcoinABI string

// CounterBytecode returns the creation bytecode of Counter.sol (append the ABI-encoded
// constructor argument to deploy).
func CounterBytecode() []byte {
	b, err := hex.DecodeString(strings.TrimSpace(counterBin))
	if err != nil {
		panic("contracts: Counter.bin is not hex: " + err.Error())
	}
	return b
}
