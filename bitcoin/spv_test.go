package bitcoin_test

import (
	"bytes"
	"errors"
	"math/bits"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// proof is a decoded spv-proofs.json vector, hashes in internal order.
type proof struct {
	name     string
	header   *wire.BlockHeader
	tx       []byte
	txid     chainhash.Hash
	index    uint32
	siblings []chainhash.Hash
}

func decodeVector(tb testing.TB, v datagen.SPVVector) proof {
	tb.Helper()
	h, err := bitcoin.ParseHeader(datagen.MustHex(tb, v.HeaderHex))
	if err != nil {
		tb.Fatal(err)
	}
	return proof{
		name:     v.Name(),
		header:   h,
		tx:       datagen.MustHex(tb, v.TxHex),
		txid:     datagen.DisplayHash(tb, v.TxID),
		index:    v.Index,
		siblings: v.Branch(tb),
	}
}

func TestSPVVectors(t *testing.T) {
	vectors := datagen.LoadSPVVectors(t)
	if len(vectors) != 48 {
		t.Fatalf("%d vectors, want 48", len(vectors))
	}
	for _, v := range vectors {
		p := decodeVector(t, v)
		if p.header.MerkleRoot != datagen.DisplayHash(t, v.MerkleRoot) || p.header.BlockHash() != datagen.DisplayHash(t, v.BlockHash) {
			t.Fatalf("%s: header does not match the vector's root or hash", p.name)
		}
		if v.TxCount != nil {
			if want := bits.Len(uint(*v.TxCount - 1)); len(p.siblings) != want {
				t.Fatalf("%s: %d siblings for %d txs", p.name, len(p.siblings), *v.TxCount)
			}
		}
		txid, err := bitcoin.TxID(p.tx)
		if err != nil || txid != p.txid {
			t.Fatalf("%s: TxID %s (%v), vector %s", p.name, txid, err, p.txid)
		}
		if err := bitcoin.VerifyInclusion(p.tx, p.header.MerkleRoot, p.index, p.siblings); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}

		// A trailing byte, or a missing one, is not the transaction.
		if err := bitcoin.VerifyInclusion(append(append([]byte{}, p.tx...), 0), p.header.MerkleRoot, p.index, p.siblings); !errors.Is(err, bitcoin.ErrBadTransaction) {
			t.Fatalf("%s with a trailing byte: %v", p.name, err)
		}
		if err := bitcoin.VerifyInclusion(p.tx[:len(p.tx)-1], p.header.MerkleRoot, p.index, p.siblings); !errors.Is(err, bitcoin.ErrBadTransaction) {
			t.Fatalf("%s truncated: %v", p.name, err)
		}

		// An index beyond the branch.
		if len(p.siblings) < 32 {
			far := p.index | 1<<len(p.siblings)
			if err := bitcoin.VerifyInclusion(p.tx, p.header.MerkleRoot, far, p.siblings); !errors.Is(err, bitcoin.ErrIndexOutOfRange) {
				t.Fatalf("%s at index %d: %v", p.name, far, err)
			}
		}
		if len(p.siblings) == 0 {
			continue
		}

		// A changed sibling at each level.
		for level := range p.siblings {
			bad := append([]chainhash.Hash(nil), p.siblings...)
			bad[level][level%chainhash.HashSize] ^= 0x01
			if err := bitcoin.VerifyInclusion(p.tx, p.header.MerkleRoot, p.index, bad); !errors.Is(err, bitcoin.ErrMerkleRootMismatch) {
				t.Fatalf("%s with sibling %d changed: %v", p.name, level, err)
			}
		}
		// A changed index at each level. Moving the last tx of an odd level
		// to the right lands on Bitcoin's copy of it, which is refused as
		// such; anything else leads to another root.
		for level := range p.siblings {
			err := bitcoin.VerifyInclusion(p.tx, p.header.MerkleRoot, p.index^1<<level, p.siblings)
			if !errors.Is(err, bitcoin.ErrMerkleRootMismatch) && !errors.Is(err, bitcoin.ErrMerkleDuplicateNode) {
				t.Fatalf("%s with index bit %d flipped: %v", p.name, level, err)
			}
		}
	}
}

