package types

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

const (
	// MaxProofTxSize bounds the transaction of an InclusionProof. A
	// transaction at Bitcoin's standard weight limit (400,000 weight units)
	// is at most 400,000 bytes even if it is all witness; Bitcoin nodes relay
	// nothing larger.
	MaxProofTxSize = 400_000
	// MaxFundingTxSize bounds the funding transaction, which travels without
	// its witness (only its txid and outputs are read): a standard
	// transaction's non-witness part is at most a quarter of its weight.
	MaxFundingTxSize = 100_000
	// MaxMerkleSiblings is the longest merkle branch a uint32 index can
	// address.
	MaxMerkleSiblings = 32
)

// ProvenTx is what an InclusionProof proves: a decoded transaction in a block
// of the canonical chain, as of the state VerifyProof read.
type ProvenTx struct {
	// Tx is the decoded transaction. Of its witness it holds at most what
	// Signer was read from (input 0's first bitcoin.MaxSignerWitnessItems
	// items, with a funding transaction; none without). The txid does not
	// commit to the witness: read it only through Signer.
	Tx *wire.MsgTx
	// TxID is the transaction's id, internal byte order.
	TxID chainhash.Hash
	// Index is the transaction's position in the block.
	Index uint32
	// Block is the canonical header that holds the transaction (its Height
	// is the block's height).
	Block HeaderInfo
	// BlockHash is Block's hash, internal byte order.
	BlockHash chainhash.Hash
	// Confirmations is the block's depth: tip height - height + 1.
	Confirmations uint64
	// SpentOutput is the output input 0 spends, read from the proof's
	// funding transaction (whose txid is input 0's outpoint hash, so the
	// output is covered by the block too), or nil without one. x/tunnel
	// reads its script to check that a withdrawal is paid from the vault.
	SpentOutput *wire.TxOut
	// Signer is the account (20 bytes) bound to the key that signs the first
	// input, or nil. It is set only when the proof carries the funding
	// transaction and the spend binds a key (bitcoin.InputSignerAccount).
	Signer []byte
	// NoSigner says why Signer is nil: no funding transaction was sent, or
	// the first input binds no key. It wraps bitcoin.ErrNoSignerAccount.
	NoSigner error
}

// NewInclusionProof builds the proof of transaction txid of block, as the PoP miner, the relayer
// and the Bitcoin watcher send it: its index, its merkle branch (internal byte order, leaf level
// first), the transaction without its witness, or with input 0's alone (bitcoin.SignerForm) when
// funding is given, and funding, the transaction whose output its first input spends (nil for
// none), without its witness, which VerifyProof refuses.
func NewInclusionProof(block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (InclusionProof, error) {
	index, siblings, _, err := bitcoin.InclusionProof(block, txid)
	if err != nil {
		return InclusionProof{}, err
	}
	return newInclusionProof(block, index, siblings, funding)
}

// NewInclusionProofAt is NewInclusionProof of the transaction at index of block, with its branch
// from tree, block's merkle tree: a caller proving many transactions of one block builds the
// tree once.
func NewInclusionProofAt(block *wire.MsgBlock, tree bitcoin.MerkleTree, index uint32, funding *wire.MsgTx) (InclusionProof, error) {
	siblings, err := tree.Branch(index)
	if err != nil {
		return InclusionProof{}, err
	}
	if uint64(index) >= uint64(len(block.Transactions)) {
		return InclusionProof{}, fmt.Errorf("index %d of a block of %d transactions", index, len(block.Transactions))
	}
	return newInclusionProof(block, index, siblings, funding)
}

func newInclusionProof(block *wire.MsgBlock, index uint32, siblings []chainhash.Hash, funding *wire.MsgTx) (InclusionProof, error) {
	var err error
	// VerifyProof reads no witness without a funding transaction, and input 0's alone with one:
	// the proof carries no more.
	var rawTx, rawFunding bytes.Buffer
	tx := block.Transactions[index]
	if funding == nil {
		err = tx.SerializeNoWitness(&rawTx)
	} else {
		err = bitcoin.SignerForm(tx).Serialize(&rawTx)
	}
	if err != nil {
		return InclusionProof{}, err
	}
	if funding != nil {
		if err := funding.SerializeNoWitness(&rawFunding); err != nil {
			return InclusionProof{}, err
		}
	}
	return NewInclusionProofOf(rawTx.Bytes(), block.BlockHash(), index, siblings, rawFunding.Bytes()), nil
}

// NewInclusionProofOf assembles a proof from its parts.
func NewInclusionProofOf(rawTx []byte, blockHash chainhash.Hash, index uint32, siblings []chainhash.Hash, rawFunding []byte) InclusionProof {
	branch := make([][]byte, len(siblings))
	for i := range siblings {
		branch[i] = siblings[i][:]
	}
	return InclusionProof{Tx: rawTx, BtcBlockHash: blockHash.String(), TxIndex: index, MerkleSiblings: branch, FundingTx: rawFunding}
}
