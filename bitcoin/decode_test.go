package bitcoin_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// allocated returns the bytes the heap handed out while f ran, with the
// collector off so nothing is freed and reused in between.
func allocated(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// btcdDecodeTx is the decoder DecodeTx replaced: btcd's MsgTx.Deserialize,
// plus the trailing-bytes rule.
func btcdDecodeTx(raw []byte) (*wire.MsgTx, error) {
	var tx wire.MsgTx
	r := bytes.NewReader(raw)
	if err := tx.Deserialize(r); err != nil {
		return nil, err
	}
	if r.Len() != 0 {
		return nil, errors.New("trailing bytes")
	}
	return &tx, nil
}

func btcdDecodeBlock(raw []byte) (*wire.MsgBlock, error) {
	var b wire.MsgBlock
	r := bytes.NewReader(raw)
	if err := b.Deserialize(r); err != nil {
		return nil, err
	}
	if r.Len() != 0 {
		return nil, errors.New("trailing bytes")
	}
	return &b, nil
}

// realTxs returns every transaction of block 830000 (decoded by btcd, as the
// reference) and of spv-proofs.json, serialized.
func realTxs(tb testing.TB) [][]byte {
	tb.Helper()
	block, err := btcdDecodeBlock(datagen.Read(tb, "mainnet-block-830000.bin"))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, tx := range block.Transactions {
		out = append(out, serializeTx(tb, tx))
	}
	for _, v := range datagen.LoadSPVVectors(tb) {
		out = append(out, datagen.MustHex(tb, v.TxHex))
	}
	return out
}

// sameTx fails unless got is want: same txid, wtxid and serialization, which
// must also be raw.
func sameTx(tb testing.TB, name string, got, want *wire.MsgTx, raw []byte) {
	tb.Helper()
	if got.TxHash() != want.TxHash() || got.WitnessHash() != want.WitnessHash() {
		tb.Fatalf("%s: txid %s wtxid %s, btcd %s %s", name, got.TxHash(), got.WitnessHash(), want.TxHash(), want.WitnessHash())
	}
	if !bytes.Equal(serializeTx(tb, got), raw) || !bytes.Equal(serializeTx(tb, want), raw) {
		tb.Fatalf("%s: does not serialize back to its bytes", name)
	}
	if got.SerializeSizeStripped() != want.SerializeSizeStripped() || got.HasWitness() != want.HasWitness() {
		tb.Fatalf("%s: stripped size or witness flag differ", name)
	}
}

// Every real transaction decodes to what btcd decodes: the 1,851 of block
// 830000 (segwit, legacy, taproot, the coinbase) and the 48 of spv-proofs.json.
func TestDecodeTxMatchesBtcd(t *testing.T) {
	txs := realTxs(t)
	if len(txs) != 1851+48 {
		t.Fatalf("%d transactions", len(txs))
	}
	segwit := 0
	for i, raw := range txs {
		want, err := btcdDecodeTx(raw)
		if err != nil {
			t.Fatalf("tx %d: btcd: %v", i, err)
		}
		got, err := bitcoin.DecodeTx(raw)
		if err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		sameTx(t, "tx", got, want, raw)
		if got.HasWitness() {
			segwit++
		}
	}
	if segwit < 1000 {
		t.Fatalf("only %d segwit transactions", segwit)
	}
}

// The scripts of a decoded transaction do not alias the caller's bytes, and an
// append to one does not write into the next.
func TestDecodeTxOwnsItsBytes(t *testing.T) {
	v := datagen.LoadSPVVectors(t)[0]
	raw := datagen.MustHex(t, v.TxHex)
	tx, err := bitcoin.DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := tx.TxHash()
	for i := range raw {
		raw[i] = 0
	}
	_ = append(tx.TxIn[0].SignatureScript, 0xff, 0xff, 0xff, 0xff)
	for _, w := range tx.TxIn[0].Witness {
		_ = append(w, 0xff, 0xff, 0xff, 0xff)
	}
	if tx.TxHash() != want || tx.TxHash().String() != v.TxID {
		t.Fatal("the transaction changed with the caller's buffer or an append")
	}
}

func TestDecodeBlockMatchesBtcd(t *testing.T) {
	raw := datagen.Read(t, "mainnet-block-830000.bin")
	want, err := btcdDecodeBlock(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bitcoin.DecodeBlock(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.BlockHash() != want.BlockHash() || len(got.Transactions) != 1851 {
		t.Fatalf("block %s with %d transactions", got.BlockHash(), len(got.Transactions))
	}
	var buf bytes.Buffer
	if err := got.Serialize(&buf); err != nil || !bytes.Equal(buf.Bytes(), raw) {
		t.Fatalf("block does not serialize back to its bytes: %v", err)
	}
	for i := range got.Transactions {
		sameTx(t, "block tx", got.Transactions[i], want.Transactions[i], serializeTx(t, want.Transactions[i]))
	}

	for name, bad := range map[string][]byte{
		"empty":               nil,
		"header only":         raw[:80],
		"79 bytes":            raw[:79],
		"cut in the last tx":  raw[:len(raw)-1],
		"trailing byte":       append(bytes.Clone(raw), 0),
		"count past the data": append(bytes.Clone(raw[:80]), 0xfe, 0x80, 0x1a, 0x06, 0x00),
	} {
		if _, err := bitcoin.DecodeBlock(bad); !errors.Is(err, bitcoin.ErrBadBlock) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := btcdDecodeBlock(bad); err == nil {
			t.Errorf("%s: btcd accepts it", name)
		}
	}

	// No transactions decodes, as with btcd; no valid block is empty, which
	// is for the caller's checks (the RPC client's checkBlock) to say.
	empty := append(bytes.Clone(raw[:80]), 0)
	if b, err := bitcoin.DecodeBlock(empty); err != nil || len(b.Transactions) != 0 {
		t.Errorf("empty block: %v", err)
	}
}

// tx builds a transaction's bytes from parts.
func txBytes(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var (
	version1    = []byte{1, 0, 0, 0}
	lockTime0   = []byte{0, 0, 0, 0}
	segwitFlag  = []byte{0x00, 0x01}
	emptyInput  = make([]byte, 41) // outpoint 0:0, empty scriptSig, sequence 0
	emptyOutput = make([]byte, 9)  // 0 sat, empty script
)

func compactSize(n uint64) []byte {
	switch {
	case n < 0xfd:
		return []byte{byte(n)}
	case n <= 0xffff:
		return binary.LittleEndian.AppendUint16([]byte{0xfd}, uint16(n))
	case n <= 0xffff_ffff:
		return binary.LittleEndian.AppendUint32([]byte{0xfe}, uint32(n))
	default:
		return binary.LittleEndian.AppendUint64([]byte{0xff}, n)
	}
}

// pad fills b with zeros to n bytes.
func pad(b []byte, n int) []byte { return append(b, make([]byte, n-len(b))...) }

// hostileTxs are 100-byte transactions whose counts ask btcd's decoder for
// tens of megabytes before it finds that the bytes are not there.
func hostileTxs() map[string][]byte {
	return map[string][]byte{
		// 818,400 inputs: btcd's own cap (32 MB / 41 bytes).
		"818400 inputs": pad(txBytes(version1, compactSize(818_400)), 100),
		"3.7M outputs":  pad(txBytes(version1, compactSize(1), emptyInput, compactSize(3_728_270)), 100),
		// 4,000,000 witness items: btcd's per-input cap.
		"4M witness items": pad(txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(0), compactSize(4_000_000)), 100),
		"4M witness items on each of 2 inputs": pad(txBytes(version1, segwitFlag, compactSize(2), emptyInput, emptyInput,
			compactSize(0), compactSize(4_000_000)), 100),
	}
}

// A hostile 100-byte input allocates less than 64 KB. btcd's decoder, which
// DecodeTx used before, allocates 85 MB to 120 MB for the same bytes: that is
// the "before" figure, measured here in the same run.
func TestDecodeTxHostileAllocation(t *testing.T) {
	const limit = 64 << 10
	for name, raw := range hostileTxs() {
		if len(raw) != 100 {
			t.Fatalf("%s: %d bytes", name, len(raw))
		}
		var err error
		after := allocated(func() { _, err = bitcoin.DecodeTx(raw) })
		if !errors.Is(err, bitcoin.ErrBadTransaction) {
			t.Fatalf("%s: %v", name, err)
		}
		var btcdErr error
		before := allocated(func() { _, btcdErr = btcdDecodeTx(raw) })
		if btcdErr == nil {
			t.Fatalf("%s: btcd accepts it", name)
		}
		t.Logf("%s: bounded decoder %d bytes (%v); btcd %d bytes", name, after, err, before)
		if after >= limit {
			t.Errorf("%s: allocated %d bytes, limit %d", name, after, limit)
		}
		if before < 64<<20 {
			t.Errorf("%s: btcd allocated only %d bytes: the input is not hostile", name, before)
		}
	}

	// A block whose transaction count no data backs: btcd allocates the
	// pointer slice first (3.2 MB), then the hostile transaction's inputs.
	block := pad(append(make([]byte, 80), txBytes(compactSize(400_000), version1, compactSize(818_400))...), 100)
	var err error
	after := allocated(func() { _, err = bitcoin.DecodeBlock(block) })
	before := allocated(func() { _, _ = btcdDecodeBlock(block) })
	t.Logf("block: bounded decoder %d bytes (%v); btcd %d bytes", after, err, before)
	if !errors.Is(err, bitcoin.ErrBadBlock) || after >= limit {
		t.Errorf("block: %v, allocated %d bytes", err, after)
	}
}

// Malformed transactions are refused with ErrBadTransaction, and so does btcd
// refuse them.
func TestDecodeTxRejects(t *testing.T) {
	witness := func(items ...[]byte) []byte {
		out := compactSize(uint64(len(items)))
		for _, it := range items {
			out = append(append(out, compactSize(uint64(len(it)))...), it...)
		}
		return out
	}
	good := txBytes(version1, compactSize(1), emptyInput, compactSize(1), emptyOutput, lockTime0)
	if _, err := bitcoin.DecodeTx(good); err != nil {
		t.Fatal(err)
	}
	goodSegwit := txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(1), emptyOutput, witness([]byte{7}), lockTime0)
	if _, err := bitcoin.DecodeTx(goodSegwit); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":                  nil,
		"trailing byte":          append(bytes.Clone(good), 0),
		"flag 0x02":              txBytes(version1, []byte{0x00, 0x02}, compactSize(1), emptyInput, compactSize(1), emptyOutput, witness([]byte{7}), lockTime0),
		"superfluous witness":    txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(1), emptyOutput, witness(), lockTime0),
		"segwit without inputs":  txBytes(version1, segwitFlag, compactSize(0), compactSize(1), emptyOutput, lockTime0),
		"non-canonical count":    txBytes(version1, []byte{0xfd, 0x01, 0x00}, emptyInput, compactSize(1), emptyOutput, lockTime0),
		"scriptSig past the end": txBytes(version1, compactSize(1), emptyInput[:36], compactSize(1000), []byte{1, 2, 3}),
		"witness item too large": txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(0), compactSize(1),
			compactSize(4_000_001), make([]byte, 4_000_001), lockTime0),
		"second input cut short": txBytes(version1, compactSize(2), emptyInput[:36], compactSize(40), make([]byte, 44), emptyInput[:30]),
		"huge count":             txBytes(version1, compactSize(1<<62), emptyInput),
	}
	for i := range good {
		cases[fmt.Sprintf("cut at byte %d", i)] = good[:i]
	}
	for i := range goodSegwit {
		cases[fmt.Sprintf("segwit cut at byte %d", i)] = goodSegwit[:i]
	}
	for name, raw := range cases {
		_, err := bitcoin.DecodeTx(raw)
		if !errors.Is(err, bitcoin.ErrBadTransaction) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := btcdDecodeTx(raw); err == nil {
			t.Errorf("%s: btcd accepts it", name)
		}
	}
}

