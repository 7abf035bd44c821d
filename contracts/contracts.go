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

//go:embed BitcoinProbe.bin
var bitcoinProbeBin string

// BitcoinProbeABI is the ABI JSON of BitcoinProbe.sol, a contract that calls the Bitcoin
// precompiles and logs their answers.
//
//go:embed BitcoinProbe.abi.json
var BitcoinProbeABI string

//go:embed BtcSwap.bin
var btcSwapBin string

// BtcSwapABI is the ABI JSON of BtcSwap.sol, the example BTC-for-token swap (README.md).
//
//go:embed BtcSwap.abi.json
var BtcSwapABI string

//go:embed TestToken.bin
var testTokenBin string

// TestTokenABI is the ABI JSON of TestToken.sol, a minimal ERC-20.
//
//go:embed TestToken.abi.json
var TestTokenABI string

//go:embed PausableTestToken.bin
var pausableTestTokenBin string

// PausableTestTokenABI is the ABI JSON of PausableTestToken (in TestToken.sol), a TestToken
// whose deployer can pause every transfer.
//
//go:embed PausableTestToken.abi.json
var PausableTestTokenABI string

// CounterBytecode returns the creation bytecode of Counter.sol (append the ABI-encoded
// constructor argument to deploy).
func CounterBytecode() []byte { return bytecode("Counter", counterBin) }

// BitcoinProbeBytecode returns the creation bytecode of BitcoinProbe.sol (no constructor
// arguments).
func BitcoinProbeBytecode() []byte { return bytecode("BitcoinProbe", bitcoinProbeBin) }

// BtcSwapBytecode returns the creation bytecode of BtcSwap.sol (no constructor arguments).
func BtcSwapBytecode() []byte { return bytecode("BtcSwap", btcSwapBin) }

// TestTokenBytecode returns the creation bytecode of TestToken.sol (append the ABI-encoded
// name, symbol and supply to deploy).
func TestTokenBytecode() []byte { return bytecode("TestToken", testTokenBin) }

// PausableTestTokenBytecode returns the creation bytecode of PausableTestToken (append the
// ABI-encoded name, symbol and supply to deploy).
func PausableTestTokenBytecode() []byte { return bytecode("PausableTestToken", pausableTestTokenBin) }

// bytecode decodes an embedded .bin artifact; build.sh writes them as hex, so a failure is a
// broken build, not an input error.
func bytecode(name, bin string) []byte {
	b, err := hex.DecodeString(strings.TrimSpace(bin))
	if err != nil {
		panic("contracts: " + name + ".bin is not hex: " + err.Error())
	}
	return b
}
