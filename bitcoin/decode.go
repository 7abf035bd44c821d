package bitcoin

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/wire"
)

// Bounded decoding of Bitcoin transactions and blocks.
//
// btcd's wire decoder sizes its slices from the counts the bytes declare
// before it reads the elements: 9 bytes declaring 818,400 inputs make it
// allocate about 85 MB, and a 4,000,000-item witness count about 96 MB, only
// to fail at the end of the input. Every count and length here is first
// checked against the bytes that remain, each element taking at least its
// minimum encoded size, so what is allocated is bounded by a small multiple of
// the input's length. Every script and witness item is a sub-slice of one copy
// of the input (its capacity clipped, so an append by a caller never writes
// into its neighbour), which keeps the number of allocations small too.
//
// For every transaction btcd decodes, the result is the same (txid, wtxid and
// serialization); the rules that make btcd refuse bytes are kept: canonical
// CompactSize integers, the 0x01 witness flag, no witness flag without a
// witness (Bitcoin Core's "superfluous witness record"), and btcd's item-size
// limit.

// Minimum encoded sizes, used to bound counts by the bytes left.
const (
	// minTxInSize is an input with an empty scriptSig: outpoint (32 + 4),
	// script length (1) and sequence (4).
	minTxInSize = 32 + 4 + 1 + 4
	// minTxOutSize is an output with an empty script: value (8) and script
	// length (1).
	minTxOutSize = 8 + 1
	// minWitnessItemSize is an empty witness item: its length (1).
	minWitnessItemSize = 1
	// minTxSize is the shortest transaction that decodes: version (4), one
	// input (a zero input count is the segwit marker, and a segwit
	// transaction without inputs has no witness, which is refused), no
	// outputs and the lock time (4).
	minTxSize = 4 + 1 + minTxInSize + 1 + 4

	// maxWitnessItemSize is btcd's limit on one witness item; no valid block
	// can hold a larger one (its weight limit is 4,000,000).
	maxWitnessItemSize = 4_000_000
)

// DecodeTx decodes exactly one serialized transaction, with or without BIP144
// witness data, within the bytes given: a count or length that the remaining
// bytes cannot hold is refused before anything is allocated for it. Trailing
// bytes are an error so that a proof is about exactly the bytes given. Every
// error wraps ErrBadTransaction and says what is wrong at which byte offset.
func DecodeTx(rawTx []byte) (*wire.MsgTx, error) { return decodeTx(rawTx, keepWitness) }

func decodeTx(rawTx []byte, witness witnessMode) (*wire.MsgTx, error) {
	d := newDecoder(rawTx, ErrBadTransaction)
	d.witness = witness
	tx, err := d.tx()
	if err != nil {
		return nil, err
	}
	if n := d.remaining(); n != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the transaction", ErrBadTransaction, n)
	}
	return tx, nil
}

// DecodeBlock decodes exactly one serialized block (an 80-byte header, the
// transaction count and the transactions), bounded as DecodeTx is: the count
// is checked against the bytes left, each transaction taking at least
// minTxSize. It does not check the block (merkle root, witness commitment);
// errors wrap ErrBadBlock, and ErrBadTransaction for a transaction that does
// not decode.
func DecodeBlock(rawBlock []byte) (*wire.MsgBlock, error) {
	d := newDecoder(rawBlock, ErrBadBlock)
	if d.remaining() < HeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrBadBlock, len(rawBlock), HeaderSize)
	}
	var block wire.MsgBlock
	if err := block.Header.Deserialize(bytes.NewReader(d.take(HeaderSize))); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrBadBlock, err) // cannot happen with 80 bytes
	}
	n, err := d.count(field{format: "number of transactions"}, minTxSize)
	if err != nil {
		return nil, err
	}
	block.Transactions = make([]*wire.MsgTx, n)
	d.fail = ErrBadTransaction
	for i := range block.Transactions {
		tx, err := d.tx()
		if err != nil {
			return nil, fmt.Errorf("%w: transaction %d: %w", ErrBadBlock, i, err)
		}
		block.Transactions[i] = tx
	}
	if n := d.remaining(); n != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the last transaction", ErrBadBlock, n)
	}
	return &block, nil
}

// DecodeTxSkipWitness decodes rawTx as DecodeTx does, refusing what it refuses, but returns the
// transaction without its witness: for callers that read only what the txid commits to. A
// witness of many empty items takes a slice header (24 bytes) per 1-byte item once decoded, so
// skipping it keeps the memory to the input's copy.
func DecodeTxSkipWitness(rawTx []byte) (*wire.MsgTx, error) { return decodeTx(rawTx, skipWitness) }