// decodeAllocBound is what decoding n bytes may allocate: the copy of the
// input, plus per element at most the size of its Go value. The worst case is
// the empty witness item, one byte that becomes a 24-byte slice header, so 32
// bytes a byte covers every shape (see TestDecodeAllocationIsLinear), plus a
// constant for the fixed values and the error.
func decodeAllocBound(n int) uint64 { return 32*uint64(n) + 16<<10 }

// The shapes that allocate the most per input byte, each about 100 KB, stay
// within decodeAllocBound.
func TestDecodeAllocationIsLinear(t *testing.T) {
	const n = 2500
	repeat := func(b []byte, k int) []byte { return bytes.Repeat(b, k) }
	emptyWitnesses := txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(0),
		compactSize(100_000), repeat([]byte{0}, 100_000), lockTime0)
	manyInputs := txBytes(version1, compactSize(n), repeat(emptyInput, n), compactSize(0), lockTime0)
	manyOutputs := txBytes(version1, compactSize(1), emptyInput, compactSize(10_000), repeat(emptyOutput, 10_000), lockTime0)
	segwitInputs := txBytes(version1, segwitFlag, compactSize(n), repeat(emptyInput, n), compactSize(0),
		repeat([]byte{1, 0}, n), lockTime0)
	smallTx := txBytes(version1, compactSize(1), emptyInput, compactSize(0), lockTime0)
	manyTxs := txBytes(make([]byte, 80), compactSize(2000), repeat(smallTx, 2000))
	for name, c := range map[string]struct {
		raw    []byte
		decode func([]byte) error
	}{
		"empty witness items": {emptyWitnesses, decodeTxErr},
		"inputs":              {manyInputs, decodeTxErr},
		"outputs":             {manyOutputs, decodeTxErr},
		"segwit inputs":       {segwitInputs, decodeTxErr},
		"block of small txs":  {manyTxs, decodeBlockErr},
	} {
		var err error
		got := allocated(func() { err = c.decode(c.raw) })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d bytes allocate %d (%.1f per byte)", name, len(c.raw), got, float64(got)/float64(len(c.raw)))
		if got > decodeAllocBound(len(c.raw)) {
			t.Errorf("%s: %d bytes allocate %d, bound %d", name, len(c.raw), got, decodeAllocBound(len(c.raw)))
		}
	}
}

