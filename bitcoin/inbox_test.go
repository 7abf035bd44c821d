package bitcoin_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

func amount16(t testing.TB, n int64) [16]byte {
	t.Helper()
	a, err := bitcoin.InboxAmount(big.NewInt(n))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestInboxPayloadFormat pins the wire format of DESIGN.md §10 byte for byte, for each op.
func TestInboxPayloadFormat(t *testing.T) {
	to := [20]byte{0xaa, 19: 0xbb}
	script, _ := hex.DecodeString("0014" + "1111111111111111111111111111111111111111")
	for _, tc := range []struct {
		name string
		p    bitcoin.InboxPayload
		hex  string
	}{
		{"transfer sat", bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, Denom: bitcoin.InboxSat, Amount: amount16(t, 5000), To: to},
			"48454d46" + "01" + "01" + "01" + "00000000000000000000000000001388" + "aa000000000000000000000000000000000000bb"},
		{"withdrawal", bitcoin.InboxPayload{Op: bitcoin.InboxWithdrawal, AmountSats: 100_000, MaxFeeSats: 2_000, Script: script},
			"48454d46" + "01" + "02" + "00000000000186a0" + "00000000000007d0" + "16" + hex.EncodeToString(script)},
		{"undelegate", bitcoin.InboxPayload{Op: bitcoin.InboxUndelegate, Validator: to, Amount: amount16(t, 1)},
			"48454d46" + "01" + "03" + "aa000000000000000000000000000000000000bb" + "00000000000000000000000000000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); got != tc.hex {
				t.Fatalf("encoded %s\nwant    %s", got, tc.hex)
			}
			back, err := bitcoin.ParseInboxPayload(b)
			if err != nil {
				t.Fatal(err)
			}
			if back.Op != tc.p.Op || back.Amount != tc.p.Amount || back.To != tc.p.To || back.Validator != tc.p.Validator ||
				back.AmountSats != tc.p.AmountSats || back.MaxFeeSats != tc.p.MaxFeeSats || !bytes.Equal(back.Script, tc.p.Script) {
				t.Fatalf("parsed %+v, want %+v", back, tc.p)
			}
			// One output carrying it is found in a transaction; the script is a standard OP_RETURN.
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 1}, nil, nil))
			tx.AddTxOut(wire.NewTxOut(0, bitcoin.InboxScript(b)))
			if found, err := bitcoin.FindInboxPayload(tx); err != nil || found.Op != tc.p.Op {
				t.Fatalf("FindInboxPayload: %+v, %v", found, err)
			}
		})
	}
}

// TestInboxPayloadRefused: every malformed payload is refused with ErrBadInboxPayload.
func TestInboxPayloadRefused(t *testing.T) {
	good, err := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, Denom: bitcoin.InboxAhemi, Amount: amount16(t, 7), To: [20]byte{1}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	with := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	zeroAmount := bytes.Clone(good)
	copy(zeroAmount[7:23], make([]byte, 16))
	withdrawal := func(scriptLen byte, script int) []byte {
		b := append([]byte("HEMF"), 1, 2)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1, scriptLen)
		return append(b, make([]byte, script)...)
	}
	for name, b := range map[string][]byte{
		"empty":                 nil,
		"magic only":            []byte("HEMF"),
		"other magic":           with(0, 'X'),
		"version 2":             with(4, 2),
		"op 0":                  with(5, 0),
		"op 4":                  with(5, 4),
		"denom 2":               with(6, 2),
		"amount 0":              zeroAmount,
		"short transfer":        good[:len(good)-1],
		"trailing byte":         append(bytes.Clone(good), 0),
		"too long":              append(bytes.Clone(good), make([]byte, 40)...),
		"withdrawal script 0":   withdrawal(0, 0),
		"withdrawal script 35":  withdrawal(35, 35),
		"withdrawal script cut": withdrawal(22, 21),
		"withdrawal trailing":   withdrawal(22, 23),
		"withdrawal no length":  withdrawal(22, 0)[:22],
	} {
		if _, err := bitcoin.ParseInboxPayload(b); !errors.Is(err, bitcoin.ErrBadInboxPayload) {
			t.Errorf("%s (%x): %v, want ErrBadInboxPayload", name, b, err)
		}
	}
	if _, err := bitcoin.ParseInboxPayload(withdrawal(22, 22)); err != nil {
		t.Fatalf("the well-formed withdrawal of the cases above: %v", err)
	}
}

