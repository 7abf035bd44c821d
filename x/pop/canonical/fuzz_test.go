package canonical

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// FuzzScanBlock feeds untrusted block bytes to the scanner: it never panics, reads only what the
// block holds, and every publication it returns is one FindPoPPayload accepts, at its place.
func FuzzScanBlock(f *testing.F) {
	k := chain("honest", [32]byte{}, 1)[0]
	popTx := wire.NewMsgTx(2)
	popTx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{9}, 0), []byte{0x51}, nil))
	popTx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
	coinbase := wire.NewMsgTx(1)
	coinbase.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), []byte{1, 2}, nil))
	coinbase.AddTxOut(wire.NewTxOut(50, []byte{0x51}))
	block := wire.NewMsgBlock(&wire.BlockHeader{})
	_ = block.AddTransaction(coinbase)
	_ = block.AddTransaction(popTx)
	var buf bytes.Buffer
	if err := block.Serialize(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := bitcoin.DecodeBlock(raw)
		if err != nil {
			return
		}
		pubs := ScanBlock(5, b)
		for _, p := range pubs {
			if p.TxIndex < 0 || p.TxIndex >= len(b.Transactions) {
				t.Fatalf("tx index %d of %d", p.TxIndex, len(b.Transactions))
			}
			tx := b.Transactions[p.TxIndex]
			ks, err := bitcoin.FindPoPPayload(tx)
			if err != nil || ks != p.Keystone || p.TxID != tx.TxHash() {
				t.Fatalf("publication %+v is not what tx %d carries: %v", p, p.TxIndex, err)
			}
			if got, err := bitcoin.ParsePoPScript(tx.TxOut[p.Output].PkScript); err != nil || got != ks {
				t.Fatalf("output %d: %v", p.Output, err)
			}
		}
		// The sequence over whatever was found is a function of it, whatever the order.
		r1, err1 := Build(Input{Interval: 1, Publications: pubs})
		rev := append([]Publication(nil), pubs...)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		r2, err2 := Build(Input{Interval: 1, Publications: rev})
		if (err1 == nil) != (err2 == nil) || len(r1.Keystones) != len(r2.Keystones) || len(r1.Conflicts) != len(r2.Conflicts) || r1.Ignored != r2.Ignored {
			t.Fatalf("order changed the result: %+v vs %+v", r1, r2)
		}
	})
}
