// Package scan finds in Bitcoin blocks what the chain is told about, and builds its proofs: the
// PoP publications and inbox operations of a block, with the funding transaction that binds each
// one's key (whose proofs btclctypes.NewInclusionProof builds), and the deposits to x/tunnel's vault with their
// proofs. The relayer (which submits them as transactions) and the node's Bitcoin watcher (which injects them
// into blocks) both use it. It reads a Bitcoin node; the state machine never imports it.
package scan

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// TxSource serves confirmed transactions by txid (a node with a transaction index).
type TxSource interface {
	GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error)
}

// Signed is a transaction found in a block whose first input's key the chain reads: a PoP
// publication (the key is the reward's payee) or an inbox operation (the key is the account).
type Signed struct {
	Tx    *wire.MsgTx
	TxID  chainhash.Hash
	Index uint32 // in the block
	// Funding is the transaction whose output the first input spends, or nil when the node could
	// not serve it (FundingErr says why): the chain binds the key only through it.
	Funding    *wire.MsgTx
	FundingErr error
}

// Publication is a PoP transaction found in a block.
type Publication = Signed

// Publications returns the transactions of block that carry exactly one PoP payload, with their
// funding transactions as node serves them.
func Publications(ctx context.Context, node TxSource, block *wire.MsgBlock) []Publication {
	return signed(ctx, node, block, func(tx *wire.MsgTx) bool {
		_, err := bitcoin.FindPoPPayload(tx)
		return err == nil
	})
}

// InboxOps returns the transactions of block that carry exactly one well-formed inbox operation
// (HEMF), with their funding transactions as node serves them: x/inbox takes none without.
func InboxOps(ctx context.Context, node TxSource, block *wire.MsgBlock) []Signed {
	return signed(ctx, node, block, func(tx *wire.MsgTx) bool {
		_, err := bitcoin.FindInboxPayload(tx)
		return err == nil
	})
}

// signed returns the transactions of block that carries tells, with their funding transactions.
func signed(ctx context.Context, node TxSource, block *wire.MsgBlock, carries func(*wire.MsgTx) bool) []Signed {
	var out []Signed
	for i, tx := range block.Transactions {
		// The coinbase spends no coin and signs nothing: the chain refuses it (tx index 0), and a
		// miner's HEMF output there must not make readers ask the node for a null funding tx.
		if i == 0 || tx == nil || !carries(tx) {
			continue
		}
		s := Signed{Tx: tx, TxID: tx.TxHash(), Index: uint32(i)}
		if len(tx.TxIn) > 0 { // the node's block is untrusted
			s.Funding, s.FundingErr = node.GetRawTransaction(ctx, tx.TxIn[0].PreviousOutPoint.Hash)
		}
		out = append(out, s)
	}
	return out
}

// Deposit is a transaction of a block that pays the vault: x/tunnel records each of its vault
// outputs as its own deposit, from one MsgProveDeposit carrying Proof.
type Deposit struct {
	TxID chainhash.Hash
	// Vouts are the indexes of the outputs that pay the vault script, in order.
	Vouts []uint32
	// Proof is the transaction's inclusion proof in the block.
	Proof btclctypes.InclusionProof
	// RecipientErr is why the transaction names no recipient x/tunnel accepts (nil when it
	// does): the chain refuses such a deposit, so there is nothing to prove.
	RecipientErr error
}

// Deposits returns the transactions of block with an output paying vaultScript (x/tunnel's
// vault_script param), in block order, each with its proof. Outputs are matched by their script
// alone, never by a txid the caller expects, so a funding transaction replaced by a fee bump (a
// new txid) is found as it was mined. The coinbase is skipped: x/tunnel refuses it. An empty
// vaultScript (no vault configured) finds nothing. The block comes from a Bitcoin node and is
// untrusted: only what it holds is read, and each proof is built from its own transactions.
func Deposits(block *wire.MsgBlock, vaultScript []byte) ([]Deposit, error) {
	if block == nil || len(vaultScript) == 0 || len(block.Transactions) < 2 {
		return nil, nil
	}
	// Every transaction is hashed for the merkle tree and every output read, the coinbase's
	// included: a block with a missing one is refused whole, before anything is read.
	for i, tx := range block.Transactions {
		if tx == nil {
			return nil, fmt.Errorf("block %s: transaction %d is missing", block.BlockHash(), i)
		}
		if slices.Contains(tx.TxOut, nil) {
			return nil, fmt.Errorf("block %s: transaction %d has a missing output", block.BlockHash(), i)
		}
	}
	var out []Deposit
	for i, tx := range block.Transactions[1:] {
		var vouts []uint32
		for vout, o := range tx.TxOut {
			if bytes.Equal(o.PkScript, vaultScript) {
				vouts = append(vouts, uint32(vout))
			}
		}
		if len(vouts) > 0 {
			_, err := bitcoin.DepositRecipient(tx)
			out = append(out, Deposit{TxID: tx.TxHash(), Vouts: vouts, RecipientErr: err, Proof: btclctypes.InclusionProof{TxIndex: uint32(i + 1)}})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	// Every proof from one pass over the block's txids.
	txids := make([]chainhash.Hash, len(block.Transactions))
	for i, tx := range block.Transactions {
		txids[i] = tx.TxHash()
	}
	hash := block.BlockHash()
	tree, err := bitcoin.NewMerkleTree(txids)
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", hash, err)
	}
	for i := range out {
		index := out[i].Proof.TxIndex
		siblings, err := tree.Branch(index)
		if err != nil {
			return nil, fmt.Errorf("block %s: proof of transaction %d: %w", hash, index, err)
		}
		// Without its witness: x/tunnel reads only what the txid covers, and a deposit's witness
		// (up to 400 kB of it, chosen by whoever pays the vault) would only take the room of
		// other proofs in a message or an injected entry.
		var raw bytes.Buffer
		if err := block.Transactions[index].SerializeNoWitness(&raw); err != nil {
			return nil, fmt.Errorf("block %s: transaction %d: %w", hash, index, err)
		}
		out[i].Proof = btclctypes.NewInclusionProofOf(raw.Bytes(), hash, index, siblings, nil)
	}
	return out, nil
}
