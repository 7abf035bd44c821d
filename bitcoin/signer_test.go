package bitcoin_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// sameBlockSpend is a transaction of mainnet block 830000 whose input 0
// spends an output of an earlier transaction of the same block: both are
// real, signed and committed to by one block.
type sameBlockSpend struct {
	kind           string
	index, funding int
	txid           string
}

// pinnedSpends are the first two of each kind that findSameBlockSpends finds,
// and a P2TR and a P2WSH spend that have no account.
var pinnedSpends = []sameBlockSpend{
	{"P2PKH", 15, 6, "a8308c9dbee9e6cc3d86183d88b91cb1d6e888cdde98eb056bf6b0487bf7bac2"},
	{"P2PKH", 48, 47, "a9933bb65e49b83ddbd2028a4ee150e39386657048df7e17c006c6e5085b7d3a"},
	{"P2WPKH", 21, 20, "214e041265524f71b0f94b419d0ac5acdd5af3d9cb70c909afa07bbe4e4d890c"},
	{"P2WPKH", 46, 45, "46994d71fbddeb07dbe8a86bd0df52d91872747ed9a5b9ae258b49c048df1feb"},
	{"P2SH-P2WPKH", 272, 271, "2818f88cc8e531dd9fc2634d124fec9070e848bb5b12f18f2c504a2a8b5169b4"},
	{"P2SH-P2WPKH", 909, 908, "002f7542d06d8d8283dd483f489aeaa74121375b7715d58f3a466d910113121a"},
	{"P2TR", 35, 34, "d5fe3024d39ab9a2b89677d226104db7971cdd56f232c6bb6bfa7a4a4bf2f85f"},
	{"P2WSH", 1067, 1066, "32d8949a236a02db08f63ba41912370b482f8311329fdde30d05c9917d3aebc5"},
}

// findSameBlockSpends lists, in block order, the transactions whose input 0
// spends an earlier transaction of the same block, with the kind of output
// spent (txscript's classification; a P2SH spend with a two-item witness is
// a wrapped P2WPKH).
func findSameBlockSpends(block *wire.MsgBlock) []sameBlockSpend {
	byTxID := map[chainhash.Hash]int{}
	var out []sameBlockSpend
	for i, tx := range block.Transactions {
		if i > 0 {
			op := tx.TxIn[0].PreviousOutPoint
			if j, ok := byTxID[op.Hash]; ok {
				kind := map[txscript.ScriptClass]string{
					txscript.PubKeyHashTy:          "P2PKH",
					txscript.WitnessV0PubKeyHashTy: "P2WPKH",
					txscript.ScriptHashTy:          "P2SH",
					txscript.WitnessV1TaprootTy:    "P2TR",
					txscript.WitnessV0ScriptHashTy: "P2WSH",
				}[txscript.GetScriptClass(block.Transactions[j].TxOut[op.Index].PkScript)]
				if kind == "P2SH" && len(tx.TxIn[0].Witness) == 2 {
					kind = "P2SH-P2WPKH"
				}
				out = append(out, sameBlockSpend{kind, i, j, tx.TxHash().String()})
			}
		}
		byTxID[tx.TxHash()] = i
	}
	return out
}

// The pinned spends are what the search finds in the block.
func TestPinnedSameBlockSpends(t *testing.T) {
	found := findSameBlockSpends(datagen.LoadBlock(t, "mainnet-block-830000.bin"))
	seen := map[string]int{}
	var firsts []sameBlockSpend
	for _, s := range found {
		if seen[s.kind]++; seen[s.kind] <= 2 {
			firsts = append(firsts, s)
		}
	}
	for _, p := range pinnedSpends {
		ok := false
		for _, f := range firsts {
			ok = ok || f == p
		}
		if !ok {
			t.Errorf("pinned %+v is not among the first two of its kind the search finds", p)
		}
	}
}