// The last of 1851 transactions pairs with its own copy at the leaf level:
// claiming it sits at 1851 (one past the end) must fail as a duplicate.
func TestSPVDuplicateLastTx(t *testing.T) {
	for _, v := range datagen.LoadSPVVectors(t) {
		if v.Height == nil || *v.Height != 830000 || v.Index != 1850 {
			continue
		}
		p := decodeVector(t, v)
		if p.siblings[0] != p.txid {
			t.Fatal("the last tx of an odd level should be paired with itself")
		}
		err := bitcoin.VerifyInclusion(p.tx, p.header.MerkleRoot, 1851, p.siblings)
		if !errors.Is(err, bitcoin.ErrMerkleDuplicateNode) {
			t.Fatalf("index 1851: got %v, want ErrMerkleDuplicateNode", err)
		}
		return
	}
	t.Fatal("no vector for 830000 index 1850")
}

// A 64-byte transaction can pass for an inner node of the tree. The inner
// node above txs 0 and 1 of block 830000 is the double SHA-256 of their
// 64 txid bytes, so those bytes "verify" one level up when treated as a
// txid. VerifyInclusion refuses them as a transaction, and refuses any tx
// that is 64 bytes without witness.
func TestSPV64ByteTransaction(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	txids := blockTxIDs(block)
	branch, err := bitcoin.MerkleBranch(txids, 0)
	if err != nil {
		t.Fatal(err)
	}
	root := block.Header.MerkleRoot
	node := append(append([]byte{}, txids[0][:]...), txids[1][:]...)
	if err := bitcoin.VerifyTxIDInclusion(chainhash.DoubleHashH(node), root, 0, branch[1:]); err != nil {
		t.Fatalf("the inner node should fold to the root: %v", err)
	}
	if err := bitcoin.VerifyInclusion(node, root, 0, branch[1:]); !errors.Is(err, bitcoin.ErrTx64Bytes) {
		t.Fatalf("64 bytes of txids as a tx: got %v, want ErrTx64Bytes", err)
	}

	// A well-formed transaction that is 64 bytes without witness: one
	// input with an empty script and one output with a 4-byte script.
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: txids[5], Index: 0}, nil, nil))
	tx.AddTxOut(wire.NewTxOut(1000, []byte{0x6a, 0x02, 0xbe, 0xef}))
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil || buf.Len() != 64 {
		t.Fatalf("built a %d-byte tx (%v)", buf.Len(), err)
	}
	oneTxRoot := tx.TxHash() // a block holding only this tx
	if err := bitcoin.VerifyInclusion(buf.Bytes(), oneTxRoot, 0, nil); !errors.Is(err, bitcoin.ErrTx64Bytes) {
		t.Fatalf("64-byte tx: got %v, want ErrTx64Bytes", err)
	}
	// With witness data the serialization is longer, but the txid still
	// covers the 64 stripped bytes.
	tx.TxIn[0].Witness = wire.TxWitness{{0x01, 0x02, 0x03}}
	buf.Reset()
	if err := tx.Serialize(&buf); err != nil || buf.Len() == 64 {
		t.Fatalf("witness tx is %d bytes (%v)", buf.Len(), err)
	}
	if err := bitcoin.VerifyInclusion(buf.Bytes(), oneTxRoot, 0, nil); !errors.Is(err, bitcoin.ErrTx64Bytes) {
		t.Fatalf("64-byte stripped tx with witness: got %v, want ErrTx64Bytes", err)
	}
}

// TestSPVBelowA64ByteTransaction: the Merkle tree's leaf-node weakness. A 64-byte
// transaction X in a block lets a path one level longer than the tree "prove" whatever
// hashes to X's last 32 bytes, under X. The block here is 830000 with its sixth
// transaction replaced by such an X (a real attacker grinds a fake transaction F until
// its txid is X's tail; the proof below starts from that txid). Every real path of the
// block still verifies (TestFullBlock830000), while this one is refused at its first
// level.
func TestSPVBelowA64ByteTransaction(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	txids := blockTxIDs(block)
	x := wire.NewMsgTx(1)
	x.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: txids[7], Index: 3}, nil, nil))
	x.AddTxOut(wire.NewTxOut(240, []byte{0x51, 0x02, 0x4e, 0x73})) // a pay-to-anchor output
	var buf bytes.Buffer
	if err := x.Serialize(&buf); err != nil || buf.Len() != 64 {
		t.Fatalf("built a %d-byte tx (%v)", buf.Len(), err)
	}
	const at = 5
	txids[at] = x.TxHash()
	root, err := bitcoin.MerkleRoot(txids)
	if err != nil {
		t.Fatal(err)
	}
	branch, err := bitcoin.MerkleBranch(txids, at)
	if err != nil {
		t.Fatal(err)
	}
	var head, tail chainhash.Hash
	copy(head[:], buf.Bytes()[:32])
	copy(tail[:], buf.Bytes()[32:])
	path := append([]chainhash.Hash{head}, branch...)
	err = bitcoin.VerifyTxIDInclusion(tail, root, 2*at+1, path)
	if !errors.Is(err, bitcoin.ErrMerkleNodeIsTx) {
		t.Fatalf("a txid one level below a 64-byte transaction: got %v, want ErrMerkleNodeIsTx", err)
	}
	// The same path folds to the root: only the rule stops it.
	node := chainhash.DoubleHashH(buf.Bytes())
	if err := bitcoin.VerifyTxIDInclusion(node, root, at, branch); err != nil {
		t.Fatalf("X's own path: %v", err)
	}
}

