package watcher

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/scan"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
)

// The inbox half of the censorship alarm (x/inbox's README): an operation the guard sees on its
// own Bitcoin node's best chain, more than the inbox deadline deep, that the chain has not run.
// Validators that keep the operation out (they inject no proof and refuse relayed ones) show as
// such an operation, whatever they do with the headers.

// MaxInboxChecks bounds the operations the guard looks up in the state after one block, oldest
// first. Coins the chain has run an operation for are not looked up again: on a chain a run
// operation is never undone.
const MaxInboxChecks = 1000

// MaxInboxHeld bounds the operations the guard keeps from blocks below its rescan window that
// have not run: enough for weeks of censorship at any realistic rate of operations, and a bound
// on what posting them costs the guard.
const MaxInboxHeld = 100_000

// InboxOp is an inbox operation the guard found in Bitcoin: one the chain takes (a well-formed
// HEMF payload, a key bound to input 0), at a height of the guard's Bitcoin node's best chain.
type InboxOp struct {
	TxID    chainhash.Hash
	Coin    wire.OutPoint // what input 0 spends: the chain runs one operation per coin
	Height  int64
	Account [20]byte // the account it runs as
}

// inboxBlock is the operations of one scanned block.
type inboxBlock struct {
	hash chainhash.Hash
	ops  []InboxOp
}

// inboxWindow is how many blocks below its node's tip the guard rereads on a reorg: twice the
// deadline, and at least a day of blocks. Operations of older blocks that have not run are kept
// (held) until they do.
func (g *Guard) inboxWindow() int64 { return max(ScanDepth, 2*int64(g.rules.InboxDeadline)) }

// scanInbox keeps the inbox operations of the last inboxWindow blocks of the node's best chain
// from rules.InboxFrom on, reading only the blocks it does not hold yet (or holds another block
// at that height of). A block with an operation whose funding transaction the node did not
// serve is read again at the next step. The operations of a block that leaves the window are
// held until their coins have acted.
func (g *Guard) scanInbox(ctx context.Context, tip int64) error {
	if g.rules.InboxDeadline == 0 || tip <= 0 {
		return nil
	}
	lo := max(0, g.rules.InboxFrom, tip-g.inboxWindow()+1)
	if lo > tip {
		return nil
	}
	hashes, err := g.node.GetBlockHashes(ctx, lo, tip)
	if err != nil {
		return fmt.Errorf("bitcoin block hashes %d..%d: %w", lo, tip, err)
	}
	if len(hashes) != int(tip-lo+1) {
		return fmt.Errorf("bitcoin block hashes %d..%d: the node answered %d hashes", lo, tip, len(hashes))
	}
	var aged []InboxOp
	for height, b := range g.inboxBlocks {
		switch {
		case height < lo:
			aged = append(aged, b.ops...)
			delete(g.inboxBlocks, height)
		case height > tip || b.hash != hashes[height-lo]:
			delete(g.inboxBlocks, height) // reorged away
		}
	}
	// Held before any read below can fail: the aged blocks are gone from inboxBlocks.
	g.holdAged(aged)
	for i, hash := range hashes {
		height := lo + int64(i)
		if _, ok := g.inboxBlocks[height]; ok {
			continue
		}
		block, err := g.node.GetBlock(ctx, hash)
		if err != nil {
			return fmt.Errorf("bitcoin block %s at %d: %w", hash, height, err)
		}
		if got := block.BlockHash(); got != hash {
			return fmt.Errorf("bitcoin block at %d: asked for %s, the node answered %s", height, hash, got)
		}
		ops, unread := InboxOpsOf(ctx, g.node, block, height)
		if len(unread) > 0 {
			g.log.Warn("bitcoin guard: the Bitcoin node did not serve the funding transaction of an inbox operation (does it "+
				"run with a transaction index, btcd --txindex?); reading the block again at the next step",
				"height", height, "txid", unread[0].TxID, "err", unread[0].FundingErr)
			continue
		}
		g.inboxBlocks[height] = inboxBlock{hash: hash, ops: ops}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ops := append([]InboxOp(nil), g.inboxHeld...)
	for _, b := range g.inboxBlocks {
		ops = append(ops, b.ops...)
	}
	// By height, then txid: the order only decides which MaxInboxChecks are looked up first.
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Height != ops[j].Height {
			return ops[i].Height < ops[j].Height
		}
		return string(ops[i].TxID[:]) < string(ops[j].TxID[:])
	})
	g.inboxOps = ops
	return nil
}