// MaxSignerWitnessItems is how many items of input 0's witness DecodeTxSignerWitness keeps: a
// key-hash spend's witness is [signature, key], and one more tells a longer witness from it.
const MaxSignerWitnessItems = 3

// DecodeTxSignerWitness decodes rawTx as DecodeTx does, refusing what it refuses, but keeps of
// the witness only what InputSignerAccount reads: input 0's, and at most its first
// MaxSignerWitnessItems items. The other inputs' witnesses, which nothing reads and whose empty
// items would each take a slice header, are checked and dropped.
func DecodeTxSignerWitness(rawTx []byte) (*wire.MsgTx, error) {
	return decodeTx(rawTx, signerWitness)
}

// witnessMode is what the decoder keeps of a segwit transaction's witness.
type witnessMode int

const (
	keepWitness   witnessMode = iota // all of it
	skipWitness                      // none
	signerWitness                    // input 0's first MaxSignerWitnessItems items
)

// skipWitnesses reads the witnesses of tx's inputs, each within the bytes left, and keeps none,
// or in signerWitness mode input 0's first MaxSignerWitnessItems items.
func (d *decoder) skipWitnesses(tx *wire.MsgTx) error {
	any := false
	for i, in := range tx.TxIn {
		nItems, err := d.count(field{"number of witness items of input %d", i, 0}, minWitnessItemSize)
		if err != nil {
			return err
		}
		any = any || nItems > 0
		if i == 0 && d.witness == signerWitness && nItems > 0 {
			in.Witness = make(wire.TxWitness, 0, min(nItems, MaxSignerWitnessItems))
		}
		for j := range nItems {
			item, err := d.bytes(field{"length of input %d witness item %d", i, j}, maxWitnessItemSize)
			if err != nil {
				return err
			}
			if len(in.Witness) < cap(in.Witness) {
				in.Witness = append(in.Witness, item)
			}
		}
	}
	if !any {
		return d.errorf("segwit marker set, but every input's witness is empty")
	}
	return nil
}

// decoder reads a copy of the input, so that the scripts it returns do not
// alias the caller's buffer.
type decoder struct {
	b    []byte
	off  int
	fail error // the sentinel every error wraps
	// quiet makes every error the bare sentinel: for callers that only ask whether bytes decode
	// (the merkle check asks it of every proof level), formatting the message would be most of the
	// work.
	quiet bool
	// witness says what of the witness is kept; every item is read within the bytes left.
	witness witnessMode
}

func newDecoder(raw []byte, fail error) *decoder {
	return &decoder{b: bytes.Clone(raw), fail: fail}
}

func (d *decoder) remaining() int { return len(d.b) - d.off }

func (d *decoder) errorf(format string, args ...any) error {
	if d.quiet {
		return d.fail
	}
	return fmt.Errorf("%w: at byte %d: %s", d.fail, d.off, fmt.Sprintf(format, args...))
}

// field names what is being read, for an error. It is formatted only when an
// error occurs, so that decoding a valid transaction formats nothing.
type field struct {
	format string // with up to two %d, for i and j
	i, j   int
}

func (f field) String() string {
	switch strings.Count(f.format, "%d") {
	case 0:
		return f.format
	case 1:
		return fmt.Sprintf(f.format, f.i)
	default:
		return fmt.Sprintf(f.format, f.i, f.j)
	}
}

// take returns the next n bytes, which the caller checked are there, with
// their capacity clipped to n.
func (d *decoder) take(n int) []byte {
	s := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return s
}

func (d *decoder) fixed(n int, f field) ([]byte, error) {
	if d.remaining() < n {
		return nil, d.errorf("%s needs %d bytes, %d left", f, n, d.remaining())
	}
	return d.take(n), nil
}

