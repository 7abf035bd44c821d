package tunnelwallet_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/tunnelwallet"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

func withdrawal(id, amount, maxFee uint64, script []byte) tunneltypes.WithdrawalView {
	return tunneltypes.WithdrawalView{Id: id, Script: hex.EncodeToString(script), Amount: amount, MaxFee: maxFee, Status: tunneltypes.WITHDRAWAL_STATUS_QUEUED}
}

// TestPaymentOutputs: the payment carries exactly the HEMW id the chain reads, and pays the
// script amount − fee, never less than amount − max_fee.
func TestPaymentOutputs(t *testing.T) {
	script := newWallet(t, 3, wallet.P2WPKH, nil).PkScript()
	for _, tc := range []struct{ fee, paid int64 }{{0, 50_000}, {300, 49_700}, {10_000, 40_000}, {25_000, 40_000}} {
		outs, paid, err := tunnelwallet.PaymentOutputs(withdrawal(0x0102030405060708, 50_000, 10_000, script), tc.fee)
		if err != nil {
			t.Fatal(err)
		}
		if paid != tc.paid || outs[0].Value != tc.paid || !bytes.Equal(outs[0].PkScript, script) {
			t.Fatalf("fee %d: pays %d (%d to %x), want %d to %x", tc.fee, paid, outs[0].Value, outs[0].PkScript, tc.paid, script)
		}
		tx := wire.NewMsgTx(2)
		for _, o := range outs {
			tx.AddTxOut(o)
		}
		if id, err := bitcoin.FindWithdrawalID(tx); err != nil || id != 0x0102030405060708 {
			t.Fatalf("chain reads id %#x, %v", id, err)
		}
		want := append([]byte{0x6a, 12, 'H', 'E', 'M', 'W'}, 1, 2, 3, 4, 5, 6, 7, 8)
		if !bytes.Equal(outs[1].PkScript, want) || outs[1].Value != 0 {
			t.Fatalf("HEMW output %x (%d sat), want %x", outs[1].PkScript, outs[1].Value, want)
		}
	}
	for name, w := range map[string]tunneltypes.WithdrawalView{
		"not hex":       {Id: 1, Script: "zz", Amount: 20_000, MaxFee: 10_000},
		"non-standard":  withdrawal(1, 20_000, 10_000, []byte{0x51}),
		"fee eats it":   withdrawal(1, 10_000, 10_000, script),
		"above 21M BTC": withdrawal(1, tunneltypes.MaxSats+1, 10_000, script),
	} {
		if _, _, err := tunnelwallet.PaymentOutputs(w, 0); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestBuildPaymentSpendsTheVault: the payment's first input spends a vault coin, it pays at
// least amount − max_fee, the user bears the fee, the change goes back to the vault, and it
// carries the id.
func TestBuildPaymentSpendsTheVault(t *testing.T) {
	vault := newWallet(t, 1, wallet.P2WPKH, nil)
	to := newWallet(t, 4, wallet.P2PKH, nil).PkScript()
	utxos := coins(vault, 3, 20_000, "vault")
	w := withdrawal(7, 45_000, 10_000, to)
	tx, paid, fee, err := tunnelwallet.BuildPayment(vault, utxos, w, 3)
	if err != nil {
		t.Fatal(err)
	}
	tx = roundTrip(t, tx)
	spends := map[wire.OutPoint]bool{}
	for _, u := range utxos {
		spends[u.OutPoint] = true
	}
	if !spends[tx.TxIn[0].PreviousOutPoint] {
		t.Fatalf("input 0 spends %s, not a vault coin", tx.TxIn[0].PreviousOutPoint)
	}
	if fee != 3*wallet.VirtualSize(tx) || paid != 45_000-fee || paid < 45_000-10_000 {
		t.Fatalf("paid %d with fee %d (%d vB at 3 sat/vB)", paid, fee, wallet.VirtualSize(tx))
	}
	if id, err := bitcoin.FindWithdrawalID(tx); err != nil || id != 7 {
		t.Fatalf("id %d, %v", id, err)
	}
	var toScript, change int64
	for _, o := range tx.TxOut {
		switch {
		case bytes.Equal(o.PkScript, to):
			toScript += o.Value
		case bytes.Equal(o.PkScript, vault.PkScript()):
			change += o.Value
		}
	}
	if toScript != paid || change != 60_000-paid-fee {
		t.Fatalf("pays %d to the script and %d back to the vault, want %d and %d", toScript, change, paid, 60_000-paid-fee)
	}
	// The change to the vault is never taken for a deposit: the HEMW push is no recipient.
	if _, err := bitcoin.DepositRecipient(tx); err == nil {
		t.Fatal("the payment's change reads as a deposit with a recipient")
	}
}

// TestPaymentsFindsOnlyTheVaultsPayments: a transaction counts as the payment of an id only if
// its first input spends a vault output.
func TestPaymentsFindsOnlyTheVaultsPayments(t *testing.T) {
	vault := newWallet(t, 1, wallet.P2WPKH, nil)
	other := newWallet(t, 5, wallet.P2WPKH, nil)
	to := newWallet(t, 4, wallet.P2PKH, nil).PkScript()
	vc := coins(vault, 2, 50_000, "v")
	oc := coins(other, 1, 50_000, "o")
	pay := func(w *wallet.Wallet, u []wallet.UTXO, id uint64) *wire.MsgTx {
		tx, _, _, err := tunnelwallet.BuildPayment(w, u, withdrawal(id, 20_000, 10_000, to), 1)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	paid5 := pay(vault, vc[:1], 5)
	fake6 := pay(other, oc, 6) // carries id 6, but from another wallet
	orphan7 := pay(vault, vc[1:], 7)
	// History: the vault's funding of paid5 is there, orphan7's is not.
	history := []*wire.MsgTx{vc[0].SourceTx, paid5, oc[0].SourceTx, fake6, orphan7}
	got := tunnelwallet.Payments(history, vault.PkScript())
	if len(got) != 1 || len(got[5]) != 1 || got[5][0].Tx != paid5 || got[5][0].Funding != vc[0].SourceTx {
		t.Fatalf("Payments = %v, want only withdrawal 5 paid by %s", got, paid5.TxHash())
	}
}

// TestPaymentOfMatchesTheWithdrawal: a vault transaction that carries a withdrawal's id but pays
// another script, or less than amount − max_fee (another withdrawal 5, of a chain that shared the
// vault, or of this one before a restart), does not make withdrawal 5 paid, whatever its place
// in the history; the one that pays it does.
func TestPaymentOfMatchesTheWithdrawal(t *testing.T) {
	vault := newWallet(t, 1, wallet.P2WPKH, nil)
	to := newWallet(t, 4, wallet.P2PKH, nil).PkScript()
	elsewhere := newWallet(t, 6, wallet.P2PKH, nil).PkScript()
	vc := coins(vault, 3, 50_000, "v")
	pay := func(u wallet.UTXO, w tunneltypes.WithdrawalView) *wire.MsgTx {
		tx, _, _, err := tunnelwallet.BuildPayment(vault, []wallet.UTXO{u}, w, 1)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	w := withdrawal(5, 20_000, 10_000, to)
	otherScript := pay(vc[0], withdrawal(5, 20_000, 10_000, elsewhere))
	smaller := pay(vc[1], withdrawal(5, 9_000, 1_000, to)) // pays at most 9,000 < 20,000 − 10,000
	ours := pay(vc[2], w)
	for _, order := range [][]*wire.MsgTx{{otherScript, smaller, ours}, {ours, otherScript, smaller}} {
		history := []*wire.MsgTx{vc[0].SourceTx, vc[1].SourceTx, vc[2].SourceTx}
		history = append(history, order...)
		all := tunnelwallet.Payments(history, vault.PkScript())[5]
		if len(all) != 3 {
			t.Fatalf("%d payments carry id 5, want 3", len(all))
		}
		if p, ok := tunnelwallet.PaymentOf(all, w); !ok || p.Tx != ours {
			t.Fatalf("PaymentOf = %v, %v; want %s", p.Tx, ok, ours.TxHash())
		}
		if _, ok := tunnelwallet.PaymentOf(all[:0], w); ok {
			t.Fatal("no payments, yet paid")
		}
	}
	if _, ok := tunnelwallet.PaymentOf([]tunnelwallet.Payment{{Tx: otherScript}, {Tx: smaller}}, w); ok {
		t.Fatal("withdrawal 5 taken as paid by another withdrawal 5's payments")
	}
}
