package bitcoin

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// MaxMerkleDepth bounds a branch: a uint32 index addresses at most 2^32
// leaves, far more than any block can hold.
const MaxMerkleDepth = 32

// TxID returns the txid of a serialized transaction: the double SHA-256 of its
// serialization without witness data, in internal byte order.
func TxID(rawTx []byte) (chainhash.Hash, error) {
	tx, err := DecodeTx(rawTx)
	if err != nil {
		return chainhash.Hash{}, err
	}
	return tx.TxHash(), nil
}

// VerifyInclusion checks that the serialized transaction rawTx is at position
// index of the block whose merkle root is merkleRoot, given the sibling hashes
// from the leaf level up. See VerifyTxInclusion; 64 bytes that do not even
// decode are reported as the 64-byte case they imitate.
func VerifyInclusion(rawTx []byte, merkleRoot chainhash.Hash, index uint32, siblings []chainhash.Hash) error {
	if len(rawTx) == 64 {
		return ErrTx64Bytes
	}
	tx, err := DecodeTx(rawTx)
	if err != nil {
		return err
	}
	_, err = VerifyTxInclusion(tx, merkleRoot, index, siblings)
	return err
}

// VerifyTxInclusion is VerifyInclusion for a transaction already decoded; it
// returns the txid it proved, so the caller need not hash the transaction
// again. A
// transaction that is 64 bytes without witness is refused: its txid is
// indistinguishable from an inner node of the tree, so such a "proof" could
// show an inner node as a transaction.
func VerifyTxInclusion(tx *wire.MsgTx, merkleRoot chainhash.Hash, index uint32, siblings []chainhash.Hash) (chainhash.Hash, error) {
	if tx.SerializeSizeStripped() == 64 {
		return chainhash.Hash{}, ErrTx64Bytes
	}
	txid := tx.TxHash()
	return txid, VerifyTxIDInclusion(txid, merkleRoot, index, siblings)
}

// VerifyTxIDInclusion is VerifyInclusion for a caller that has only the txid.
// It cannot apply the 64-byte rule to the transaction itself, so use it only
// when the transaction is known not to be 64 bytes long without witness.
//
// It applies the rule to every level of the path: a pair of nodes whose 64
// bytes decode as a transaction is refused. Without that, a 64-byte
// transaction X of a real block, crafted so that its last 32 bytes are the
// txid of a transaction F that exists nowhere, would let the path
// [X[:32], X's own path...] "prove" F one level below X (the Merkle tree's
// leaf-node weakness). An honest pair of inner nodes decodes as a
// transaction with a probability of about 2^-30, and a block with a 64-byte
// transaction is the only place the attack can start.
func VerifyTxIDInclusion(txid, merkleRoot chainhash.Hash, index uint32, siblings []chainhash.Hash) error {
	if len(siblings) > MaxMerkleDepth {
		return fmt.Errorf("%w: %d levels", ErrBranchTooLong, len(siblings))
	}
	if len(siblings) < MaxMerkleDepth && uint64(index) >= uint64(1)<<len(siblings) {
		return fmt.Errorf("%w: index %d, %d siblings", ErrIndexOutOfRange, index, len(siblings))
	}
	node := txid
	for level, sibling := range siblings {
		left, right := &node, &sibling
		if index>>level&1 == 1 {
			// Bitcoin fills an odd level by copying its last node, so a
			// right child equal to its left sibling is that copy: the
			// position does not hold a real transaction.
			if sibling == node {
				return fmt.Errorf("%w: level %d", ErrMerkleDuplicateNode, level)
			}
			left, right = &sibling, &node
		}
		var pair [2 * chainhash.HashSize]byte
		copy(pair[:chainhash.HashSize], left[:])
		copy(pair[chainhash.HashSize:], right[:])
		if isTransaction(pair[:]) {
			return fmt.Errorf("%w: level %d", ErrMerkleNodeIsTx, level)
		}
		node = doubleSHA256(pair[:])
	}
	if node != merkleRoot {
		return fmt.Errorf("%w: computed %s, header has %s", ErrMerkleRootMismatch, node, merkleRoot)
	}
	return nil
}

// hashPair is the merkle node above left and right: dSHA256(left || right).
func hashPair(left, right *chainhash.Hash) chainhash.Hash {
	var buf [2 * chainhash.HashSize]byte
	copy(buf[:chainhash.HashSize], left[:])
	copy(buf[chainhash.HashSize:], right[:])
	return doubleSHA256(buf[:])
}

