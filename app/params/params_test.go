package params

import (
	"strings"
	"testing"
)

func TestEVMChainID(t *testing.T) {
	valid := map[string]uint64{
		"hemidev_74301-1":         74301,
		"hemi_43112-2":            43112,
		"hemi-test_2-1":           2,
		"hemi_9007199254740992-1": 1 << 53,
	}
	for chainID, want := range valid {
		got, err := EVMChainID(chainID)
		if err != nil || got != want {
			t.Errorf("EVMChainID(%q) = %d, %v; want %d", chainID, got, err, want)
		}
	}
	invalid := map[string]string{
		"test-chain-abc":          "not of the form",
		"hemi_0-1":                "not of the form", // EIP-155 ids start at 1
		"hemi_74301":              "not of the form", // no revision
		"Hemi_74301-1":            "not of the form",
		"hemi_74301-1 ":           "not of the form",
		"hemi_9007199254740993-1": "at most 2^53",
		"":                        "not of the form",
		"hemi_1-1":                "is Ethereum mainnet's",
		"hemi_43111-1":            "is Hemi mainnet's",
		"hemi_743111-1":           "is Hemi's Sepolia testnet's",
		"hemi_11155111-1":         "Sepolia",
		"hemi_17000-1":            "Holesky",
		"hemi_560048-1":           "Hoodi",
		"hemi_5-1":                "Goerli",
		"hemi_3-1":                "Ropsten",
		"hemi_4-1":                "Rinkeby",
		"hemi_42-1":               "Kovan",
	}
	for chainID, wantErr := range invalid {
		if _, err := EVMChainID(chainID); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("EVMChainID(%q) error = %v, want one saying %q", chainID, err, wantErr)
		}
	}
}
