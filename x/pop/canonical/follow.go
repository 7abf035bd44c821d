package canonical

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// Node is what a Follower reads from a Bitcoin node (bitcoin/rpc.Client). Its answers are
// untrusted: a block that is not the one asked for, or does not build on the block before it,
// ends the step.
type Node interface {
	GetBlockCount(ctx context.Context) (int64, error)
	// GetBlockHashes returns the best chain's block hashes at heights from..to.
	GetBlockHashes(ctx context.Context, from, to int64) ([]chainhash.Hash, error)
	GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error)
}

// ErrChainChanged is a step that found the node's best chain changing under it: the next step
// rewinds to the new chain.
var ErrChainChanged = errors.New("the bitcoin best chain changed during the scan")

// Follower holds the publications of a Bitcoin node's best chain from a start height on, and
// follows that chain block by block: the I/O side of the sequence, shared by `hemid pop audit`
// and the node guard. It is not safe for concurrent use.
type Follower struct {
	from   int64
	hashes []chainhash.Hash // the best chain at heights from, from+1, ...
	pubs   [][]Publication  // the publications of each of those blocks
	count  int              // publications held
}

// rewindChunk is how many block hashes one request compares when the node's chain changed.
const rewindChunk = 64

// NewFollower returns a follower that scans from Bitcoin height from (0 or more) on.
func NewFollower(from int64) *Follower { return &Follower{from: max(0, from)} }

// Height is the highest block scanned, From()-1 before the first.
func (f *Follower) Height() int64 { return f.from + int64(len(f.hashes)) - 1 }

// From is the first height scanned.
func (f *Follower) From() int64 { return f.from }

// Count is how many publications the scanned blocks hold.
func (f *Follower) Count() int { return f.count }

// Publications returns the publications of the scanned chain, in Bitcoin order.
func (f *Follower) Publications() []Publication {
	out := make([]Publication, 0, f.count)
	for _, ps := range f.pubs {
		out = append(out, ps...)
	}
	return out
}

// Step moves the follower toward the node's best chain: it drops the scanned blocks the node no
// longer has on its best chain (a reorg, or a node that went back), then scans up to most blocks
// above what is left. It returns the node's tip height and whether the held blocks changed.
func (f *Follower) Step(ctx context.Context, node Node, most int) (tip int64, changed bool, err error) {
	if most <= 0 {
		return 0, false, fmt.Errorf("canonical: a step must scan at least one block, not %d", most)
	}
	if tip, err = node.GetBlockCount(ctx); err != nil {
		return 0, false, fmt.Errorf("bitcoin block count: %w", err)
	}
	dropped, err := f.rewind(ctx, node, tip)
	if err != nil {
		return tip, dropped, err
	}
	lo := f.Height() + 1
	hi := min(tip, lo+int64(most)-1)
	if lo > hi {
		return tip, dropped, nil
	}
	hashes, err := node.GetBlockHashes(ctx, lo, hi)
	if err != nil {
		return tip, dropped, fmt.Errorf("bitcoin block hashes %d..%d: %w", lo, hi, err)
	}
	if len(hashes) != int(hi-lo+1) {
		return tip, dropped, fmt.Errorf("bitcoin block hashes %d..%d: the node answered %d hashes", lo, hi, len(hashes))
	}
	for i, hash := range hashes {
		height := lo + int64(i)
		block, err := node.GetBlock(ctx, hash)
		if err != nil {
			return tip, dropped || i > 0, fmt.Errorf("bitcoin block %s at %d: %w", hash, height, err)
		}
		if got := block.BlockHash(); got != hash {
			return tip, dropped || i > 0, fmt.Errorf("bitcoin block at %d: asked for %s, the node answered %s", height, hash, got)
		}
		if len(f.hashes) > 0 && block.Header.PrevBlock != f.hashes[len(f.hashes)-1] {
			// The best chain changed between the reads: the next step rewinds.
			return tip, dropped || i > 0, fmt.Errorf("%w: block %d does not build on block %d", ErrChainChanged, height, height-1)
		}
		ps := ScanBlock(height, block)
		f.hashes = append(f.hashes, hash)
		f.pubs = append(f.pubs, ps)
		f.count += len(ps)
	}
	return tip, true, nil
}

// rewind drops the scanned blocks above the node's tip and those no longer on its best chain.
func (f *Follower) rewind(ctx context.Context, node Node, tip int64) (bool, error) {
	dropped := false
	for f.Height() > tip {
		f.pop()
		dropped = true
	}
	for len(f.hashes) > 0 {
		hi := f.Height()
		lo := max(f.from, hi-rewindChunk+1)
		hashes, err := node.GetBlockHashes(ctx, lo, hi)
		if err != nil {
			return dropped, fmt.Errorf("bitcoin block hashes %d..%d: %w", lo, hi, err)
		}
		if len(hashes) != int(hi-lo+1) {
			return dropped, fmt.Errorf("bitcoin block hashes %d..%d: the node answered %d hashes", lo, hi, len(hashes))
		}
		for i := len(hashes) - 1; i >= 0; i-- {
			if hashes[i] == f.hashes[lo+int64(i)-f.from] {
				return dropped, nil
			}
			f.pop()
			dropped = true
		}
	}
	return dropped, nil
}

func (f *Follower) pop() {
	last := len(f.hashes) - 1
	f.count -= len(f.pubs[last])
	f.hashes, f.pubs = f.hashes[:last], f.pubs[:last]
}