func doubleSHA256(b []byte) chainhash.Hash {
	first := sha256.Sum256(b)
	return chainhash.Hash(sha256.Sum256(first[:]))
}

// isTransaction reports whether b is, in full, the serialization without
// witness of a transaction with at least one input: what a block's 64-byte
// transaction looks like where its txid is a leaf.
func isTransaction(b []byte) bool {
	// The transaction is only looked at, so the decoder may read b in place (no copy), and its
	// errors are not formatted.
	d := &decoder{b: b, fail: ErrBadTransaction, quiet: true}
	tx, err := d.tx()
	return err == nil && d.remaining() == 0 && len(tx.TxIn) > 0 && !tx.HasWitness()
}

// merkleLevels returns every level of the tree over txids, leaves first, root
// last, copying the last node of each odd level as Bitcoin does.
func merkleLevels(txids []chainhash.Hash) [][]chainhash.Hash {
	levels := [][]chainhash.Hash{txids}
	for level := txids; len(level) > 1; {
		next := make([]chainhash.Hash, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			right := &level[i]
			if i+1 < len(level) {
				right = &level[i+1]
			}
			next = append(next, hashPair(&level[i], right))
		}
		levels = append(levels, next)
		level = next
	}
	return levels
}

// MerkleRoot computes a block's merkle root from its txids in block order.
func MerkleRoot(txids []chainhash.Hash) (chainhash.Hash, error) {
	if len(txids) == 0 {
		return chainhash.Hash{}, ErrNoTransactions
	}
	levels := merkleLevels(txids)
	return levels[len(levels)-1][0], nil
}

// MerkleBranch returns the sibling hashes, leaf level first, that prove the
// txid at index, in the form VerifyInclusion takes.
func MerkleBranch(txids []chainhash.Hash, index uint32) ([]chainhash.Hash, error) {
	tree, err := NewMerkleTree(txids)
	if err != nil {
		return nil, err
	}
	return tree.Branch(index)
}

// MerkleTree is every level of a block's merkle tree, leaves first: built once, it gives the
// branch of each of its transactions without hashing the block again.
type MerkleTree struct{ levels [][]chainhash.Hash }

// NewMerkleTree builds the tree over a block's txids in block order. It keeps a copy of txids, so
// the caller may reuse its slice.
func NewMerkleTree(txids []chainhash.Hash) (MerkleTree, error) {
	if len(txids) == 0 {
		return MerkleTree{}, ErrNoTransactions
	}
	return MerkleTree{levels: merkleLevels(slices.Clone(txids))}, nil
}

// Branch returns the sibling hashes, leaf level first, that prove the txid at index.
func (t MerkleTree) Branch(index uint32) ([]chainhash.Hash, error) {
	if len(t.levels) == 0 {
		return nil, ErrNoTransactions
	}
	if n := len(t.levels[0]); uint64(index) >= uint64(n) {
		return nil, fmt.Errorf("%w: index %d, %d transactions", ErrIndexOutOfRange, index, n)
	}
	branch := make([]chainhash.Hash, 0, len(t.levels)-1)
	pos := int(index)
	for _, level := range t.levels[:len(t.levels)-1] {
		sibling := pos ^ 1
		if sibling >= len(level) {
			sibling = pos // odd level: the node is paired with its own copy
		}
		branch = append(branch, level[sibling])
		pos /= 2
	}
	return branch, nil
}

// InclusionProof returns what an SPV proof of transaction txid in block needs: its index, its
// merkle branch (siblings from the leaf level up, internal byte order) and its raw bytes.
func InclusionProof(block *wire.MsgBlock, txid chainhash.Hash) (index uint32, siblings []chainhash.Hash, rawTx []byte, err error) {
	txids := make([]chainhash.Hash, len(block.Transactions))
	found := -1
	for i, tx := range block.Transactions {
		txids[i] = tx.TxHash()
		if txids[i] == txid {
			found = i
		}
	}
	if found < 0 {
		return 0, nil, nil, fmt.Errorf("block %s does not hold transaction %s", block.BlockHash(), txid)
	}
	siblings, err = MerkleBranch(txids, uint32(found))
	if err != nil {
		return 0, nil, nil, err
	}
	var raw bytes.Buffer
	if err := block.Transactions[found].Serialize(&raw); err != nil {
		return 0, nil, nil, err
	}
	return uint32(found), siblings, raw.Bytes(), nil
}
