// Package params holds the chain constants that must be the same on every node and in every tool:
// address prefixes, denominations and the rule that ties the EVM chain id to the Cosmos chain id.
package params

import (
	"fmt"
	"regexp"
	"strconv"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// AppName is the application name reported by the node.
	AppName = "hemid"

	// Bech32Prefix is the account address prefix. Accounts are eth_secp256k1, so the same 20 bytes
	// are shown as hemi1… here and as 0x… in the EVM.
	Bech32Prefix = "hemi"

	// BaseDenom is the staking, fee and EVM denomination (18 decimals, like wei).
	BaseDenom = "ahemi"
	// DisplayDenom is the human unit of BaseDenom.
	DisplayDenom = "hemi"
	// BaseDenomDecimals is the exponent of DisplayDenom over BaseDenom. The EVM requires 18.
	BaseDenomDecimals = 18

	// BTCDenom is the bank denomination of tunnelled bitcoin: 1 sat = 1e-8 BTC.
	BTCDenom = "sat"
	// BTCDisplayDenom is the human unit of BTCDenom.
	BTCDisplayDenom = "hbtc"
	// BTCDecimals is the exponent of BTCDisplayDenom over BTCDenom.
	BTCDecimals = 8
	// HemiBTCAddress is the EVM address of BTCDenom's ERC-20 ("hemiBTC", 8 decimals): cosmos/evm's
	// erc20 module serves it as a precompile over the bank balance, registered at genesis. It is
	// fixed, beside x/hvm's IBitcoin precompile at 0x…0B7C, outside Ethereum's and cosmos/evm's
	// precompile ranges.
	HemiBTCAddress = "0x000000000000000000000000000000000000B7C0"
)

// SetAddressPrefixes installs the hemi bech32 prefixes into the SDK's global config. Call it once,
// before any address is encoded, from every binary that links the app.
func SetAddressPrefixes(cfg *sdk.Config) {
	cfg.SetBech32PrefixForAccount(Bech32Prefix, Bech32Prefix+sdk.PrefixPublic)
	cfg.SetBech32PrefixForValidator(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator,
		Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator+sdk.PrefixPublic)
	cfg.SetBech32PrefixForConsensusNode(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus,
		Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus+sdk.PrefixPublic)
	// Ethereum's BIP44 coin type, so a mnemonic yields the same key here and in an Ethereum wallet.
	cfg.SetCoinType(60)
	cfg.SetPurpose(44)
}

// chainIDPattern is the chain-id format `<name>_<evm chain id>-<revision>`, e.g. hemi_74301-1.
// Carrying the EVM chain id inside the Cosmos chain id is what fixes it per chain: every node of a
// chain reads the same genesis, so no node can sign or accept EVM transactions for another id.
var chainIDPattern = regexp.MustCompile(`^([a-z][a-z0-9-]{0,31})_([1-9][0-9]{0,15})-([1-9][0-9]{0,8})$`)

// EVMChainID returns the EIP-155 chain id carried by a hemi chain id.
func EVMChainID(chainID string) (uint64, error) {
	m := chainIDPattern.FindStringSubmatch(chainID)
	if m == nil {
		return 0, fmt.Errorf("chain id %q is not of the form <name>_<evm-chain-id>-<revision> (for example hemi_74301-1): "+
			"hemid derives the EVM chain id from it", chainID)
	}
	id, err := strconv.ParseUint(m[2], 10, 64)
	if err != nil || id > 1<<53 {
		// EIP-2294: chain ids above 2^53 do not survive JavaScript wallets.
		return 0, fmt.Errorf("chain id %q: EVM chain id %s must be at most 2^53", chainID, m[2])
	}
	if name, taken := PublicEVMChainIDs[id]; taken {
		// A signed Ethereum transaction names only its chain id, so one signed for that chain would
		// be valid here too (and the reverse): a replay across chains.
		return 0, fmt.Errorf("chain id %q: EVM chain id %d is %s's; a hemi chain must not share it, or transactions "+
			"signed for one chain replay on the other: pick another number (for example hemi_74301-1)", chainID, id, name)
	}
	return id, nil
}

// PublicEVMChainIDs are the EIP-155 chain ids of public chains that a hemi chain id may not carry:
// Ethereum, its live and retired testnets, and Hemi's own networks.
var PublicEVMChainIDs = map[uint64]string{
	1:        "Ethereum mainnet",
	3:        "Ethereum's Ropsten testnet (retired)",
	4:        "Ethereum's Rinkeby testnet (retired)",
	5:        "Ethereum's Goerli testnet",
	42:       "Ethereum's Kovan testnet (retired)",
	17000:    "Ethereum's Holesky testnet",
	560048:   "Ethereum's Hoodi testnet",
	11155111: "Ethereum's Sepolia testnet",
	43111:    "Hemi mainnet",
	743111:   "Hemi's Sepolia testnet",
}
