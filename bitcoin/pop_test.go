package bitcoin_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// fixedKeystone has a different byte everywhere, so a field written at the
// wrong offset or in the wrong byte order shows in the hex.
func fixedKeystone() bitcoin.AbbreviatedKeystone {
	k := bitcoin.AbbreviatedKeystone{
		Version:        1,
		BTCHeight:      830000, // 0x000caa30
		KeystoneHeight: 1500,   // 0x000005dc
	}
	for i := range k.ParentHashPrefix {
		k.ParentHashPrefix[i] = 0xa0 + byte(i)
	}
	for i := range k.PrevKeystoneHashPrefix {
		k.PrevKeystoneHashPrefix[i] = 0xb0 + byte(i)
	}
	for i := range k.AppHash {
		k.AppHash[i] = 0xc0 + byte(i)
	}
	for i := range k.BlockHashPrefix {
		k.BlockHashPrefix[i] = 0xe0 + byte(i)
	}
	return k
}

// fixedPoPScriptHex is PoPScript(fixedKeystone()), written out by hand from
// the layout in DESIGN.md §5.
const fixedPoPScriptHex = "6a" + // OP_RETURN
	"4c50" + // OP_PUSHDATA1, 80 bytes
	"48454d49" + // "HEMI"
	"01" + // version
	"000caa30" + // BTC height 830000, big-endian
	"000005dc" + // keystone height 1500, big-endian
	"a0a1a2a3a4a5a6a7a8a9aa" + // parent hash [0:11]
	"b0b1b2b3b4b5b6b7b8b9babb" + // previous keystone hash [0:12]
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" + // app hash
	"e0e1e2e3e4e5e6e7e8e9eaeb" // block hash [0:12]

func TestAbbreviatedKeystoneLayout(t *testing.T) {
	k := fixedKeystone()
	b := k.Serialize()
	if got, want := hex.EncodeToString(b[:]), fixedPoPScriptHex[14:]; got != want {
		t.Fatalf("serialized\n got %s\nwant %s", got, want)
	}
	back, err := bitcoin.ParseAbbreviatedKeystone(b[:])
	if err != nil || back != k {
		t.Fatalf("round trip: %+v (%v)", back, err)
	}
	// The id is the double SHA-256 of the 76 bytes, computed here without
	// chainhash.
	first := sha256.Sum256(b[:])
	second := sha256.Sum256(first[:])
	if id := k.ID(); !bytes.Equal(id[:], second[:]) {
		t.Fatalf("ID %x, want %x", id[:], second)
	}
	other := k
	other.AppHash[31] ^= 1
	if other.ID() == k.ID() {
		t.Fatal("ID does not cover the app hash")
	}
}

// Every 76-byte string of version 1 is a keystone, and it serializes back to
// the same bytes.
func TestAbbreviatedKeystoneRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 1000 {
		var b [bitcoin.AbbreviatedKeystoneSize]byte
		rng.Read(b[:])
		b[0] = bitcoin.AbbreviatedKeystoneVersion
		k, err := bitcoin.ParseAbbreviatedKeystone(b[:])
		if err != nil {
			t.Fatal(err)
		}
		if k.Serialize() != b {
			t.Fatalf("%x does not round-trip", b)
		}
		script, err := bitcoin.ParsePoPScript(bitcoin.PoPScript(k))
		if err != nil || script != k {
			t.Fatalf("script round trip of %x: %v", b, err)
		}
	}
}

func TestParseAbbreviatedKeystoneRejects(t *testing.T) {
	good := fixedKeystone().Serialize()
	for _, bad := range [][]byte{nil, {}, good[:75], append(good[:], 0), make([]byte, 80)} {
		if _, err := bitcoin.ParseAbbreviatedKeystone(bad); !errors.Is(err, bitcoin.ErrKeystoneLength) {
			t.Errorf("%d bytes: got %v, want ErrKeystoneLength", len(bad), err)
		}
	}
	for _, version := range []byte{0, 2, 0x81, 0xff} {
		b := good
		b[0] = version
		if _, err := bitcoin.ParseAbbreviatedKeystone(b[:]); !errors.Is(err, bitcoin.ErrKeystoneVersion) {
			t.Errorf("version %d: got %v, want ErrKeystoneVersion", version, err)
		}
	}
}

func TestPoPScriptExact(t *testing.T) {
	k := fixedKeystone()
	script := bitcoin.PoPScript(k)
	if len(script) != 83 || bitcoin.PoPScriptSize != 83 {
		t.Fatalf("script is %d bytes, PoPScriptSize %d", len(script), bitcoin.PoPScriptSize)
	}
	if got := hex.EncodeToString(script); got != fixedPoPScriptHex {
		t.Fatalf("script\n got %s\nwant %s", got, fixedPoPScriptHex)
	}
	back, err := bitcoin.ParsePoPScript(script)
	if err != nil || back != k {
		t.Fatalf("ParsePoPScript: %+v (%v)", back, err)
	}
}