// holdAged keeps the operations of blocks that left the rescan window whose coins have not acted,
// each once, at most MaxInboxHeld (the oldest are kept: they are the longest censored).
func (g *Guard) holdAged(aged []InboxOp) {
	g.mu.Lock()
	defer g.mu.Unlock()
	held := make(map[chainhash.Hash]bool, len(g.inboxHeld))
	for _, op := range g.inboxHeld {
		held[op.TxID] = true
	}
	sort.Slice(aged, func(i, j int) bool { return aged[i].Height < aged[j].Height })
	for _, op := range aged {
		if g.inboxActed[op.Coin] || held[op.TxID] || len(g.inboxHeld) == MaxInboxHeld {
			continue
		}
		held[op.TxID] = true
		g.inboxHeld = append(g.inboxHeld, op)
	}
	g.metrics.InboxHeld.Set(float64(len(g.inboxHeld)))
}

// takenInbox is an inbox transaction of a block that the chain takes, with the account it runs as.
type takenInbox struct {
	scan.Signed
	account [20]byte
}

// inboxTaken is the one judgement, for the guard, the audit and the watcher, of which inbox
// transactions of block the chain takes, as x/inbox checks them: one well-formed HEMF output
// (scan.InboxOps), a key bound to input 0 by its funding transaction, both within x/inbox's sizes
// in the forms proofs carry, and a merkle path that x/btclc's VerifyProof accepts against the
// block's header (bitcoin.VerifyTxInclusion refuses a path through a pair of nodes that decodes as
// a transaction, which a sender can grind for: such an operation can never be proven, so it is no
// censorship). tree is block's merkle tree (built only if an operation needs it). unread are the
// HEMF transactions whose funding transaction node did not serve: they cannot be judged.
func inboxTaken(ctx context.Context, node scan.TxSource, block *wire.MsgBlock) (taken []takenInbox, tree bitcoin.MerkleTree, unread []scan.Signed) {
	found := scan.InboxOps(ctx, node, block)
	built := false
	for _, f := range found {
		if len(f.Tx.TxIn) == 0 {
			continue
		}
		if f.FundingErr != nil {
			unread = append(unread, f)
			continue
		}
		if inboxtypes.CheckTxSizes(f.Tx, f.Funding) != nil {
			continue
		}
		account, err := bitcoin.InputSignerAccount(f.Tx, f.Funding)
		if err != nil {
			continue
		}
		if !built {
			txids := make([]chainhash.Hash, len(block.Transactions))
			for i, tx := range block.Transactions {
				if tx == nil {
					return nil, tree, unread // a malformed answer of the node: nothing is judged
				}
				txids[i] = tx.TxHash()
			}
			if tree, err = bitcoin.NewMerkleTree(txids); err != nil {
				return nil, tree, unread
			}
			built = true
		}
		branch, err := tree.Branch(f.Index)
		if err != nil {
			continue
		}
		if _, err := bitcoin.VerifyTxInclusion(f.Tx, block.Header.MerkleRoot, f.Index, branch); err != nil {
			continue
		}
		taken = append(taken, takenInbox{Signed: f, account: account})
	}
	return taken, tree, unread
}

// InboxOpsOf returns the operations of block that the chain takes (inboxTaken), at height.
// Anyone can post a HEMF output, so one the chain would refuse never raises the alarm. unread are
// the HEMF transactions whose funding transaction node did not serve: they cannot be judged.
func InboxOpsOf(ctx context.Context, node scan.TxSource, block *wire.MsgBlock, height int64) (ops []InboxOp, unread []scan.Signed) {
	taken, _, unread := inboxTaken(ctx, node, block)
	for _, t := range taken {
		ops = append(ops, InboxOp{TxID: t.TxID, Coin: t.Tx.TxIn[0].PreviousOutPoint, Height: height, Account: t.account})
	}
	return ops, unread
}

