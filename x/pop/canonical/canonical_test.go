package canonical

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

const interval = 10

// chain builds the keystones of a hemi chain named name at heights interval..n*interval, the
// first one linking to start.
func chain(name string, start [32]byte, n int) []bitcoin.AbbreviatedKeystone {
	prev := start
	var out []bitcoin.AbbreviatedKeystone
	for i := 1; i <= n; i++ {
		h := uint32(i * interval)
		hash := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", name, h)))
		k := bitcoin.AbbreviatedKeystone{Version: bitcoin.AbbreviatedKeystoneVersion, BTCHeight: uint32(100 + i), KeystoneHeight: h}
		copy(k.PrevKeystoneHashPrefix[:], prev[:])
		copy(k.BlockHashPrefix[:], hash[:])
		copy(k.AppHash[:], hash[:])
		out = append(out, k)
		prev = hash
	}
	return out
}

// fork is honest below height, then name's own keystones, the first linking to the honest one
// before height.
func fork(honest []bitcoin.AbbreviatedKeystone, name string, height uint32) []bitcoin.AbbreviatedKeystone {
	var out []bitcoin.AbbreviatedKeystone
	for _, k := range honest {
		if k.KeystoneHeight >= height {
			hash := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", name, k.KeystoneHeight)))
			copy(k.PrevKeystoneHashPrefix[:], out[len(out)-1].BlockHashPrefix[:])
			copy(k.BlockHashPrefix[:], hash[:])
			copy(k.AppHash[:], hash[:])
		}
		out = append(out, k)
	}
	return out
}

func pub(k bitcoin.AbbreviatedKeystone, height int64, tx int) Publication {
	return Publication{Keystone: k, BlockHeight: height, BlockHash: chainhash.Hash{byte(height)}, TxIndex: tx, TxID: chainhash.Hash{byte(height), byte(tx), 1}}
}

func heights(r Result) []uint32 {
	var out []uint32
	for _, k := range r.Keystones {
		out = append(out, k.Keystone.KeystoneHeight)
	}
	return out
}

