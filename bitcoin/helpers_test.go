package bitcoin_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// The real Bitcoin data is loaded with testutil/datagen, shared with the
// other packages' tests. What stays here is specific to this package's
// tests.

// mapView is a sparse ChainView for tests: it holds only the headers put in
// it, for example a run plus the retarget boundaries it needs from the CSV.
type mapView struct {
	headers map[uint64]*wire.BlockHeader
	hashes  map[uint64]chainhash.Hash
}

func newMapView() *mapView {
	return &mapView{headers: map[uint64]*wire.BlockHeader{}, hashes: map[uint64]chainhash.Hash{}}
}

func (v *mapView) put(height uint64, h wire.BlockHeader) {
	v.headers[height] = &h
	v.hashes[height] = h.BlockHash()
}

func (v *mapView) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	h, ok := v.headers[height]
	return h, ok
}

func (v *mapView) HashByHeight(height uint64) (chainhash.Hash, bool) {
	h, ok := v.hashes[height]
	return h, ok
}

// p2pkhScript is OP_DUP OP_HASH160 <pkh> OP_EQUALVERIFY OP_CHECKSIG.
func p2pkhScript(pkh []byte) []byte {
	return append(append([]byte{0x76, 0xa9, 0x14}, pkh...), 0x88, 0xac)
}

// legacySigHash is the SIGHASH_ALL digest of a pre-segwit input: the
// transaction without witness, every scriptSig emptied but the signed one,
// which is the spent output's script, followed by the 4-byte hash type. It

func legacySigHash(tb testing.TB, tx *wire.MsgTx, index int, spentScript []byte) []byte {
	tb.Helper()
	c := tx.Copy()
	for _, in := range c.TxIn {
		in.SignatureScript, in.Witness = nil, nil
	}
	c.TxIn[index].SignatureScript = spentScript
	var buf bytes.Buffer
	if err := c.SerializeNoWitness(&buf); err != nil {
		tb.Fatal(err)
	}
	buf.Write([]byte{1, 0, 0, 0}) // SIGHASH_ALL
	return chainhash.DoubleHashB(buf.Bytes())
}
