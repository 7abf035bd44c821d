package tunnelwallet_test

import (
	"encoding/hex"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/tunnelwallet"
)

// FuzzParseRecipient: any input either fails or names an account whose two spellings, 0x… and
// hemi1…, parse back to it.
func FuzzParseRecipient(f *testing.F) {
	f.Add("0x" + hex.EncodeToString(testRecipient[:]))
	f.Add(sdk.AccAddress(testRecipient[:]).String())
	f.Add("0X00")
	f.Add("hemi1")
	f.Fuzz(func(t *testing.T, s string) {
		account, err := tunnelwallet.ParseRecipient(s)
		if err != nil {
			return
		}
		for _, again := range []string{"0x" + hex.EncodeToString(account[:]), sdk.AccAddress(account[:]).String()} {
			if got, err := tunnelwallet.ParseRecipient(again); err != nil || got != account {
				t.Fatalf("%q parses to %x, but %q to %x, %v", s, account, again, got, err)
			}
		}
	})
}