func build(t *testing.T, in Input) Result {
	t.Helper()
	in.Interval = interval
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEveryKeystonePublished(t *testing.T) {
	h := chain("honest", [32]byte{}, 4)
	var pubs []Publication
	for i, k := range h {
		pubs = append(pubs, pub(k, int64(200+i), 1))
	}
	r := build(t, Input{Start: Genesis, Publications: pubs, BitcoinTip: 210})
	if got := heights(r); fmt.Sprint(got) != "[10 20 30 40]" {
		t.Fatalf("sequence %v", got)
	}
	if r.Next != 50 || len(r.Conflicts) != 0 || len(r.Contested) != 0 || r.Ignored != 0 {
		t.Fatalf("result %+v", r)
	}
	if c := r.Keystones[0].Confirmations; c != 11 {
		t.Fatalf("confirmations of the first keystone: %d, want 11", c)
	}
	if r.Keystones[3].Published == nil || r.Keystones[3].Published.BlockHeight != 203 {
		t.Fatalf("own publication %+v", r.Keystones[3].Published)
	}
}

// A fork whose first forged keystone links to the canonical predecessor, published later than
// the honest one at the same height: a conflict naming both publications.
func TestForkIsAConflict(t *testing.T) {
	h := chain("honest", [32]byte{}, 4)
	f := fork(h, "forged", 30)
	pubs := []Publication{pub(h[0], 200, 1), pub(h[1], 201, 1), pub(h[2], 202, 1), pub(f[2], 203, 1), pub(f[3], 204, 1), pub(h[3], 205, 1)}
	r := build(t, Input{Start: Genesis, Publications: pubs, BitcoinTip: 210})
	if got := heights(r); fmt.Sprint(got) != "[10 20 30 40]" || r.Keystones[2].Keystone != h[2] || r.Keystones[3].Keystone != h[3] {
		t.Fatalf("sequence %v", got)
	}
	if len(r.Conflicts) != 1 {
		t.Fatalf("conflicts %+v", r.Conflicts)
	}
	c := r.Conflicts[0]
	if c.Height != 30 || c.Forged != f[2] || c.Evidence.BlockHeight != 203 || c.Canonical.Anchor.BlockHeight != 202 {
		t.Fatalf("conflict %+v", c)
	}
	// The forged keystone at 40 descends from the conflict: it is no new finding.
	if len(r.Contested) != 0 || r.Ignored != 0 {
		t.Fatalf("contested %+v ignored %d", r.Contested, r.Ignored)
	}
}

// The forged history published first wins: the rule is the earliest anchoring publication, so
// the honest chain is the conflict. Order in the input does not matter.
func TestEarliestPublishedWinsWhateverTheInputOrder(t *testing.T) {
	h := chain("honest", [32]byte{}, 2)
	f := fork(h, "forged", 20)
	pubs := []Publication{pub(h[1], 201, 2), pub(h[0], 200, 1), pub(f[1], 201, 1)}
	r := build(t, Input{Start: Genesis, Publications: pubs})
	if r.Keystones[1].Keystone != f[1] || len(r.Conflicts) != 1 || r.Conflicts[0].Forged != h[1] {
		t.Fatalf("same block, tx 1 before tx 2: %+v", r)
	}
}

// A gap: the keystone at 20 was never published. From Bitcoin alone the sequence stops at 10;
// the keystone at 20 from a node bridges it, and the publication at 30 anchors both.
func TestGapIsBridgedByKnownKeystones(t *testing.T) {
	h := chain("honest", [32]byte{}, 3)
	pubs := []Publication{pub(h[0], 200, 1), pub(h[2], 205, 1)}
	r := build(t, Input{Start: Genesis, Publications: pubs, BitcoinTip: 210})
	if got := heights(r); fmt.Sprint(got) != "[10]" || r.Next != 20 {
		t.Fatalf("without the bridge: %v next %d", got, r.Next)
	}
	// The unlinked publication at 30 came after keystone 10's anchor: it contests nothing.
	if len(r.Contested) != 0 || r.Ignored != 1 {
		t.Fatalf("contested %+v ignored %d", r.Contested, r.Ignored)
	}
	r = build(t, Input{Start: Genesis, Publications: pubs, Known: h, BitcoinTip: 210})
	if got := heights(r); fmt.Sprint(got) != "[10 20 30]" {
		t.Fatalf("with the bridge: %v", got)
	}
	if k := r.Keystones[1]; k.Published != nil || k.Anchor.BlockHeight != 205 || k.Confirmations != 6 {
		t.Fatalf("bridged keystone %+v", k)
	}
}

// A node's own forged keystones bridge a gap too, but an honest publication that does not
// descend from them and was published before they were anchored contests them.
func TestForgedBridgeIsContested(t *testing.T) {
	h := chain("honest", [32]byte{}, 3)
	f := chain("forged", [32]byte{}, 3) // diverges from genesis on
	pubs := []Publication{pub(h[1], 201, 1), pub(f[2], 202, 1)}
	r := build(t, Input{Start: Genesis, Publications: pubs, Known: f})
	if got := heights(r); fmt.Sprint(got) != "[10 20 30]" || r.Keystones[0].Keystone != f[0] {
		t.Fatalf("sequence %v", got)
	}
	if len(r.Contested) != 1 || r.Contested[0].Height != 10 || r.Contested[0].Evidence.BlockHeight != 201 {
		t.Fatalf("contested %+v", r.Contested)
	}
	// The honest node's keystones: the forged publication at 30 came after keystone 10 and 20
	// were anchored, so it contests nothing.
	r = build(t, Input{Start: Genesis, Publications: pubs, Known: h})
	if r.Keystones[0].Keystone != h[0] || len(r.Contested) != 0 || r.Ignored != 1 || len(r.Conflicts) != 0 {
		t.Fatalf("honest: %+v", r)
	}
}

// Another hemi chain's payloads link to nothing of this chain, from a trusted keystone on.
func TestForeignChainIsIgnored(t *testing.T) {
	h := chain("honest", [32]byte{}, 3)
	other := chain("other", [32]byte{7}, 3)
	var start Start
	start.Height = 10
	copy(start.BlockHash[:], h[0].BlockHashPrefix[:]) // the prefix is all the links compare
	pubs := []Publication{pub(other[1], 199, 1), pub(h[1], 200, 1), pub(other[2], 200, 2), pub(h[2], 201, 1)}
	r := build(t, Input{Start: start, Publications: pubs})
	if got := heights(r); fmt.Sprint(got) != "[20 30]" || len(r.Conflicts) != 0 || len(r.Contested) != 0 || r.Ignored != 2 {
		t.Fatalf("%v %+v", got, r)
	}
}

// A Bitcoin reorg is another input: the sequence is recomputed from the chain given.
func TestReorgRecomputes(t *testing.T) {
	h := chain("honest", [32]byte{}, 2)
	f := fork(h, "forged", 20)
	before := build(t, Input{Start: Genesis, Publications: []Publication{pub(h[0], 200, 1), pub(h[1], 201, 1), pub(f[1], 202, 1)}})
	if before.Keystones[1].Keystone != h[1] || len(before.Conflicts) != 1 {
		t.Fatalf("before: %+v", before)
	}
	// Block 201 is reorged out; the honest tx is mined again at 203, after the forged one.
	after := build(t, Input{Start: Genesis, Publications: []Publication{pub(h[0], 200, 1), pub(f[1], 202, 1), pub(h[1], 203, 1)}})
	if after.Keystones[1].Keystone != f[1] || after.Conflicts[0].Forged != h[1] {
		t.Fatalf("after: %+v", after)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Build(Input{}); err == nil {
		t.Fatal("a zero interval was accepted")
	}
}

func TestScanBlock(t *testing.T) {
	k := chain("honest", [32]byte{}, 1)[0]
	coinbase := wire.NewMsgTx(1)
	coinbase.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), []byte{1, 2}, nil))
	coinbase.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k))) // a coinbase never counts
	popTx := wire.NewMsgTx(2)
	popTx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{9}, 0), nil, nil))
	popTx.AddTxOut(wire.NewTxOut(1000, []byte{0x51}))
	popTx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
	block := wire.NewMsgBlock(&wire.BlockHeader{})
	for _, tx := range []*wire.MsgTx{coinbase, popTx} {
		if err := block.AddTransaction(tx); err != nil {
			t.Fatal(err)
		}
	}
	got := ScanBlock(77, block)
	if len(got) != 1 || got[0].TxIndex != 1 || got[0].Output != 1 || got[0].Keystone != k || got[0].BlockHeight != 77 ||
		got[0].TxID != popTx.TxHash() || got[0].BlockHash != block.BlockHash() {
		t.Fatalf("scan: %+v", got)
	}
}

func TestParseStart(t *testing.T) {
	if s, err := ParseStart(""); err != nil || s != Genesis {
		t.Fatalf("empty: %v %v", s, err)
	}
	s, err := ParseStart("150:" + strings.Repeat("ab", 32))
	if err != nil || s.Height != 150 || s.BlockHash[0] != 0xab {
		t.Fatalf("%v %v", s, err)
	}
	for _, bad := range []string{"150", "x:ab", "150:abcd", "150:" + strings.Repeat("zz", 32)} {
		if _, err := ParseStart(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}