func decodeTxErr(raw []byte) error    { _, err := bitcoin.DecodeTx(raw); return err }
func decodeBlockErr(raw []byte) error { _, err := bitcoin.DecodeBlock(raw); return err }

// DecodeTxSkipWitness keeps none of a witness: 100,000 empty items take the input's copy and the
// transaction, not a slice header per item as DecodeTx's do, and the transaction is the same
// apart from its witness.
func TestDecodeTxSkipWitness(t *testing.T) {
	emptyWitnesses := txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(0),
		compactSize(100_000), bytes.Repeat([]byte{0}, 100_000), lockTime0)
	var full, skipped *wire.MsgTx
	var fullErr, skipErr error
	fullAlloc := allocated(func() { full, fullErr = bitcoin.DecodeTx(emptyWitnesses) })
	skipAlloc := allocated(func() { skipped, skipErr = bitcoin.DecodeTxSkipWitness(emptyWitnesses) })
	if fullErr != nil || skipErr != nil {
		t.Fatalf("DecodeTx: %v, DecodeTxSkipWitness: %v", fullErr, skipErr)
	}
	t.Logf("%d bytes: DecodeTx allocates %d, DecodeTxSkipWitness %d", len(emptyWitnesses), fullAlloc, skipAlloc)
	if bound := 2*uint64(len(emptyWitnesses)) + 4<<10; skipAlloc > bound {
		t.Errorf("DecodeTxSkipWitness allocated %d, bound %d", skipAlloc, bound)
	}
	if skipped.HasWitness() || skipped.TxHash() != full.TxHash() || len(skipped.TxOut) != len(full.TxOut) {
		t.Errorf("skipped %+v is not %+v without its witness", skipped, full)
	}
	for name, raw := range hostileTxs() {
		if _, err := bitcoin.DecodeTxSkipWitness(raw); !errors.Is(err, bitcoin.ErrBadTransaction) {
			t.Errorf("%s: DecodeTxSkipWitness: %v, want ErrBadTransaction", name, err)
		}
	}
	// The marker with no witness at all is refused as DecodeTx refuses it.
	noWitness := txBytes(version1, segwitFlag, compactSize(1), emptyInput, compactSize(0), compactSize(0), lockTime0)
	if _, err := bitcoin.DecodeTxSkipWitness(noWitness); !errors.Is(err, bitcoin.ErrBadTransaction) {
		t.Errorf("a segwit marker without a witness: %v, want ErrBadTransaction", err)
	}
}