func TestParsePoPScriptRejects(t *testing.T) {
	good := bitcoin.PoPScript(fixedKeystone())
	with := func(change func([]byte) []byte) []byte { return change(append([]byte(nil), good...)) }
	notPoP := map[string][]byte{
		"nil":                  nil,
		"empty":                {},
		"prefix only":          good[:7],
		"one byte short":       good[:82],
		"one byte extra":       append(append([]byte(nil), good...), 0x00),
		"twice":                append(append([]byte(nil), good...), good...),
		"OP_PUSHDATA2 push":    append([]byte{0x6a, 0x4d, 0x50, 0x00}, good[3:]...),
		"no OP_RETURN":         good[1:],
		"OP_RETURN twice":      append([]byte{0x6a}, good[:82]...),
		"lowercase magic":      with(func(b []byte) []byte { copy(b[3:7], "hemi"); return b }),
		"other magic":          with(func(b []byte) []byte { copy(b[3:7], "HEMJ"); return b }),
		"push of 79":           with(func(b []byte) []byte { b[2] = 0x4f; return b }),
		"push of 81":           with(func(b []byte) []byte { b[2] = 0x51; return b }),
		"OP_NOP for OP_RETURN": with(func(b []byte) []byte { b[0] = 0x61; return b }),
	}
	// Every single-bit change of the 7-byte prefix.
	for bit := range 7 * 8 {
		notPoP[fmt.Sprintf("prefix bit %d", bit)] = with(func(b []byte) []byte {
			b[bit/8] ^= 1 << (bit % 8)
			return b
		})
	}
	for name, script := range notPoP {
		if _, err := bitcoin.ParsePoPScript(script); !errors.Is(err, bitcoin.ErrNotPoPScript) {
			t.Errorf("%s: got %v, want ErrNotPoPScript", name, err)
		}
	}
	for _, version := range []byte{0, 2, 0xff} {
		script := with(func(b []byte) []byte { b[7] = version; return b })
		if _, err := bitcoin.ParsePoPScript(script); !errors.Is(err, bitcoin.ErrKeystoneVersion) {
			t.Errorf("version %d: got %v, want ErrKeystoneVersion", version, err)
		}
	}
}

// opReturnKind names the protocol of a real OP_RETURN script, so the test
// can show that it saw every kind the data file promises.
func opReturnKind(script []byte) string {
	data := script[min(len(script), 2):]
	switch {
	case bytes.HasPrefix(script, []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}):
		return "witness commitment"
	case bytes.HasPrefix(script, []byte{0x6a, 0x5d}): // OP_13
		return "runestone"
	case bytes.HasPrefix(script, []byte{0x6a, 0x4c, 0x50, 'X', '2'}):
		return "stacks" // the same framing as a PoP script, another magic
	case bytes.HasPrefix(data, []byte("RSKBLOCK:")):
		return "rsk"
	case bytes.HasPrefix(data, []byte("CORE")):
		return "coredao"
	case bytes.HasPrefix(data, []byte("omni")):
		return "omni"
	case len(script) == 22 && script[1] == 0x14:
		return "20-byte"
	}
	return "other"
}

// No real OP_RETURN output is a PoP payload, and no real transaction carries
// one, though the Stacks outputs have exactly the framing of a PoP script.
func TestRealOpReturnsAreNotPoP(t *testing.T) {
	kinds := map[string]int{}
	txsWithOpReturn, outputs := 0, 0
	for _, v := range datagen.LoadSPVVectors(t) {
		tx, err := bitcoin.DecodeTx(datagen.MustHex(t, v.TxHex))
		if err != nil {
			t.Fatalf("%s: %v", v.Name(), err)
		}
		if len(v.OpReturnOutputs) > 0 {
			txsWithOpReturn++
		}
		for _, o := range v.OpReturnOutputs {
			outputs++
			script := datagen.MustHex(t, o.ScriptHex)
			if int(o.Vout) >= len(tx.TxOut) || !bytes.Equal(tx.TxOut[o.Vout].PkScript, script) {
				t.Fatalf("%s: output %d is not the listed script", v.Name(), o.Vout)
			}
			kinds[opReturnKind(script)]++
			if _, err := bitcoin.ParsePoPScript(script); !errors.Is(err, bitcoin.ErrNotPoPScript) {
				t.Errorf("%s output %d (%s): got %v, want ErrNotPoPScript", v.Name(), o.Vout, opReturnKind(script), err)
			}
		}
		if _, err := bitcoin.FindPoPPayload(tx); !errors.Is(err, bitcoin.ErrNoPoPPayload) {
			t.Errorf("%s: got %v, want ErrNoPoPPayload", v.Name(), err)
		}
	}
	if txsWithOpReturn != 19 || outputs != 21 {
		t.Fatalf("%d transactions with %d OP_RETURN outputs, want 19 and 21", txsWithOpReturn, outputs)
	}
	for _, kind := range []string{"witness commitment", "runestone", "stacks", "rsk", "coredao", "omni", "20-byte"} {
		if kinds[kind] == 0 {
			t.Errorf("no %s output in the data", kind)
		}
	}
}