func (d *decoder) uint32(f field) (uint32, error) {
	b, err := d.fixed(4, f)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// compactSize reads a CompactSize integer in its canonical (shortest) form,
// as btcd and Bitcoin Core require.
func (d *decoder) compactSize(f field) (uint64, error) {
	start := d.off
	prefix, err := d.fixed(1, f)
	if err != nil {
		return 0, err
	}
	var v, least uint64
	switch prefix[0] {
	case 0xfd:
		b, err := d.fixed(2, f)
		if err != nil {
			return 0, err
		}
		v, least = uint64(binary.LittleEndian.Uint16(b)), 0xfd
	case 0xfe:
		b, err := d.fixed(4, f)
		if err != nil {
			return 0, err
		}
		v, least = uint64(binary.LittleEndian.Uint32(b)), 0x1_0000
	case 0xff:
		b, err := d.fixed(8, f)
		if err != nil {
			return 0, err
		}
		v, least = binary.LittleEndian.Uint64(b), 0x1_0000_0000
	default:
		return uint64(prefix[0]), nil
	}
	if v < least {
		d.off = start
		return 0, d.errorf("%s %d is not in its shortest encoding", f, v)
	}
	return v, nil
}

// count reads the number of elements that follow, each at least minSize
// bytes long, and refuses a number that the bytes left cannot hold.
func (d *decoder) count(f field, minSize int) (int, error) {
	n, err := d.compactSize(f)
	if err != nil {
		return 0, err
	}
	if left := uint64(d.remaining()); n > left/uint64(minSize) {
		return 0, d.errorf("%s is %d, but the %d bytes left hold at most %d (each takes at least %d bytes)",
			f, n, left, left/uint64(minSize), minSize)
	}
	return int(n), nil
}

// bytes reads a byte string (a script or witness item) after its length.
func (d *decoder) bytes(f field, max uint64) ([]byte, error) {
	n, err := d.compactSize(f)
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, d.errorf("%s is %d, more than the %d allowed", f, n, max)
	}
	if n > uint64(d.remaining()) {
		return nil, d.errorf("%s is %d, but only %d bytes are left", f, n, d.remaining())
	}
	return d.take(int(n)), nil
}

// tx reads one transaction in the BIP144 serialization: version, then either
// the input count or the marker 0x00 and flag 0x01, inputs, outputs, one
// witness per input when flagged, and the lock time.
func (d *decoder) tx() (*wire.MsgTx, error) {
	version, err := d.uint32(field{format: "version"})
	if err != nil {
		return nil, err
	}
	tx := &wire.MsgTx{Version: int32(version)}

	// A transaction has at least one input, so an input count of zero is
	// the segwit marker.
	segwit := false
	if d.remaining() > 0 && d.b[d.off] == 0x00 {
		flag, err := d.fixed(2, field{format: "segwit marker and flag"})
		if err != nil {
			return nil, err
		}
		if flag[1] != 0x01 {
			d.off--
			return nil, d.errorf("segwit flag is 0x%02x, only 0x01 is defined", flag[1])
		}
		segwit = true
	}

	nIn, err := d.count(field{format: "number of inputs"}, minTxInSize)
	if err != nil {
		return nil, err
	}
	ins := make([]wire.TxIn, nIn)
	tx.TxIn = make([]*wire.TxIn, nIn)
	for i := range ins {
		in := &ins[i]
		hash, err := d.fixed(32, field{"input %d outpoint hash", i, 0})
		if err != nil {
			return nil, err
		}
		copy(in.PreviousOutPoint.Hash[:], hash)
		if in.PreviousOutPoint.Index, err = d.uint32(field{"input %d outpoint index", i, 0}); err != nil {
			return nil, err
		}
		if in.SignatureScript, err = d.bytes(field{"length of input %d scriptSig", i, 0}, wire.MaxMessagePayload); err != nil {
			return nil, err
		}
		if in.Sequence, err = d.uint32(field{"input %d sequence", i, 0}); err != nil {
			return nil, err
		}
		tx.TxIn[i] = in
	}

	nOut, err := d.count(field{format: "number of outputs"}, minTxOutSize)
	if err != nil {
		return nil, err
	}
	outs := make([]wire.TxOut, nOut)
	tx.TxOut = make([]*wire.TxOut, nOut)
	for i := range outs {
		out := &outs[i]
		value, err := d.fixed(8, field{"output %d value", i, 0})
		if err != nil {
			return nil, err
		}
		out.Value = int64(binary.LittleEndian.Uint64(value))
		if out.PkScript, err = d.bytes(field{"length of output %d script", i, 0}, wire.MaxMessagePayload); err != nil {
			return nil, err
		}
		tx.TxOut[i] = out
	}

	if segwit && d.witness != keepWitness {
		if err := d.skipWitnesses(tx); err != nil {
			return nil, err
		}
	} else if segwit {
		for i, in := range tx.TxIn {
			nItems, err := d.count(field{"number of witness items of input %d", i, 0}, minWitnessItemSize)
			if err != nil {
				return nil, err
			}
			if nItems == 0 {
				continue
			}
			in.Witness = make(wire.TxWitness, nItems)
			for j := range in.Witness {
				if in.Witness[j], err = d.bytes(field{"length of input %d witness item %d", i, j}, maxWitnessItemSize); err != nil {
					return nil, err
				}
			}
		}
		// Serialized again, such a transaction would lose its marker: the
		// bytes would not be the transaction's. Bitcoin Core and btcd refuse
		// it too.
		if !tx.HasWitness() {
			return nil, d.errorf("segwit marker set, but every input's witness is empty")
		}
	}

	if tx.LockTime, err = d.uint32(field{format: "lock time"}); err != nil {
		return nil, err
	}
	return tx, nil
}