// DecodeTxSignerWitness keeps of the witness only what the signer reads: input 0's first
// MaxSignerWitnessItems items. 100,000 empty items, on input 0 or on another input, take no
// slice header each, and the transaction is the one DecodeTx gives apart from the rest of the
// witness.
func TestDecodeTxSignerWitness(t *testing.T) {
	const items = 100_000
	manyItems := func(inputs, witnessed int) []byte {
		parts := [][]byte{version1, segwitFlag, compactSize(uint64(inputs))}
		for range inputs {
			parts = append(parts, emptyInput)
		}
		parts = append(parts, compactSize(0))
		for i := range inputs {
			if i == witnessed {
				parts = append(parts, compactSize(items), bytes.Repeat([]byte{0}, items))
			} else {
				parts = append(parts, compactSize(2), compactSize(1), []byte{0xaa}, compactSize(1), []byte{0xbb})
			}
		}
		return txBytes(append(parts, lockTime0)...)
	}
	for name, c := range map[string]struct {
		raw       []byte
		wantItems int // of input 0
	}{
		"many items on input 0": {manyItems(2, 0), bitcoin.MaxSignerWitnessItems},
		"many items on input 1": {manyItems(2, 1), 2},
	} {
		var kept *wire.MsgTx
		var err error
		got := allocated(func() { kept, err = bitcoin.DecodeTxSignerWitness(c.raw) })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bound := 2*uint64(len(c.raw)) + 4<<10; got > bound {
			t.Errorf("%s: allocated %d, bound %d", name, got, bound)
		}
		full, err := bitcoin.DecodeTx(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		if kept.TxHash() != full.TxHash() || len(kept.TxIn[0].Witness) != c.wantItems || kept.TxIn[1].Witness != nil {
			t.Errorf("%s: input 0 keeps %d items (want %d), input 1 %d", name, len(kept.TxIn[0].Witness), c.wantItems, len(kept.TxIn[1].Witness))
		}
		for j, item := range kept.TxIn[0].Witness {
			if !bytes.Equal(item, full.TxIn[0].Witness[j]) {
				t.Errorf("%s: item %d is %x, DecodeTx's %x", name, j, item, full.TxIn[0].Witness[j])
			}
		}
	}
	for name, raw := range hostileTxs() {
		if _, err := bitcoin.DecodeTxSignerWitness(raw); !errors.Is(err, bitcoin.ErrBadTransaction) {
			t.Errorf("%s: DecodeTxSignerWitness: %v, want ErrBadTransaction", name, err)
		}
	}
}

// TestDecodeTxNeverYieldsZeroInputs: Bitcoin has no transaction without inputs, and the decoder
// gives none to its callers (which read input 0): serialized without inputs, the count 0 is the
// segwit marker, and a segwit transaction without inputs carries no witness, which is refused.
func TestDecodeTxNeverYieldsZeroInputs(t *testing.T) {
	for _, outputs := range []int{0, 1, 2} {
		tx := wire.NewMsgTx(2)
		for range outputs {
			tx.AddTxOut(wire.NewTxOut(1_000, []byte{0x51}))
		}
		var raw bytes.Buffer
		if err := tx.SerializeNoWitness(&raw); err != nil {
			t.Fatal(err)
		}
		for name, decode := range map[string]func([]byte) (*wire.MsgTx, error){
			"DecodeTx": bitcoin.DecodeTx, "DecodeTxSkipWitness": bitcoin.DecodeTxSkipWitness, "DecodeTxSignerWitness": bitcoin.DecodeTxSignerWitness,
		} {
			if got, err := decode(raw.Bytes()); err == nil && len(got.TxIn) == 0 {
				t.Errorf("%s of a transaction with no inputs and %d outputs gave one with no inputs", name, outputs)
			}
		}
	}
	segwitNoInputs := txBytes(version1, segwitFlag, compactSize(0), compactSize(0), lockTime0)
	if _, err := bitcoin.DecodeTx(segwitNoInputs); !errors.Is(err, bitcoin.ErrBadTransaction) {
		t.Errorf("segwit marker and no inputs: %v, want ErrBadTransaction", err)
	}
}
