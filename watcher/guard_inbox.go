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
// own Bitcoin node's best chain, more than inbox_deadline blocks deep, that the chain has not run.
// Validators that keep the operation out (they inject no proof and refuse relayed ones) show as
// such an operation, whatever they do with the headers.

// MaxInboxChecks bounds the operations the guard looks up in the state after one block; the
// oldest come first.
const MaxInboxChecks = 1000

// InboxOp is an inbox operation the guard found in Bitcoin: one the chain takes (a well-formed
// HEMF payload, a key bound to input 0), at a height of the guard's Bitcoin node's best chain.
type InboxOp struct {
	TxID   chainhash.Hash
	Coin   wire.OutPoint // what input 0 spends: the chain runs one operation per coin
	Height int64
}

// inboxBlock is the operations of one scanned block.
type inboxBlock struct {
	hash chainhash.Hash
	ops  []InboxOp
}

// inboxWindow is how many blocks below its node's tip the guard keeps the operations of: twice
// the deadline, and at least a day of blocks.
func (g *Guard) inboxWindow() int64 { return max(ScanDepth, 2*int64(g.rules.InboxDeadline)) }

// scanInbox keeps the inbox operations of the last inboxWindow blocks of the node's best chain,
// reading only the blocks it does not hold yet (or holds another block at that height of).
func (g *Guard) scanInbox(ctx context.Context, tip int64) error {
	if g.rules.InboxDeadline == 0 || tip <= 0 {
		return nil
	}
	lo := max(0, tip-g.inboxWindow()+1)
	hashes, err := g.node.GetBlockHashes(ctx, lo, tip)
	if err != nil {
		return fmt.Errorf("bitcoin block hashes %d..%d: %w", lo, tip, err)
	}
	if len(hashes) != int(tip-lo+1) {
		return fmt.Errorf("bitcoin block hashes %d..%d: the node answered %d hashes", lo, tip, len(hashes))
	}
	for height := range g.inboxBlocks {
		if height < lo || height > tip || g.inboxBlocks[height].hash != hashes[height-lo] {
			delete(g.inboxBlocks, height)
		}
	}
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
		g.inboxBlocks[height] = inboxBlock{hash: hash, ops: InboxOpsOf(ctx, g.node, block, height)}
	}
	var ops []InboxOp
	for _, b := range g.inboxBlocks {
		ops = append(ops, b.ops...)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Height < ops[j].Height }) // order within a block does not matter
	g.mu.Lock()
	g.inboxOps = ops
	g.mu.Unlock()
	return nil
}

// InboxOpsOf returns the operations of block that the chain takes, as x/inbox checks them: one
// well-formed HEMF output, a key bound to input 0 by its funding transaction, and both within
// x/inbox's sizes. Anyone can post
// a HEMF output, so one the chain would refuse never raises the alarm.
func InboxOpsOf(ctx context.Context, node scan.TxSource, block *wire.MsgBlock, height int64) []InboxOp {
	found := scan.InboxOps(ctx, node, block)
	if len(found) == 0 {
		return nil
	}
	byTxID := make(map[chainhash.Hash]*wire.MsgTx, len(block.Transactions))
	for _, tx := range block.Transactions {
		if tx != nil {
			byTxID[tx.TxHash()] = tx
		}
	}
	var out []InboxOp
	for _, f := range found {
		tx := byTxID[f.TxID]
		if f.FundingErr != nil || tx == nil || len(tx.TxIn) == 0 {
			continue
		}
		if inboxtypes.CheckSizes(bitcoin.SignerForm(tx).SerializeSize(), f.Funding.SerializeSizeStripped()) != nil {
			continue
		}
		if _, err := bitcoin.InputSignerAccount(tx, f.Funding); err != nil {
			continue
		}
		out = append(out, InboxOp{TxID: f.TxID, Coin: tx.TxIn[0].PreviousOutPoint, Height: height})
	}
	return out
}

// Inbox raises the censorship alarm when, after a live block (one less than LiveBlockAge old),
// an operation the guard found is more than inbox_deadline blocks deep in its Bitcoin node's
// chain and ran says the chain has not run it (its coin has no executed or failed operation); it
// clears the alarm when none is.
func (g *Guard) Inbox(ran func(coin wire.OutPoint) (bool, error), blockTime time.Time) {
	if g.rules.InboxDeadline == 0 || time.Since(blockTime) > LiveBlockAge {
		return
	}
	g.mu.Lock()
	ops, tip := g.inboxOps, g.tip
	g.mu.Unlock()
	var overdue []InboxOp
	checked := 0
	for _, op := range ops {
		if tip-op.Height+1 <= int64(g.rules.InboxDeadline) {
			break // sorted by height: the rest are younger
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
		if !done {
			overdue = append(overdue, op)
		}
	}
	g.mu.Lock()
	was := len(g.inboxOverdue) > 0
	g.inboxOverdue = overdue
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
			"confirmations", tip-first.Height+1, "inbox_deadline", g.rules.InboxDeadline)
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