// A real Stacks output differs from a PoP script only in its payload: with
// "HEMI" and version 1 written over its first bytes it parses, so what made
// it fail above was the magic.
func TestStacksOutputDiffersOnlyInMagic(t *testing.T) {
	for _, v := range datagen.LoadSPVVectors(t) {
		for _, o := range v.OpReturnOutputs {
			script := datagen.MustHex(t, o.ScriptHex)
			if opReturnKind(script) != "stacks" {
				continue
			}
			if len(script) != bitcoin.PoPScriptSize {
				t.Fatalf("%s: Stacks script is %d bytes", v.Name(), len(script))
			}
			grafted := append([]byte(nil), script...)
			copy(grafted[3:], "HEMI\x01")
			k, err := bitcoin.ParsePoPScript(grafted)
			if err != nil || !bytes.Equal(bitcoin.PoPScript(k), grafted) {
				t.Fatalf("%s with the HEMI magic: %v", v.Name(), err)
			}
		}
	}
}

// Every transaction of the full block 830000 is scanned: none publishes a
// keystone.
func TestBlock830000HasNoPoPPayload(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	for i, tx := range block.Transactions {
		if _, err := bitcoin.FindPoPPayload(tx); !errors.Is(err, bitcoin.ErrNoPoPPayload) {
			t.Fatalf("tx %d: %v", i, err)
		}
	}
}

// vectorTx decodes the transaction of the spv-proofs.json vector with the
// given name (network/height/index).
func vectorTx(tb testing.TB, name string) *wire.MsgTx {
	tb.Helper()
	for _, v := range datagen.LoadSPVVectors(tb) {
		if v.Name() != name {
			continue
		}
		tx, err := bitcoin.DecodeTx(datagen.MustHex(tb, v.TxHex))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		return tx
	}
	tb.Fatalf("no vector %s", name)
	return nil
}

func serializeTx(tb testing.TB, tx *wire.MsgTx) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestFindPoPPayload(t *testing.T) {
	k := fixedKeystone()
	v2 := bitcoin.PoPScript(k)
	v2[7] = 2
	other := k
	other.KeystoneHeight++
	prev := wire.OutPoint{Hash: chainhash.Hash{1}, Index: 0}
	build := func(prev wire.OutPoint, scripts ...[]byte) *wire.MsgTx {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(&prev, nil, nil))
		for _, s := range scripts {
			tx.AddTxOut(wire.NewTxOut(0, s))
		}
		return tx
	}
	change := append([]byte{0x00, 0x14}, make([]byte, 20)...) // P2WPKH
	// Bitcoin Core's IsCoinBase needs exactly one input spending the null
	// outpoint; with a second input it is an (invalid) ordinary spend.
	nullAndOther := build(wire.OutPoint{Index: wire.MaxPrevOutIndex}, bitcoin.PoPScript(k))
	nullAndOther.AddTxIn(wire.NewTxIn(&prev, nil, nil))

	for _, tc := range []struct {
		name string
		tx   *wire.MsgTx
		want error
	}{
		{"payload alone", build(prev, bitcoin.PoPScript(k)), nil},
		{"payload after change", build(prev, change, bitcoin.PoPScript(k)), nil},
		{"payload before change", build(prev, bitcoin.PoPScript(k), change), nil},
		{"a zero txid is not a coinbase", build(wire.OutPoint{Index: 0}, bitcoin.PoPScript(k)), nil},
		{"the null outpoint beside another input is not a coinbase", nullAndOther, nil},
		{"no outputs", build(prev), bitcoin.ErrNoPoPPayload},
		{"change only", build(prev, change), bitcoin.ErrNoPoPPayload},
		{"nil", nil, bitcoin.ErrNoPoPPayload},
		{"coinbase", build(wire.OutPoint{Index: wire.MaxPrevOutIndex}, bitcoin.PoPScript(k)), bitcoin.ErrNoPoPPayload},
		{"the same payload twice", build(prev, bitcoin.PoPScript(k), bitcoin.PoPScript(k)), bitcoin.ErrMultiplePoPPayloads},
		{"two keystones", build(prev, bitcoin.PoPScript(k), change, bitcoin.PoPScript(other)), bitcoin.ErrMultiplePoPPayloads},
		{"a version-2 payload beside a valid one", build(prev, v2, bitcoin.PoPScript(k)), bitcoin.ErrMultiplePoPPayloads},
		{"a version-2 payload alone", build(prev, v2), bitcoin.ErrKeystoneVersion},
	} {
		got, err := bitcoin.FindPoPPayload(tc.tx)
		if tc.want != nil {
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			}
			continue
		}
		if err != nil || got != k {
			t.Errorf("%s: %+v (%v)", tc.name, got, err)
		}
		// The same from the transaction's bytes.
		decoded, err := bitcoin.DecodeTx(serializeTx(t, tc.tx))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := bitcoin.FindPoPPayload(decoded); err != nil || got != k {
			t.Errorf("%s, decoded: %+v (%v)", tc.name, got, err)
		}
	}

	// Real transactions with a payload output added: a coinbase never
	// counts; a spending transaction does.
	coinbase := vectorTx(t, "mainnet/830000/0")
	coinbase.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
	if _, err := bitcoin.FindPoPPayload(coinbase); !errors.Is(err, bitcoin.ErrNoPoPPayload) {
		t.Errorf("real coinbase with a payload: got %v, want ErrNoPoPPayload", err)
	}
	stacks := vectorTx(t, "mainnet/830000/50")
	stacks.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
	if got, err := bitcoin.FindPoPPayload(stacks); err != nil || got != k {
		t.Errorf("real Stacks tx with a payload: %+v (%v)", got, err)
	}
	stacks.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
	if _, err := bitcoin.FindPoPPayload(stacks); !errors.Is(err, bitcoin.ErrMultiplePoPPayloads) {
		t.Errorf("real Stacks tx with two payloads: got %v, want ErrMultiplePoPPayloads", err)
	}
}