// spend returns a pinned spend's transaction, a copy that tests may change,
// and its funding transaction.
func spend(t *testing.T, block *wire.MsgBlock, kind string) (*wire.MsgTx, *wire.MsgTx) {
	t.Helper()
	for _, p := range pinnedSpends {
		if p.kind == kind {
			tx := block.Transactions[p.index]
			if tx.TxHash().String() != p.txid {
				t.Fatalf("%s: tx %d is %s", kind, p.index, tx.TxHash())
			}
			return tx.Copy(), block.Transactions[p.funding]
		}
	}
	t.Fatalf("no pinned %s spend", kind)
	return nil, nil
}

// verifyInput0 runs Bitcoin's script engine on input 0 of tx against the
// output it spends: the spend is really signed by the key it carries.
func verifyInput0(tb testing.TB, tx *wire.MsgTx, spent *wire.TxOut) error {
	tb.Helper()
	prevOuts := txscript.NewMultiPrevOutFetcher(nil)
	for i, in := range tx.TxIn {
		out := spent
		if i > 0 {
			// Other inputs' outputs are not known here; BIP143 signs only
			// the amount of the input being checked.
			out = &wire.TxOut{PkScript: []byte{0x00, 0x14}}
		}
		prevOuts.AddPrevOut(in.PreviousOutPoint, out)
	}
	vm, err := txscript.NewEngine(spent.PkScript, tx, 0, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(tx, prevOuts), spent.Value, prevOuts)
	if err != nil {
		return err
	}
	return vm.Execute()
}

// attackerKey is a key the attacker owns.
func attackerKey(t *testing.T) *btcec.PublicKey {
	t.Helper()
	priv, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
	return priv.PubKey()
}