func TestSPVArgumentLimits(t *testing.T) {
	var h chainhash.Hash
	if err := bitcoin.VerifyTxIDInclusion(h, h, 0, make([]chainhash.Hash, 33)); !errors.Is(err, bitcoin.ErrBranchTooLong) {
		t.Fatalf("33 siblings: %v", err)
	}
	if err := bitcoin.VerifyTxIDInclusion(h, h, 1, nil); !errors.Is(err, bitcoin.ErrIndexOutOfRange) {
		t.Fatalf("index 1 without siblings: %v", err)
	}
	if err := bitcoin.VerifyTxIDInclusion(h, h, 0, nil); err != nil {
		t.Fatalf("a lone tx is its own root: %v", err)
	}
	if _, err := bitcoin.MerkleRoot(nil); !errors.Is(err, bitcoin.ErrNoTransactions) {
		t.Fatalf("empty merkle root: %v", err)
	}
	if _, err := bitcoin.MerkleBranch([]chainhash.Hash{h}, 1); !errors.Is(err, bitcoin.ErrIndexOutOfRange) {
		t.Fatalf("branch past the end: %v", err)
	}
	if _, err := bitcoin.TxID(nil); !errors.Is(err, bitcoin.ErrBadTransaction) {
		t.Fatalf("empty tx: %v", err)
	}
}

func blockTxIDs(block *wire.MsgBlock) []chainhash.Hash {
	txids := make([]chainhash.Hash, len(block.Transactions))
	for i, tx := range block.Transactions {
		txids[i] = tx.TxHash()
	}
	return txids
}

// The full block 830000: its merkle root recomputes from all 1851 txids, the
// branches MerkleBranch builds match the vectors, and every transaction's
// raw bytes verify at its index.
func TestFullBlock830000(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	if len(block.Transactions) != 1851 {
		t.Fatalf("%d txs", len(block.Transactions))
	}
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	if block.Header != *run.At(t, 830000) {
		t.Fatal("block header differs from the header run")
	}
	txids := blockTxIDs(block)
	root, err := bitcoin.MerkleRoot(txids)
	if err != nil || root != block.Header.MerkleRoot {
		t.Fatalf("merkle root %s (%v), header %s", root, err, block.Header.MerkleRoot)
	}

	for _, v := range datagen.LoadSPVVectors(t) {
		if v.Height == nil || *v.Height != 830000 {
			continue
		}
		p := decodeVector(t, v)
		branch, err := bitcoin.MerkleBranch(txids, p.index)
		if err != nil || len(branch) != len(p.siblings) {
			t.Fatalf("%s: %v", p.name, err)
		}
		for i := range branch {
			if branch[i] != p.siblings[i] {
				t.Fatalf("%s: sibling %d differs from the vector", p.name, i)
			}
		}
	}

	var buf bytes.Buffer
	for i, tx := range block.Transactions {
		buf.Reset()
		if err := tx.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		branch, err := bitcoin.MerkleBranch(txids, uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := bitcoin.VerifyInclusion(buf.Bytes(), root, uint32(i), branch); err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
	}
}

// TestMerkleTreeKeepsItsOwnTxids: the tree copies the txids it is built from, so a caller that
// reuses its slice does not change the branches it gives.
func TestMerkleTreeKeepsItsOwnTxids(t *testing.T) {
	txids := make([]chainhash.Hash, 5)
	for i := range txids {
		txids[i][0] = byte(i + 1)
	}
	root, err := bitcoin.MerkleRoot(txids)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := bitcoin.NewMerkleTree(txids)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tree.Branch(3)
	if err != nil {
		t.Fatal(err)
	}
	leaf := txids[3]
	for i := range txids {
		txids[i] = chainhash.Hash{0xff}
	}
	got, err := tree.Branch(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0] != want[0] {
		t.Fatalf("branch changed with the caller's slice: %v, want %v", got, want)
	}
	if err := bitcoin.VerifyTxIDInclusion(leaf, root, 3, got); err != nil {
		t.Fatal(err)
	}
}