// wantAddress is the Ethereum address of a serialized secp256k1 public key,
// computed with go-ethereum alone (its own point decoding and Keccak),
// independently of the code under test.
func wantAddress(tb testing.TB, key []byte) [20]byte {
	tb.Helper()
	decode := ethcrypto.UnmarshalPubkey // 65 bytes, 0x04 ‖ X ‖ Y
	if len(key) == 33 {
		decode = ethcrypto.DecompressPubkey
	}
	pub, err := decode(key)
	if err != nil {
		tb.Fatalf("key %x: %v", key, err)
	}
	return ethcrypto.PubkeyToAddress(*pub)
}

// lastItem is what a P2PKH or P2WPKH spend puts last: the last witness item,
// or the last push of the scriptSig when it is a 33- or 65-byte push.
func lastItem(in *wire.TxIn) []byte {
	if len(in.Witness) > 0 {
		return in.Witness[len(in.Witness)-1]
	}
	s := in.SignatureScript
	for _, n := range []int{65, 33} {
		if len(s) > n && int(s[len(s)-n-1]) == n {
			return s[len(s)-n:]
		}
	}
	return nil
}

// Payees of real signed first inputs, for each kind of spend that has one,
// with the keys written out and the expected addresses from go-ethereum.
func TestSignerAccountRealInputs(t *testing.T) {
	for _, tc := range []struct {
		vector, kind, key string
	}{
		{"mainnet/830000/10", "P2PKH, compressed key", "036cd9803c5f6804ce31339ac37aaaa293f2354553e38caff9cc3934b22d70bdd4"},
		{"mainnet/367891/1", "P2PKH, uncompressed key", "048926f147b2c8b1ce2394a3cb8be265bafc9c079680844fe1968fca8c435cd8a8a9b10187ffefa2e7a6b3623f08b8ba6981c59c0b840e56826d5d134a1337dd65"},
		{"testnet3/180480/2", "P2PKH, 73-byte signature", "03f233299455134caa2687bdf15cb0becdfb03bd0ff2ff38e65ec6b7834295c34f"},
		{"mainnet/830000/100", "P2WPKH", "02ff9e64dea86b61c9ca3cf36c7772eb4a54b7d7b463a196b8a2b7d7dd6ae24e6e"},
		{"mainnet/866342/1230", "P2WPKH (a Runes tx)", "02aabb6b23ef819fb91788920ed76eb7f428745b9833290576c3c96dbeec49d1b1"},
		{"mainnet/831332/1", "P2SH-P2WPKH", "03839df4cca4afb14029067cc2eafe94a4b76d7cf2aad8c5ceb200d12a507a281c"},
	} {
		tx := vectorTx(t, tc.vector)
		key := datagen.MustHex(t, tc.key)
		if !bytes.Equal(lastItem(tx.TxIn[0]), key) {
			t.Fatalf("%s: key %s is not the first input's", tc.vector, tc.key)
		}
		got, ok := signerAsSpent(t, tx)
		if want := wantAddress(t, key); !ok || got != want {
			t.Errorf("%s (%s): payee %x (%v), want %x", tc.vector, tc.kind, got, ok, want)
		}
	}
}

