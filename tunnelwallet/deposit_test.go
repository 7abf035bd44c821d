package tunnelwallet_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/tunnelwallet"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

var testRecipient = [20]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x99}

func TestParseRecipient(t *testing.T) {
	bech := sdk.AccAddress(testRecipient[:]).String()
	if !strings.HasPrefix(bech, "hemi1") {
		t.Fatalf("bech32 %s has the wrong prefix", bech)
	}
	for _, s := range []string{"0x" + hex.EncodeToString(testRecipient[:]), "0X" + strings.ToUpper(hex.EncodeToString(testRecipient[:])), bech} {
		got, err := tunnelwallet.ParseRecipient(s)
		if err != nil || got != testRecipient {
			t.Errorf("ParseRecipient(%q) = %x, %v; want %x", s, got, err, testRecipient)
		}
	}
	long := sdk.AccAddress(bytes.Repeat([]byte{1}, 32)).String()
	for _, s := range []string{"", "0x", "0x1234", "0x" + strings.Repeat("zz", 20), "0x" + strings.Repeat("00", 21), "hemi1notanaddress", "cosmos1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v", long} {
		if got, err := tunnelwallet.ParseRecipient(s); err == nil {
			t.Errorf("ParseRecipient(%q) = %x, want an error", s, got)
		}
	}
}

// TestDepositOutputsAreWhatTheChainReads: the outputs of a deposit, in a transaction, decode with
// the chain's parser to the recipient, and output DepositVout pays the vault the amount.
func TestDepositOutputsAreWhatTheChainReads(t *testing.T) {
	vault := newWallet(t, 1, wallet.P2WPKH, nil).PkScript()
	p := chainParams(vault)
	outs, err := tunnelwallet.DepositOutputs(p, 25_000, testRecipient, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 1}, nil, nil))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	tx = roundTrip(t, tx)
	got, err := bitcoin.DepositRecipient(tx)
	if err != nil || got != testRecipient {
		t.Fatalf("chain reads recipient %x, %v; want %x", got, err, testRecipient)
	}
	vo := tx.TxOut[tunnelwallet.DepositVout]
	if !bytes.Equal(vo.PkScript, vault) || vo.Value != 25_000 {
		t.Fatalf("output %d pays %d sat to %x, want 25000 to the vault %x", tunnelwallet.DepositVout, vo.Value, vo.PkScript, vault)
	}
	// Exactly one vault output: a second would be a second deposit.
	n := 0
	for _, o := range tx.TxOut {
		if bytes.Equal(o.PkScript, vault) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d vault outputs, want 1", n)
	}
}

func TestDepositOutputsRefuseWhatTheChainWouldNotCredit(t *testing.T) {
	vault := newWallet(t, 1, wallet.P2WPKH, nil).PkScript()
	blocked := func(a sdk.AccAddress) bool { return bytes.Equal(a, testRecipient[:]) }
	for name, tc := range map[string]struct {
		mutate    func(p *tunneltypes.Params)
		amount    int64
		recipient [20]byte
		want      string
	}{
		"no vault":      {func(p *tunneltypes.Params) { p.VaultScript = nil }, 20_000, [20]byte{1}, "no vault"},
		"disabled":      {func(p *tunneltypes.Params) { p.DepositsEnabled = false }, 20_000, [20]byte{1}, "disabled"},
		"below minimum": {nil, 9_999, [20]byte{1}, "min_deposit_sats 10000"},
		"zero":          {nil, 0, [20]byte{1}, "min_deposit_sats"},
		"blocked":       {nil, 20_000, testRecipient, "may not receive coins"},
	} {
		t.Run(name, func(t *testing.T) {
			p := chainParams(vault)
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			outs, err := tunnelwallet.DepositOutputs(p, tc.amount, tc.recipient, blocked)
			if !errors.Is(err, tunnelwallet.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DepositOutputs = %v, %v; want ErrRefused saying %q", outs, err, tc.want)
			}
		})
	}
	if _, err := tunnelwallet.DepositOutputs(chainParams(vault), 10_000, [20]byte{1}, blocked); err != nil {
		t.Fatalf("exactly min_deposit_sats: %v", err)
	}
}

// TestBuildDepositSigned: the signed deposit decodes with the chain's decoder to the recipient
// and the vault output, and a key that is the vault cannot deposit to itself.
func TestBuildDepositSigned(t *testing.T) {
	user := newWallet(t, 2, wallet.P2PKH, nil)
	vaultWallet := newWallet(t, 1, wallet.P2WPKH, nil)
	p := chainParams(vaultWallet.PkScript())
	tx, fee, err := tunnelwallet.BuildDeposit(user, coins(user, 2, 30_000, "d"), p, 40_000, testRecipient, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	tx = roundTrip(t, tx)
	if len(tx.TxIn) != 2 || fee != 2*wallet.VirtualSize(tx) {
		t.Fatalf("%d inputs, fee %d for %d vB at 2 sat/vB", len(tx.TxIn), fee, wallet.VirtualSize(tx))
	}
	got, err := bitcoin.DepositRecipient(tx)
	if err != nil || got != testRecipient {
		t.Fatalf("chain reads recipient %x, %v", got, err)
	}
	if o := tx.TxOut[tunnelwallet.DepositVout]; o.Value != 40_000 || !bytes.Equal(o.PkScript, p.VaultScript) {
		t.Fatalf("vault output %v", o)
	}
	if change := tx.TxOut[len(tx.TxOut)-1]; !bytes.Equal(change.PkScript, user.PkScript()) || change.Value != 60_000-40_000-fee {
		t.Fatalf("change %d to %x, want %d to the wallet", change.Value, change.PkScript, 60_000-40_000-fee)
	}
	if op := tunnelwallet.DepositOutpoint(tx); op != tx.TxHash().String()+":0" {
		t.Fatalf("outpoint %s", op)
	}
	if _, _, err := tunnelwallet.BuildDeposit(vaultWallet, coins(vaultWallet, 1, 30_000, "v"), p, 20_000, testRecipient, nil, 1); !errors.Is(err, tunnelwallet.ErrRefused) {
		t.Fatalf("a deposit from the vault's own key: %v, want ErrRefused", err)
	}
}