// TestFindInboxPayload: exactly one HEMF output, never in a coinbase; other OP_RETURNs are ignored.
func TestFindInboxPayload(t *testing.T) {
	payload, err := bitcoin.InboxPayload{Op: bitcoin.InboxUndelegate, Validator: [20]byte{2}, Amount: amount16(t, 10)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	tx := func(coinbase bool, scripts ...[]byte) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		prev := wire.OutPoint{Index: 0}
		if coinbase {
			prev.Index = wire.MaxPrevOutIndex
		}
		tx.AddTxIn(wire.NewTxIn(&prev, nil, nil))
		for _, s := range scripts {
			tx.AddTxOut(wire.NewTxOut(0, s))
		}
		return tx
	}
	other := bitcoin.RecipientScript([20]byte{9})
	if p, err := bitcoin.FindInboxPayload(tx(false, other, bitcoin.InboxScript(payload))); err != nil || p.Validator != [20]byte{2} {
		t.Fatalf("beside another OP_RETURN: %+v, %v", p, err)
	}
	if _, err := bitcoin.FindInboxPayload(tx(true, bitcoin.InboxScript(payload))); !errors.Is(err, bitcoin.ErrNoInboxPayload) {
		t.Fatalf("coinbase: %v", err)
	}
	if _, err := bitcoin.FindInboxPayload(tx(false, other)); !errors.Is(err, bitcoin.ErrNoInboxPayload) {
		t.Fatalf("none: %v", err)
	}
	if _, err := bitcoin.FindInboxPayload(tx(false, bitcoin.InboxScript(payload), bitcoin.InboxScript(payload))); !errors.Is(err, bitcoin.ErrMultipleInboxPayloads) {
		t.Fatalf("two: %v", err)
	}
	// A malformed HEMF output still counts, so it cannot hide next to a good one.
	bad := bitcoin.InboxScript(append([]byte("HEMF"), 9))
	if _, err := bitcoin.FindInboxPayload(tx(false, bad, bitcoin.InboxScript(payload))); !errors.Is(err, bitcoin.ErrMultipleInboxPayloads) {
		t.Fatalf("a malformed one beside a good one: %v", err)
	}
	if _, err := bitcoin.FindInboxPayload(tx(false, bad)); !errors.Is(err, bitcoin.ErrBadInboxPayload) {
		t.Fatalf("a malformed one: %v", err)
	}
}

// FuzzInboxPayload feeds arbitrary bytes to the payload parser: it never panics, allocates no
// more than a fixed amount (an error's text, a withdrawal's script) whatever the bytes, and what it accepts encodes back to exactly those bytes (one payload, one
// meaning).
func FuzzInboxPayload(f *testing.F) {
	for _, p := range []bitcoin.InboxPayload{
		{Op: bitcoin.InboxTransfer, Denom: bitcoin.InboxSat, Amount: amount16(f, 1), To: [20]byte{1}},
		{Op: bitcoin.InboxWithdrawal, AmountSats: 50_000, MaxFeeSats: 1_000, Script: make([]byte, 34)},
		{Op: bitcoin.InboxUndelegate, Validator: [20]byte{3}, Amount: amount16(f, 1<<40)},
	} {
		b, err := p.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("HEMF\x01\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p bitcoin.InboxPayload
		var err error
		if got := allocated(func() { p, err = bitcoin.ParseInboxPayload(b) }); got > 64<<10 {
			t.Fatalf("%d bytes allocated %d", len(b), got)
		}
		if err != nil {
			if !errors.Is(err, bitcoin.ErrBadInboxPayload) {
				t.Fatalf("refused with %v, want ErrBadInboxPayload", err)
			}
			return
		}
		back, err := p.Encode()
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("accepted %x but encodes back to %x (%v)", b, back, err)
		}
	})
}