// Every real transaction: coinbases and first inputs that do not reveal a
// single signing key have no payee; every other one (all P2PKH, P2WPKH and
// P2SH-P2WPKH spends) has the address of the key its first input ends with.
func TestSignerAccountAllRealTransactions(t *testing.T) {
	noKey := map[string]string{
		"mainnet/830000/1":    "P2SH-P2WSH multisig: a 3-item witness",
		"mainnet/830000/1850": "P2TR key path: a 1-item witness",
		"mainnet/831332/2019": "P2TR script path: a 3-item witness",
		"mainnet/831332/2024": "P2TR script path: a 3-item witness",
		"testnet3/49291/1":    "P2SH multisig: OP_0 <sig> <sig> <redeem script>",
		"testnet3/180480/1":   "a scriptSig of OP_TRUE",
		"testnet3/926485/1":   "P2SH-P2WSH: a 4-item witness",
		"testnet3/1263442/1":  "P2WSH: a 3-item witness",
	}
	payees, coinbases := 0, 0
	for _, v := range datagen.LoadSPVVectors(t) {
		tx, err := bitcoin.DecodeTx(datagen.MustHex(t, v.TxHex))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := signerAsSpent(t, tx)
		switch reason, listed := noKey[v.Name()]; {
		case v.IsCoinbase:
			coinbases++
			if ok {
				t.Errorf("%s: a coinbase has payee %x", v.Name(), got)
			}
		case listed:
			delete(noKey, v.Name())
			if ok {
				t.Errorf("%s (%s): payee %x", v.Name(), reason, got)
			}
		default:
			payees++
			if want := wantAddress(t, lastItem(tx.TxIn[0])); !ok || got != want {
				t.Errorf("%s: payee %x (%v), want %x", v.Name(), got, ok, want)
			}
		}
	}
	if len(noKey) != 0 || coinbases != 8 || payees != 32 {
		t.Fatalf("unused %v; %d coinbases and %d payees, want 8 and 32", noKey, coinbases, payees)
	}
}

// The payee key is the one that signed: the real P2PKH signatures verify
// against the payee's key with legacySigHash, which also shows that helper
// right before the tests below sign with it.
func TestRealP2PKHSignatureIsByPayeeKey(t *testing.T) {
	for _, vector := range []string{"mainnet/830000/10", "mainnet/367891/1", "testnet3/180480/2"} {
		tx := vectorTx(t, vector)
		key := lastItem(tx.TxIn[0])
		script := tx.TxIn[0].SignatureScript
		sig := script[1 : 1+script[0]] // the first push: DER ‖ hash type
		if sig[len(sig)-1] != 1 {
			t.Fatalf("%s: hash type %d", vector, sig[len(sig)-1])
		}
		parsed, err := ecdsa.ParseDERSignature(sig[:len(sig)-1])
		if err != nil {
			t.Fatal(err)
		}
		pub, err := btcec.ParsePubKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if !parsed.Verify(legacySigHash(t, tx, 0, p2pkhScript(btcutil.Hash160(key))), pub) {
			t.Fatalf("%s: the signature does not verify with the key", vector)
		}
	}
}

// push is a minimal data push of up to 75 bytes.
func push(data []byte) []byte { return append([]byte{byte(len(data))}, data...) }

// signedPoPTx builds a PoP transaction whose first input spends a P2PKH
// output of priv and is signed by it (SIGHASH_ALL), with the key serialized
// compressed or not, and a second input spending another output.
func signedPoPTx(tb testing.TB, priv *btcec.PrivateKey, compressed bool) *wire.MsgTx {
	tb.Helper()
	key := priv.PubKey().SerializeCompressed()
	if !compressed {
		key = priv.PubKey().SerializeUncompressed()
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{7}, Index: 1}, nil, nil))
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{8}, Index: 0}, nil, nil))
	tx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(fixedKeystone())))
	tx.AddTxOut(wire.NewTxOut(90000, p2pkhScript(btcutil.Hash160(key))))
	sig := ecdsa.Sign(priv, legacySigHash(tb, tx, 0, p2pkhScript(btcutil.Hash160(key))))
	tx.TxIn[0].SignatureScript = append(push(append(sig.Serialize(), 1)), push(key)...)
	return tx
}

func testKey(b byte) *btcec.PrivateKey {
	var secret [32]byte
	secret[31] = b
	priv, _ := btcec.PrivKeyFromBytes(secret[:])
	return priv
}

