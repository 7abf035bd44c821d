package params

import (
	"strings"
	"testing"
)

func TestEVMChainID(t *testing.T) {
	valid := map[string]uint64{
		"hemidev_74301-1":         74301,
		"hemi_43111-2":            43111,
		"hemi-test_1-1":           1,
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
	}
	for chainID, wantErr := range invalid {
		if _, err := EVMChainID(chainID); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("EVMChainID(%q) error = %v, want one saying %q", chainID, err, wantErr)
		}
	}
}