// The true account of each real P2PKH, P2WPKH and P2SH-P2WPKH spend is
// derived: the key the script engine checked the signature with, whose
// address go-ethereum computes independently.
func TestInputSignerAccountRealSpends(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	for _, p := range pinnedSpends {
		tx, funding := block.Transactions[p.index], block.Transactions[p.funding]
		spent := funding.TxOut[tx.TxIn[0].PreviousOutPoint.Index]
		if err := verifyInput0(t, tx, spent); err != nil {
			t.Fatalf("%s %s: the real spend does not verify: %v", p.kind, p.txid, err)
		}
		got, err := bitcoin.InputSignerAccount(tx, funding)
		switch p.kind {
		case "P2TR", "P2WSH":
			if !errors.Is(err, bitcoin.ErrNoSignerAccount) {
				t.Errorf("%s %s: got %x, %v; want ErrNoSignerAccount", p.kind, p.txid, got, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %s: %v", p.kind, p.txid, err)
		}
		if want := wantAddress(t, lastItem(tx.TxIn[0])); got != want {
			t.Errorf("%s %s: account %x, the signing key's is %x", p.kind, p.txid, got, want)
		}
		// The key the witness or scriptSig ends with is the bound one on
		// honest transactions.
		if got != wantAddress(t, lastItem(tx.TxIn[0])) {
			t.Errorf("%s %s: account %x is not the last item's", p.kind, p.txid, got)
		}
	}
}

// Finding 1: copy a mined P2WPKH (or P2SH-P2WPKH) transaction, swap its
// witness for [junk, attacker's key]: the txid, all a merkle proof commits
// to, is unchanged. The old rule read the key from the witness alone, which
// is now the attacker's (P2WPKH); InputSignerAccount gives no account, never
// the attacker's.
func TestSwappedWitnessTheft(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	attacker := attackerKey(t)
	attackerAccount := wantAddress(t, attacker.SerializeCompressed())
	for _, kind := range []string{"P2WPKH", "P2SH-P2WPKH"} {
		stolen, funding := spend(t, block, kind)
		honest, err := bitcoin.InputSignerAccount(stolen, funding)
		if err != nil {
			t.Fatal(err)
		}
		txid := stolen.TxHash()
		stolen.TxIn[0].Witness = wire.TxWitness{bytes.Repeat([]byte{0x30}, 71), attacker.SerializeCompressed()}
		if stolen.TxHash() != txid {
			t.Fatalf("%s: the txid changed", kind)
		}
		// The hole: the old rule read the witness key, and on a native
		// P2WPKH spend nothing else, so it paid whoever wrote the witness:
		// that key's account is the attacker's. On P2SH-P2WPKH it also
		// checked the key against the redeem script in the scriptSig, which
		// the attacker's key does not hash to, so the swap only lost the
		// honest payee (griefing).
		if wantAddress(t, stolen.TxIn[0].Witness[1]) != attackerAccount {
			t.Fatalf("%s: the witness key of the copy is not the attacker's", kind)
		}
		if kind == "P2SH-P2WPKH" && bytes.Equal(btcutil.Hash160(stolen.TxIn[0].Witness[1]), stolen.TxIn[0].SignatureScript[3:]) {
			t.Fatalf("%s: the attacker's key matches the redeem script", kind)
		}
		got, err := bitcoin.InputSignerAccount(stolen, funding)
		if got == attackerAccount {
			t.Fatalf("%s: the attacker gets the account", kind)
		}
		if !errors.Is(err, bitcoin.ErrNoSignerAccount) || got != ([20]byte{}) {
			t.Fatalf("%s: got %x, %v; want ErrNoSignerAccount", kind, got, err)
		}
		if got == honest {
			t.Fatalf("%s: a zero account equals the honest one", kind)
		}
		// Bitcoin would refuse the swapped spend: it is not what was mined.
		if verifyInput0(t, stolen, funding.TxOut[stolen.TxIn[0].PreviousOutPoint.Index]) == nil {
			t.Fatalf("%s: the swapped witness verifies", kind)
		}
	}
}

// The griefing variants of finding 1, each leaving the txid unchanged: a
// fake witness added to a P2PKH spend, a stripped witness on P2SH-P2WPKH.
// Neither gives an account (the old reader had none either, which sent the
// reward to the community pool).
func TestWitnessGriefing(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	attacker := attackerKey(t).SerializeCompressed()

	p2pkh, funding := spend(t, block, "P2PKH")
	txid := p2pkh.TxHash()
	p2pkh.TxIn[0].Witness = wire.TxWitness{{0x30, 0x01}, attacker}
	if p2pkh.TxHash() != txid {
		t.Fatal("P2PKH: the txid changed")
	}
	if _, err := bitcoin.InputSignerAccount(p2pkh, funding); !errors.Is(err, bitcoin.ErrNoSignerAccount) {
		t.Errorf("P2PKH with a fake witness: %v", err)
	}

	wrapped, funding := spend(t, block, "P2SH-P2WPKH")
	txid = wrapped.TxHash()
	wrapped.TxIn[0].Witness = nil
	if wrapped.TxHash() != txid {
		t.Fatal("P2SH-P2WPKH: the txid changed")
	}
	if _, err := bitcoin.InputSignerAccount(wrapped, funding); !errors.Is(err, bitcoin.ErrNoSignerAccount) {
		t.Errorf("P2SH-P2WPKH without witness: %v", err)
	}

	native, funding := spend(t, block, "P2WPKH")
	native.TxIn[0].Witness = nil
	if _, err := bitcoin.InputSignerAccount(native, funding); !errors.Is(err, bitcoin.ErrNoSignerAccount) {
		t.Errorf("P2WPKH without witness: %v", err)
	}
}

// The funding transaction must be the one input 0 spends.
func TestInputSignerAccountFunding(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	for _, kind := range []string{"P2PKH", "P2WPKH", "P2SH-P2WPKH"} {
		tx, funding := spend(t, block, kind)
		for name, wrong := range map[string]*wire.MsgTx{
			"none":                nil,
			"another transaction": block.Transactions[1],
			"the spender itself":  tx,
		} {
			if got, err := bitcoin.InputSignerAccount(tx, wrong); !errors.Is(err, bitcoin.ErrFundingTxMismatch) || got != ([20]byte{}) {
				t.Errorf("%s, funding %s: got %x, %v", kind, name, got, err)
			}
		}
		// An outpoint index the funding transaction does not have.
		tx.TxIn[0].PreviousOutPoint.Index = uint32(len(funding.TxOut))
		if _, err := bitcoin.InputSignerAccount(tx, funding); !errors.Is(err, bitcoin.ErrFundingTxMismatch) {
			t.Errorf("%s, index past the outputs: %v", kind, err)
		}
		// Another output of the right funding transaction: its script is
		// not the one the key hashes to.
		for i := range funding.TxOut {
			tx.TxIn[0].PreviousOutPoint.Index = uint32(i)
			if i == int(block.Transactions[indexOf(t, kind)].TxIn[0].PreviousOutPoint.Index) {
				continue
			}
			if _, err := bitcoin.InputSignerAccount(tx, funding); !errors.Is(err, bitcoin.ErrNoSignerAccount) {
				t.Errorf("%s, output %d of the funding transaction: %v", kind, i, err)
			}
		}
	}
	if _, err := bitcoin.InputSignerAccount(block.Transactions[0], nil); !errors.Is(err, bitcoin.ErrNoSignerAccount) {
		t.Errorf("coinbase: %v", err)
	}
	if _, err := bitcoin.InputSignerAccount(nil, nil); !errors.Is(err, bitcoin.ErrNoSignerAccount) {
		t.Errorf("nil: %v", err)
	}
}

func indexOf(t *testing.T, kind string) int {
	for _, p := range pinnedSpends {
		if p.kind == kind {
			return p.index
		}
	}
	t.Fatalf("no %s", kind)
	return 0
}

// Spends that are valid-looking but bind no key, built on synthetic funding
// outputs: each rule of InputSignerAccount is needed.
func TestInputSignerAccountRules(t *testing.T) {
	key := attackerKey(t).SerializeCompressed()
	pkh := btcutil.Hash160(key)
	p2wpkh := append([]byte{0x00, 0x14}, pkh...)
	p2sh := func(redeem []byte) []byte {
		return append(append([]byte{0xa9, 0x14}, btcutil.Hash160(redeem)...), 0x87)
	}
	sig := bytes.Repeat([]byte{0x30}, 71)
	pushSig := append([]byte{71}, sig...)

	// A 33-byte key that is not on the curve, and the outputs that pay it.
	var offCurve []byte
	for x := byte(1); offCurve == nil; x++ {
		k := append([]byte{0x02}, bytes.Repeat([]byte{x}, 32)...)
		if _, err := btcec.ParsePubKey(k); err != nil {
			offCurve = k
		}
	}

	cases := []struct {
		name     string
		pkScript []byte
		sigPush  []byte
		witness  wire.TxWitness
		ok       bool
	}{
		{"P2PKH", p2pkhScript(pkh), append(pushSig, append([]byte{33}, key...)...), nil, true},
		{"P2PKH, uncompressed key", p2pkhScript(btcutil.Hash160(attackerKey(t).SerializeUncompressed())),
			append(pushSig, append([]byte{65}, attackerKey(t).SerializeUncompressed()...)...), nil, true},
		{"P2PKH, other key", p2pkhScript(pkh[:]), append(pushSig, append([]byte{33}, offCurve...)...), nil, false},
		{"P2PKH, three pushes", p2pkhScript(pkh), append([]byte{1, 1}, append(pushSig, append([]byte{33}, key...)...)...), nil, false},
		{"P2PKH, empty signature", p2pkhScript(pkh), append([]byte{0x00, 33}, key...), nil, false},
		{"P2WPKH", p2wpkh, nil, wire.TxWitness{sig, key}, true},
		{"P2WPKH, scriptSig set", p2wpkh, []byte{0x01, 0x01}, wire.TxWitness{sig, key}, false},
		{"P2WPKH, three items", p2wpkh, nil, wire.TxWitness{sig, key, {1}}, false},
		{"P2WPKH, empty signature", p2wpkh, nil, wire.TxWitness{{}, key}, false},
		{"P2WPKH, key off the curve", append([]byte{0x00, 0x14}, btcutil.Hash160(offCurve)...), nil, wire.TxWitness{sig, offCurve}, false},
		{"P2WPKH, uncompressed key", append([]byte{0x00, 0x14}, btcutil.Hash160(attackerKey(t).SerializeUncompressed())...), nil,
			wire.TxWitness{sig, attackerKey(t).SerializeUncompressed()}, false},
		{"P2SH-P2WPKH", p2sh(p2wpkh), append([]byte{0x16}, p2wpkh...), wire.TxWitness{sig, key}, true},
		{"P2SH-P2WPKH, other redeem script", p2sh(p2wpkh), append([]byte{0x16, 0x00, 0x14}, bytes.Repeat([]byte{7}, 20)...), wire.TxWitness{sig, key}, false},
		{"P2SH-P2WPKH, key of another program", p2sh(append([]byte{0x00, 0x14}, bytes.Repeat([]byte{7}, 20)...)),
			append([]byte{0x16, 0x00, 0x14}, bytes.Repeat([]byte{7}, 20)...), wire.TxWitness{sig, key}, false},
		{"P2SH-P2WPKH, redeem pushed with OP_PUSHDATA1", p2sh(p2wpkh), append([]byte{0x4c, 0x16}, p2wpkh...), wire.TxWitness{sig, key}, false},
		{"P2SH, not wrapping P2WPKH", p2sh([]byte{0x51}), []byte{0x01, 0x51}, nil, false},
		{"P2WSH", append([]byte{0x00, 0x20}, make([]byte, 32)...), nil, wire.TxWitness{sig, key}, false},
		{"P2PK", append(append([]byte{33}, key...), 0xac), pushSig, nil, false},
		{"P2TR", append([]byte{0x51, 0x20}, make([]byte, 32)...), nil, wire.TxWitness{sig}, false},
	}
	for _, c := range cases {
		funding := wire.NewMsgTx(2)
		funding.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 3}, nil, nil))
		funding.AddTxOut(wire.NewTxOut(1000, c.pkScript))
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: funding.TxHash(), Index: 0}, c.sigPush, c.witness))
		tx.AddTxOut(wire.NewTxOut(900, []byte{0x6a}))
		got, err := bitcoin.InputSignerAccount(tx, funding)
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.ok && got != wantAddress(t, lastItem(tx.TxIn[0])):
			t.Errorf("%s: account %x is not the key's", c.name, got)
		case !c.ok && !errors.Is(err, bitcoin.ErrNoSignerAccount):
			t.Errorf("%s: got %x, %v; want ErrNoSignerAccount", c.name, got, err)
		}
	}
}