// inboxDeadline is the deadline the guard judges by: the genesis inbox_deadline, or, when the
// chain's min_confirmations has been raised since, as much later as the operations now wait
// longer. Raising inbox_deadline itself never silences the guard.
func (g *Guard) inboxDeadline(minConfirmations uint32) int64 {
	slack := int64(g.rules.InboxDeadline) - int64(g.rules.InboxMinConfirmations)
	return max(int64(g.rules.InboxDeadline), int64(minConfirmations)+max(0, slack))
}

// Inbox raises the censorship alarm when, after a live block (one less than LiveBlockAge old),
// an operation the guard found is more than the deadline deep in its Bitcoin node's chain and
// ran says the chain has not run it (its coin has no executed or failed operation); it clears
// the alarm when none is. minConfirmations is the chain's x/inbox min_confirmations now.
func (g *Guard) Inbox(ran func(coin wire.OutPoint) (bool, error), minConfirmations uint32, blockTime time.Time) {
	if g.rules.InboxDeadline == 0 || time.Since(blockTime) > LiveBlockAge {
		return
	}
	deadline := g.inboxDeadline(minConfirmations)
	g.mu.Lock()
	ops, tip := g.inboxOps, g.tip
	acted := make(map[wire.OutPoint]bool, len(g.inboxActed))
	for coin := range g.inboxActed {
		acted[coin] = true
	}
	g.mu.Unlock()
	var overdue []InboxOp
	checked := 0
	for _, op := range ops {
		if tip-op.Height+1 <= deadline {
			break // sorted by height: the rest are younger
		}
		if acted[op.Coin] {
			continue
		}
		if checked == MaxInboxChecks {
			break
		}
		checked++
		done, err := ran(op.Coin)
		if err != nil {
			g.log.Error("bitcoin guard could not read x/inbox", "err", err)
			return
		}
		if done {
			acted[op.Coin] = true
		} else {
			overdue = append(overdue, op)
		}
	}
	g.mu.Lock()
	was := len(g.inboxOverdue) > 0
	g.inboxOverdue = overdue
	// Keep what is still worth knowing: the coins of the operations the guard holds.
	g.inboxActed = map[wire.OutPoint]bool{}
	for _, op := range g.inboxOps {
		if acted[op.Coin] {
			g.inboxActed[op.Coin] = true
		}
	}
	held := g.inboxHeld[:0]
	for _, op := range g.inboxHeld {
		if !acted[op.Coin] {
			held = append(held, op)
		}
	}
	g.inboxHeld = held
	g.metrics.InboxHeld.Set(float64(len(held)))
	g.mu.Unlock()
	g.metrics.InboxOverdue.Set(float64(len(overdue)))
	g.setAlarmMetric()
	switch {
	case len(overdue) > 0 && !was:
		g.metrics.Alarms.Inc()
		first := overdue[0]
		g.log.Error("bitcoin guard: CENSORSHIP ALARM: inbox operations posted on Bitcoin are overdue: the chain has not run them "+
			"inbox_deadline Bitcoin blocks after they were mined (validators leaving them out of their blocks)",
			"overdue", len(overdue), "oldest_txid", first.TxID, "oldest_btc_height", first.Height,
			"confirmations", tip-first.Height+1, "inbox_deadline", deadline)
	case len(overdue) == 0 && was:
		g.log.Info("bitcoin guard: inbox alarm cleared: every inbox operation past its deadline has run")
	}
}

// InboxAlarm returns the inbox operations overdue after the last live block, oldest first (none:
// no inbox alarm).
func (g *Guard) InboxAlarm() []InboxOp {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]InboxOp(nil), g.inboxOverdue...)
}
