package canonical

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// fakeNode serves a chain of blocks by height; tests change it between steps.
type fakeNode struct {
	blocks []*wire.MsgBlock // blocks[h] is the best chain's block at height h
	swap   map[chainhash.Hash]*wire.MsgBlock
}

func (n *fakeNode) GetBlockCount(context.Context) (int64, error) {
	return int64(len(n.blocks)) - 1, nil
}

func (n *fakeNode) GetBlockHashes(_ context.Context, from, to int64) ([]chainhash.Hash, error) {
	if from < 0 || to >= int64(len(n.blocks)) || from > to {
		return nil, fmt.Errorf("heights %d..%d out of range", from, to)
	}
	var out []chainhash.Hash
	for h := from; h <= to; h++ {
		out = append(out, n.blocks[h].BlockHash())
	}
	return out, nil
}

func (n *fakeNode) GetBlock(_ context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	if b, ok := n.swap[hash]; ok {
		return b, nil
	}
	for _, b := range n.blocks {
		if b.BlockHash() == hash {
			return b, nil
		}
	}
	return nil, errors.New("no such block")
}

// extend appends count blocks to the chain, on top of the block at height parent; every block
// whose height is a multiple of 3 carries a publication of keystone height*10 (branch tags the
// keystone's hash, so branches publish different keystones).
func (n *fakeNode) extend(parent int64, count int, branch byte) {
	n.blocks = n.blocks[:parent+1]
	for range count {
		prev := n.blocks[len(n.blocks)-1]
		h := int64(len(n.blocks))
		b := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4, PrevBlock: prev.BlockHash(), Nonce: uint32(h)<<8 | uint32(branch)}}
		coinbase := wire.NewMsgTx(2)
		coinbase.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, ^uint32(0)), []byte{byte(h), branch}, nil))
		coinbase.AddTxOut(wire.NewTxOut(50, []byte{0x51}))
		b.AddTransaction(coinbase)
		if h%3 == 0 {
			k := bitcoin.AbbreviatedKeystone{Version: bitcoin.AbbreviatedKeystoneVersion, KeystoneHeight: uint32(h * 10)}
			k.BlockHashPrefix[0] = branch
			tx := wire.NewMsgTx(2)
			tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{byte(h)}, 0), nil, nil))
			tx.AddTxOut(wire.NewTxOut(0, bitcoin.PoPScript(k)))
			b.AddTransaction(tx)
		}
		n.blocks = append(n.blocks, b)
	}
}

func newFakeNode(count int) *fakeNode {
	n := &fakeNode{blocks: []*wire.MsgBlock{{Header: wire.BlockHeader{Version: 4}}}}
	n.extend(0, count, 'a')
	return n
}

func step(t *testing.T, f *Follower, n *fakeNode, most int) bool {
	t.Helper()
	_, changed, err := f.Step(context.Background(), n, most)
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

// branches lists the branch tag of each publication the follower holds.
func branches(f *Follower) string {
	var s []byte
	for _, p := range f.Publications() {
		s = append(s, p.Keystone.BlockHashPrefix[0])
	}
	return string(s)
}

// TestFollowerScansAndFollowsReorgs: a follower scans from its start height in steps of at most
// the given size, reports a step that changed nothing, and on a reorg drops the blocks of the old
// branch and scans the new one, so that its publications are those of the node's best chain.
func TestFollowerScansAndFollowsReorgs(t *testing.T) {
	n := newFakeNode(20)
	f := NewFollower(5)
	if f.Height() != 4 {
		t.Fatalf("height before the first step %d, want 4", f.Height())
	}
	step(t, f, n, 10)
	if f.Height() != 14 {
		t.Fatalf("height after a step of 10 from 5: %d", f.Height())
	}
	step(t, f, n, 10)
	if f.Height() != 20 || f.Count() != 5 || branches(f) != "aaaaa" { // at 6 9 12 15 18
		t.Fatalf("height %d, %d publications %q", f.Height(), f.Count(), branches(f))
	}
	if step(t, f, n, 10) {
		t.Fatal("a step at the tip reported a change")
	}
	ps := f.Publications()
	for i := 1; i < len(ps); i++ {
		if !ps[i-1].before(ps[i]) {
			t.Fatalf("publications out of Bitcoin order: %+v before %+v", ps[i-1], ps[i])
		}
	}

	// A reorg from height 13: blocks 13..20 replaced by 13..24 of branch b. The rewind lands on
	// block 12, the common ancestor.
	n.extend(12, 12, 'b')
	if !step(t, f, n, 100) {
		t.Fatal("a reorg reported no change")
	}
	if f.Height() != 24 || branches(f) != "aaabbbb" { // a at 6 9 12, b at 15 18 21 24
		t.Fatalf("after the reorg: height %d, publications %q", f.Height(), branches(f))
	}

	// The node went back below what was scanned: the blocks above its tip are dropped.
	n.blocks = n.blocks[:11]
	step(t, f, n, 100)
	if f.Height() != 10 || branches(f) != "aa" {
		t.Fatalf("after the node went back to 10: height %d, publications %q", f.Height(), branches(f))
	}
}

// TestFollowerRefusesBadAnswers: a block that is not the one asked for, or that does not build
// on the block before it, ends the step; what was scanned before stays, and nothing of the bad
// answer is held.
func TestFollowerRefusesBadAnswers(t *testing.T) {
	n := newFakeNode(10)
	f := NewFollower(0)
	step(t, f, n, 5)
	if f.Height() != 4 {
		t.Fatalf("height %d", f.Height())
	}
	// Asked for block 5, the node answers block 7.
	n.swap = map[chainhash.Hash]*wire.MsgBlock{n.blocks[5].BlockHash(): n.blocks[7]}
	if _, _, err := f.Step(context.Background(), n, 5); err == nil || f.Height() != 4 {
		t.Fatalf("a wrong block was taken: %v, height %d", err, f.Height())
	}
	// Block 5 as asked, but it builds on another block 4.
	other := *n.blocks[5]
	other.Header.PrevBlock = chainhash.Hash{9}
	n.swap = nil
	n.blocks[5] = &other
	if _, _, err := f.Step(context.Background(), n, 5); !errors.Is(err, ErrChainChanged) {
		t.Fatalf("a block that does not build on the one before: %v, want ErrChainChanged", err)
	}
	if f.Height() != 4 {
		t.Fatalf("a block that does not link was taken: height %d", f.Height())
	}
	if _, _, err := f.Step(context.Background(), n, 0); err == nil {
		t.Fatal("a step of 0 blocks was accepted")
	}
}