// FuzzInputSignerAccount: nothing panics, and an account is only ever
// returned for a key whose HASH160 the spent output (or the redeem script it
// commits to) holds, read from where that output type puts it.
func FuzzInputSignerAccount(f *testing.F) {
	block := datagen.LoadBlock(f, "mainnet-block-830000.bin")
	for _, p := range pinnedSpends {
		f.Add(serializeTx(f, block.Transactions[p.index]), serializeTx(f, block.Transactions[p.funding]))
	}
	f.Fuzz(func(t *testing.T, rawTx, rawFunding []byte) {
		tx, err := bitcoin.DecodeTx(rawTx)
		if err != nil {
			return
		}
		funding, err := bitcoin.DecodeTx(rawFunding)
		if err != nil {
			funding = nil
		}
		got, err := bitcoin.InputSignerAccount(tx, funding)
		if err != nil {
			if !errors.Is(err, bitcoin.ErrNoSignerAccount) && !errors.Is(err, bitcoin.ErrFundingTxMismatch) {
				t.Fatalf("unregistered error: %v", err)
			}
			if got != ([20]byte{}) {
				t.Fatal("an account with an error")
			}
			return
		}
		in := tx.TxIn[0]
		if funding.TxHash() != in.PreviousOutPoint.Hash {
			t.Fatal("account from a funding transaction that is not spent")
		}
		spent := funding.TxOut[in.PreviousOutPoint.Index].PkScript
		var key []byte
		if len(in.Witness) > 0 {
			key = in.Witness[1]
		} else {
			key = lastItem(in)
		}
		committed := spent
		if len(in.SignatureScript) == 23 && len(in.Witness) > 0 {
			committed = in.SignatureScript[1:] // the redeem script
			if !bytes.Contains(spent, btcutil.Hash160(committed)) {
				t.Fatal("redeem script not committed to by the spent output")
			}
		}
		if !bytes.Contains(committed, btcutil.Hash160(key)) || got != wantAddress(t, key) {
			t.Fatalf("account %x for a key the spent output does not commit to", got)
		}
	})
}