// A transaction built and signed here with known private keys: the payee is
// go-ethereum's address of the private key, for a compressed and an
// uncompressed key, and for the key 1 it is the well-known address of the
// generator point.
func TestSignerAccountOwnSignedTx(t *testing.T) {
	for _, b := range []byte{1, 2, 0x5a} {
		priv := testKey(b)
		want := ethcrypto.PubkeyToAddress(priv.ToECDSA().PublicKey)
		for _, compressed := range []bool{true, false} {
			tx := signedPoPTx(t, priv, compressed)
			decoded, err := bitcoin.DecodeTx(serializeTx(t, tx))
			if err != nil {
				t.Fatal(err)
			}
			if k, err := bitcoin.FindPoPPayload(decoded); err != nil || k != fixedKeystone() {
				t.Fatalf("payload: %v", err)
			}
			got, ok := signerAsSpent(t, decoded)
			if !ok || got != want {
				t.Errorf("key %d, compressed %v: payee %x (%v), want %x", b, compressed, got, ok, want)
			}
		}
	}
	got, _ := signerAsSpent(t, signedPoPTx(t, testKey(1), true))
	if hex.EncodeToString(got[:]) != "7e5f4552091a69125d5dfcb7b8c2659029395bdf" {
		t.Fatalf("key 1: payee %x", got)
	}
}

// Inputs built here, each changed from a good P2PKH, P2WPKH or P2SH-P2WPKH
// spend in one way. Only the first input decides.
func TestSignerAccountBuiltInputs(t *testing.T) {
	priv := testKey(3)
	key := priv.PubKey().SerializeCompressed()
	want := ethcrypto.PubkeyToAddress(priv.ToECDSA().PublicKey)
	sig := append(ecdsa.Sign(priv, make([]byte, 32)).Serialize(), 1)
	p2pkh := append(push(sig), push(key)...)
	program := append([]byte{0x00, 0x14}, btcutil.Hash160(key)...)
	otherProgram := append([]byte{0x00, 0x14}, btcutil.Hash160(testKey(4).PubKey().SerializeCompressed())...)
	notOnCurve := append([]byte{0x02}, bytes.Repeat([]byte{0xff}, 32)...) // x above the field prime
	hybrid := priv.PubKey().SerializeUncompressed()
	hybrid[0] = 0x06 | hybrid[64]&1 // the hybrid encoding: 0x06/0x07 by the parity of Y
	badHybrid := append([]byte(nil), hybrid...)
	badHybrid[0] ^= 1 // parity byte that contradicts Y

	type input struct {
		scriptSig []byte
		witness   wire.TxWitness
	}
	for _, tc := range []struct {
		name string
		in   input
		ok   bool
	}{
		{"P2PKH", input{scriptSig: p2pkh}, true},
		{"P2PKH with OP_PUSHDATA1 pushes", input{scriptSig: append(append([]byte{0x4c, byte(len(sig))}, sig...), append([]byte{0x4c, 33}, key...)...)}, true},
		{"P2PKH with an OP_PUSHDATA2 key push", input{scriptSig: append(push(sig), append([]byte{0x4d, 33, 0}, key...)...)}, true},
		{"P2PKH with an OP_PUSHDATA4 key push", input{scriptSig: append(push(sig), append([]byte{0x4e, 33, 0, 0, 0}, key...)...)}, true},
		{"P2PKH with a hybrid key", input{scriptSig: append(push(sig), append([]byte{0x41}, hybrid...)...)}, true},
		{"P2WPKH", input{witness: wire.TxWitness{sig, key}}, true},
		{"P2SH-P2WPKH", input{scriptSig: push(program), witness: wire.TxWitness{sig, key}}, true},

		{"empty scriptSig", input{}, false},
		{"signature only (P2PK)", input{scriptSig: push(sig)}, false},
		{"key only", input{scriptSig: push(key)}, false},
		{"empty signature", input{scriptSig: append([]byte{0x00}, push(key)...)}, false},
		{"three pushes", input{scriptSig: append(push(sig), p2pkh...)}, false},
		{"OP_DUP before the pushes", input{scriptSig: append([]byte{0x76}, p2pkh...)}, false},
		{"OP_1 for the signature", input{scriptSig: append([]byte{0x51}, push(key)...)}, false},
		{"32-byte key", input{scriptSig: append(push(sig), push(key[:32])...)}, false},
		{"34-byte key", input{scriptSig: append(push(sig), push(append(key, 0))...)}, false},
		{"key with format byte 0x05", input{scriptSig: append(push(sig), push(append([]byte{0x05}, key[1:]...))...)}, false},
		{"key not on the curve", input{scriptSig: append(push(sig), push(notOnCurve)...)}, false},
		{"hybrid key with the wrong parity", input{scriptSig: append(push(sig), append([]byte{0x41}, badHybrid...)...)}, false},
		{"cut-off key push", input{scriptSig: p2pkh[:len(p2pkh)-1]}, false},
		{"cut-off OP_PUSHDATA1", input{scriptSig: append(push(sig), 0x4c)}, false},
		{"cut-off OP_PUSHDATA2", input{scriptSig: append(push(sig), 0x4d, 33)}, false},
		{"cut-off OP_PUSHDATA4", input{scriptSig: append(push(sig), 0x4e, 33, 0, 0)}, false},
		{"OP_PUSHDATA4 of 4 GiB", input{scriptSig: append(push(sig), 0x4e, 0xff, 0xff, 0xff, 0xff)}, false},
		{"P2PKH scriptSig with a witness", input{scriptSig: p2pkh, witness: wire.TxWitness{sig, key}}, false},
		{"P2WPKH with a 65-byte key", input{witness: wire.TxWitness{sig, priv.PubKey().SerializeUncompressed()}}, false},
		{"P2WPKH with an empty signature", input{witness: wire.TxWitness{nil, key}}, false},
		{"P2WPKH with a key not on the curve", input{witness: wire.TxWitness{sig, notOnCurve}}, false},
		{"1-item witness (P2TR key path)", input{witness: wire.TxWitness{make([]byte, 64)}}, false},
		{"3-item witness", input{witness: wire.TxWitness{sig, key, key}}, false},
		{"P2SH-P2WPKH for another key", input{scriptSig: push(otherProgram), witness: wire.TxWitness{sig, key}}, false},
		{"P2SH-P2WPKH with a v1 program", input{scriptSig: push(append([]byte{0x51, 0x14}, program[2:]...)), witness: wire.TxWitness{sig, key}}, false},
		{"P2SH-P2WPKH with a cut program", input{scriptSig: push(program[:21]), witness: wire.TxWitness{sig, key}}, false},
		{"P2SH-P2WPKH with two pushes", input{scriptSig: append(push(program), push(program)...), witness: wire.TxWitness{sig, key}}, false},
		{"P2SH-P2WPKH with a non-push", input{scriptSig: append(push(program), 0x87), witness: wire.TxWitness{sig, key}}, false},
	} {
		tx := wire.NewMsgTx(2)
		in := wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{9}}, tc.in.scriptSig, tc.in.witness)
		tx.AddTxIn(in)
		tx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(fixedKeystone())))
		decoded, err := bitcoin.DecodeTx(serializeTx(t, tx))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, ok := signerAsSpent(t, decoded)
		if ok != tc.ok || (ok && got != want) {
			t.Errorf("%s: payee %x (%v), want found %v", tc.name, got, ok, tc.ok)
		}
	}

	// Only the first input counts: a keyless first input hides a key in the
	// second, and of two keys the first wins.
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 1}, nil, wire.TxWitness{make([]byte, 64)}))
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 2}, p2pkh, nil))
	if got, ok := signerAsSpent(t, tx); ok {
		t.Errorf("keyless first input: payee %x", got)
	}
	tx.TxIn[0] = wire.NewTxIn(&wire.OutPoint{Index: 3}, nil, wire.TxWitness{sig, testKey(4).PubKey().SerializeCompressed()})
	if got, ok := signerAsSpent(t, tx); !ok || got != ethcrypto.PubkeyToAddress(testKey(4).ToECDSA().PublicKey) {
		t.Errorf("two keys: payee %x (%v), want the first input's", got, ok)
	}

	// A coinbase's scriptSig is free-form, even when it looks like a P2PKH
	// spend; no inputs, or no transaction, have no payee either.
	coinbase := wire.NewMsgTx(1)
	coinbase.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, p2pkh, nil))
	for name, tx := range map[string]*wire.MsgTx{"coinbase": coinbase, "no inputs": wire.NewMsgTx(2), "nil": nil} {
		if got, ok := signerAsSpent(t, tx); ok {
			t.Errorf("%s: payee %x", name, got)
		}
	}
}

// FuzzParsePoPScript: any script either parses to a keystone whose script is
// exactly the input, or is refused with ErrNotPoPScript or
// ErrKeystoneVersion. Seeded with PoP scripts and every real OP_RETURN
// script.
func FuzzParsePoPScript(f *testing.F) {
	f.Add(bitcoin.PoPScript(fixedKeystone()))
	f.Add(bitcoin.PoPScript(bitcoin.AbbreviatedKeystone{Version: 1}))
	f.Add([]byte{})
	for _, v := range datagen.LoadSPVVectors(f) {
		for _, o := range v.OpReturnOutputs {
			f.Add(datagen.MustHex(f, o.ScriptHex))
		}
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		k, err := bitcoin.ParsePoPScript(script)
		if err != nil {
			if !errors.Is(err, bitcoin.ErrNotPoPScript) && !errors.Is(err, bitcoin.ErrKeystoneVersion) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !bytes.Equal(bitcoin.PoPScript(k), script) {
			t.Fatalf("%x parses, but its keystone's script is %x", script, bitcoin.PoPScript(k))
		}
		if raw := k.Serialize(); !bytes.Equal(raw[:], script[7:]) {
			t.Fatal("keystone does not serialize to the payload")
		}
	})
}

// FuzzFindPoPPayload decodes arbitrary bytes as a transaction and looks for a
// payload and a payee. Nothing may panic; a payload found is the one output
// in PoP form of a transaction that is not a coinbase, and a payee needs a
// first input that is not a coinbase's. Seeded with every real transaction
// and the PoP transactions built in these tests.
func FuzzFindPoPPayload(f *testing.F) {
	for _, v := range datagen.LoadSPVVectors(f) {
		f.Add(datagen.MustHex(f, v.TxHex))
	}
	f.Add(serializeTx(f, signedPoPTx(f, testKey(1), true)))
	f.Add(serializeTx(f, signedPoPTx(f, testKey(2), false)))
	segwit := signedPoPTx(f, testKey(3), true)
	segwit.TxIn[0].SignatureScript = nil
	segwit.TxIn[0].Witness = wire.TxWitness{{0x30, 0x01}, testKey(3).PubKey().SerializeCompressed()}
	f.Add(serializeTx(f, segwit))

	f.Fuzz(func(t *testing.T, raw []byte) {
		tx, err := bitcoin.DecodeTx(raw)
		if err != nil {
			return
		}
		coinbase := len(tx.TxIn) == 1 && tx.TxIn[0].PreviousOutPoint.Index == wire.MaxPrevOutIndex &&
			tx.TxIn[0].PreviousOutPoint.Hash == chainhash.Hash{}
		if k, err := bitcoin.FindPoPPayload(tx); err == nil {
			var popOutputs [][]byte
			for _, out := range tx.TxOut {
				if len(out.PkScript) == bitcoin.PoPScriptSize && bytes.HasPrefix(out.PkScript, []byte("\x6a\x4c\x50HEMI")) {
					popOutputs = append(popOutputs, out.PkScript)
				}
			}
			if coinbase || len(popOutputs) != 1 || !bytes.Equal(popOutputs[0], bitcoin.PoPScript(k)) {
				t.Fatalf("payload %+v from a tx with %d PoP outputs (coinbase %v)", k, len(popOutputs), coinbase)
			}
		}
		if _, ok := signerAsSpent(t, tx); ok && (coinbase || len(tx.TxIn) == 0) {
			t.Fatal("payee for a coinbase or a tx without inputs")
		}
	})
}

// signerAsSpent is the account InputSignerAccount binds for tx's first input
// when that input spends the key-hash output its own shape claims: P2PKH of
// the key it ends with when it has no witness, P2WPKH of the witness key when
// its scriptSig is empty, and otherwise P2SH of the script its scriptSig
// pushes. The input is re-pointed at a funding transaction with that output
// (the signature is not checked, so the copy keeps its key binding). These
// are the most favourable funding outputs an input could have, so an input
// without an account here has none with any funding transaction of these
// kinds.
func signerAsSpent(tb testing.TB, tx *wire.MsgTx) ([20]byte, bool) {
	tb.Helper()
	if tx == nil || len(tx.TxIn) == 0 || blockchain.IsCoinBaseTx(tx) {
		got, err := bitcoin.InputSignerAccount(tx, nil)
		return got, err == nil
	}
	in := tx.TxIn[0]
	var pkScript []byte
	switch {
	case len(in.Witness) == 0:
		var key []byte
		if pushes, err := txscript.PushedData(in.SignatureScript); err == nil && len(pushes) > 0 {
			key = pushes[len(pushes)-1]
		}
		pkScript = p2pkhScript(btcutil.Hash160(key))
	case len(in.SignatureScript) == 0:
		pkScript = append([]byte{0x00, 0x14}, btcutil.Hash160(in.Witness[len(in.Witness)-1])...)
	default:
		redeem := in.SignatureScript[1:] // after the push opcode
		pkScript = append(append([]byte{0xa9, 0x14}, btcutil.Hash160(redeem)...), 0x87)
	}
	funding := wire.NewMsgTx(2)
	funding.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{0xf0}}, nil, nil))
	funding.AddTxOut(wire.NewTxOut(1000, pkScript))
	spend := tx.Copy()
	spend.TxIn[0].PreviousOutPoint = wire.OutPoint{Hash: funding.TxHash()}
	got, err := bitcoin.InputSignerAccount(spend, funding)
	return got, err == nil
}
