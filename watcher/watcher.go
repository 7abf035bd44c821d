// Package watcher is a node's Bitcoin watcher: it follows the node's own Bitcoin node in the
// background and keeps ready what the node, when it proposes, injects into its block (app/inject):
// the headers x/btclc lacks, a heavier fork from the common ancestor included, and the PoP
// publications, the deposits to x/tunnel's vault and the inbox operations in those blocks with
// their proofs (found by bitcoin/scan, the relayer's builder too). It never blocks consensus: PrepareProposal only
// reads what the watcher holds, under a short lock, and never waits for the Bitcoin node.
package watcher

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/bitcoin/scan"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// Logger is the node's logger (cosmossdk.io/log's Logger and *slog.Logger both are one).
type Logger interface {
	Debug(msg string, keyvals ...any)
	Info(msg string, keyvals ...any)
	Warn(msg string, keyvals ...any)
	Error(msg string, keyvals ...any)
}

// Node is what the watcher reads from its Bitcoin node (bitcoin/rpc.Client).
type Node interface {
	GetBlockCount(ctx context.Context) (int64, error)
	GetBlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	// GetHeaderRange returns the best chain's raw headers at heights from..to, in bulk.
	GetHeaderRange(ctx context.Context, from, to int64) ([][]byte, error)
	GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error)
	GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error)
}

const (
	// Lookback is how many blocks below x/btclc's tip the watcher keeps of its node's chain, so
	// that it finds the common ancestor of a reorg that deep. Each proposal that finds no block
	// x/btclc holds in the window doubles it for the next step, up to MaxLookback.
	Lookback    = 100
	MaxLookback = Lookback << 5
	// ScanDepth is how far below its node's tip the watcher looks for PoP publications and
	// deposits: older blocks (a first catch-up) cannot hold publications of keystones that still
	// matter, and the relayer proves older deposits.
	ScanDepth = 144
)

// Watcher follows one Bitcoin node. It is an app.BitcoinSource.
type Watcher struct {
	node     Node
	log      Logger
	metrics  *Metrics
	interval time.Duration

	// lcTip is x/btclc's tip height as the node last saw it, after a block or in a proposal (-1:
	// not yet known).
	lcTip atomic.Int64
	// misses counts the proposals in a row that found no common ancestor in the window.
	misses atomic.Int64
	// vault is x/tunnel's vault_script as the last proposal saw it (nil: not yet known).
	vault atomic.Pointer[[]byte]

	mu       sync.Mutex
	start    int64    // height of headers[0]
	headers  [][]byte // the node's best chain from start
	hashes   []chainhash.Hash
	pubs     map[chainhash.Hash][]pending // by block hash
	deposits map[chainhash.Hash][]pending // by block hash; entries x/tunnel holds are dropped
	inbox    map[chainhash.Hash][]pending // by block hash; entries x/inbox holds are dropped
	scanned  map[chainhash.Hash]bool
	// scannedVault is the vault script the blocks in scanned were scanned for deposits with.
	scannedVault []byte
	recorded     map[chainhash.Hash]bool // txids x/pop holds
}

type pending struct {
	txid  chainhash.Hash
	proof btclctypes.InclusionProof
}

var _ app.BitcoinSource = (*Watcher)(nil)

// New returns a watcher of node that polls every interval. metrics may be nil.
func New(node Node, log Logger, metrics *Metrics, interval time.Duration) *Watcher {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	if interval <= 0 {
		interval = time.Second
	}
	w := &Watcher{
		node: node, log: log, metrics: metrics, interval: interval,
		pubs: map[chainhash.Hash][]pending{}, deposits: map[chainhash.Hash][]pending{}, inbox: map[chainhash.Hash][]pending{},
		scanned: map[chainhash.Hash]bool{}, recorded: map[chainhash.Hash]bool{},
	}
	w.lcTip.Store(-1)
	return w
}

// Run follows the node until ctx ends. A failed step (node down, a bad answer) is logged, counted
// and retried; what the watcher holds is then what it had, which proposals may still use: every
// node checks it against its own state.
func (w *Watcher) Run(ctx context.Context) {
	for {
		if err := w.Step(ctx); err != nil && ctx.Err() == nil {
			w.metrics.Errors.Inc()
			w.metrics.Up.Set(0)
			w.log.Warn("bitcoin watcher step failed; retrying", "err", err, "retry_in", w.interval)
		} else {
			w.metrics.Up.Set(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.interval):
		}
	}
}

// Step reads the node's chain around x/btclc's tip, in bulk, and the publications and deposits of
// its recent blocks.
func (w *Watcher) Step(ctx context.Context) error {
	btcTip, err := w.node.GetBlockCount(ctx)
	if err != nil {
		return fmt.Errorf("bitcoin node: %w", err)
	}
	w.metrics.BitcoinTip.Set(float64(btcTip))
	lc := w.lcTip.Load()
	if lc < 0 { // no proposal yet: keep the node's recent chain
		lc = max(0, btcTip-inject.MaxHeaders)
	}
	w.metrics.Lag.Set(float64(btcTip - lc))
	lookback := int64(Lookback) << min(w.misses.Load(), 5)
	from := max(0, min(lc, btcTip)-lookback)
	// Two entries' worth ahead: the next proposal finds its headers even when this step ran
	// before the last block was known.
	to := min(btcTip, lc+2*inject.MaxHeaders)
	headers, hashes, err := w.readHeaders(ctx, from, to)
	if err != nil {
		return fmt.Errorf("bitcoin headers %d..%d: %w", from, to, err)
	}

	// Publications and deposits of the blocks near the node's tip not scanned yet. Blocks scanned
	// with another vault script than the chain's now are scanned again.
	var vault []byte
	if v := w.vault.Load(); v != nil {
		vault = *v
	}
	w.mu.Lock()
	if !bytes.Equal(vault, w.scannedVault) {
		w.scanned, w.deposits, w.scannedVault = map[chainhash.Hash]bool{}, map[chainhash.Hash][]pending{}, vault
	}
	w.mu.Unlock()
	found := map[chainhash.Hash][]pending{}
	foundDeposits := map[chainhash.Hash][]pending{}
	foundInbox := map[chainhash.Hash][]pending{}
	incomplete := map[chainhash.Hash]bool{} // read again by the next step
	for i, hash := range hashes {
		height := from + int64(i)
		if btcTip-height >= ScanDepth || w.isScanned(hash) {
			continue
		}
		block, err := w.node.GetBlock(ctx, hash)
		if err != nil {
			return fmt.Errorf("bitcoin block %s at %d: %w", hash, height, err)
		}
		found[hash] = w.proofs(ctx, block)
		foundDeposits[hash] = w.depositProofs(block, vault)
		foundInbox[hash], incomplete[hash] = w.inboxProofs(ctx, block)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	w.start, w.headers, w.hashes = from, headers, hashes
	live := make(map[chainhash.Hash]bool, len(hashes))
	for _, h := range hashes {
		live[h] = true
	}
	for hash, ps := range found {
		w.scanned[hash] = !incomplete[hash]
		if len(ps) > 0 {
			w.pubs[hash] = ps
		}
		if ds := foundDeposits[hash]; len(ds) > 0 {
			w.deposits[hash] = ds
		}
		if ops := foundInbox[hash]; len(ops) > 0 {
			w.inbox[hash] = ops
		}
	}
	ready := forgetDead(w.pubs, live)
	readyDeposits := forgetDead(w.deposits, live)
	readyInbox := forgetDead(w.inbox, live)
	for hash := range w.scanned {
		if !live[hash] {
			delete(w.scanned, hash)
		}
	}
	w.metrics.PublicationsReady.Set(float64(ready))
	w.metrics.DepositsReady.Set(float64(readyDeposits))
	w.metrics.InboxReady.Set(float64(readyInbox))
	w.log.Debug("bitcoin watcher step", "bitcoin_tip", btcTip, "btclc_tip", lc, "from", from, "to", to,
		"publications", ready, "deposits", readyDeposits, "inbox", readyInbox)
	return nil
}

// readHeaders returns the node's best chain at heights from..to and the blocks' hashes. The
// headers the watcher holds from height from on are kept, up to the highest of them whose block
// is still the node's at that height (a block's hash commits to every block below it), and only
// the rest is read, in bulk: a step during a long catch-up reads the new headers, not the window
// again.
func (w *Watcher) readHeaders(ctx context.Context, from, to int64) ([][]byte, []chainhash.Hash, error) {
	w.mu.Lock()
	start, held, heldHashes := w.start, w.headers, w.hashes
	w.mu.Unlock()
	var headers [][]byte
	var hashes []chainhash.Hash
	if top := min(to, start+int64(len(held))-1); start <= from && from <= top {
		hash, err := w.node.GetBlockHash(ctx, top)
		if err != nil {
			return nil, nil, err
		}
		if hash == heldHashes[top-start] {
			headers = append(headers, held[from-start:top-start+1]...)
			hashes = append(hashes, heldHashes[from-start:top-start+1]...)
		}
	}
	next := from + int64(len(headers))
	if next > to {
		return headers, hashes, nil
	}
	more, err := w.node.GetHeaderRange(ctx, next, to)
	if err != nil {
		return nil, nil, err
	}
	if len(hashes) > 0 && len(more) > 0 && chainhash.Hash(more[0][4:36]) != hashes[len(hashes)-1] {
		// The node's chain changed between the two reads: read the whole window.
		headers, hashes = nil, nil
		if more, err = w.node.GetHeaderRange(ctx, from, to); err != nil {
			return nil, nil, err
		}
	}
	for _, h := range more {
		headers = append(headers, h)
		hashes = append(hashes, chainhash.DoubleHashH(h))
	}
	return headers, hashes, nil
}

// forgetDead drops the entries of blocks that fell out of the window (order does not matter
// here) and counts the proofs left.
func forgetDead(byBlock map[chainhash.Hash][]pending, live map[chainhash.Hash]bool) int {
	n := 0
	for hash, ps := range byBlock {
		if !live[hash] {
			delete(byBlock, hash)
			continue
		}
		n += len(ps)
	}
	return n
}

// depositProofs builds the proofs of block's deposits to vault that name a recipient.
func (w *Watcher) depositProofs(block *wire.MsgBlock, vault []byte) []pending {
	deposits, err := scan.Deposits(block, vault)
	if err != nil {
		w.log.Warn("could not read the deposits of a Bitcoin block", "block", block.BlockHash(), "err", err)
		return nil
	}
	var out []pending
	for _, d := range deposits {
		if d.RecipientErr != nil {
			w.log.Warn("a Bitcoin transaction pays the vault but names no recipient x/tunnel accepts; not injecting it",
				"txid", d.TxID, "err", d.RecipientErr)
			continue
		}
		out = append(out, pending{txid: d.TxID, proof: d.Proof})
	}
	return out
}

func (w *Watcher) isScanned(hash chainhash.Hash) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.scanned[hash]
}

// proofs builds the proofs of block's publications.
func (w *Watcher) proofs(ctx context.Context, block *wire.MsgBlock) []pending {
	var out []pending
	for _, p := range scan.Publications(ctx, w.node, block) {
		if p.FundingErr != nil {
			w.log.Warn("could not fetch the funding transaction of a PoP publication (does the Bitcoin node run with a "+
				"transaction index, btcd --txindex?); injecting it without, so its payee stays unbound until the miner proves it",
				"txid", p.TxID, "err", p.FundingErr)
		}
		if proof, ok := w.signedProof(block, p, "PoP publication"); ok {
			out = append(out, proof)
		}
	}
	return out
}

// inboxProofs builds the proofs of the inbox operations of block the chain takes (inboxTaken, as
// the guard judges them). x/inbox takes none without its funding transaction: when the node
// could not serve one, incomplete tells the next step to read the block again.
func (w *Watcher) inboxProofs(ctx context.Context, block *wire.MsgBlock) (out []pending, incomplete bool) {
	taken, tree, unread := inboxTaken(ctx, w.node, block)
	for _, op := range unread {
		w.log.Warn("could not fetch the funding transaction of an inbox operation (does the Bitcoin node run with a "+
			"transaction index, btcd --txindex?); trying again at the next step", "txid", op.TxID, "err", op.FundingErr)
	}
	for _, op := range taken {
		proof, err := btclctypes.NewInclusionProofAt(block, tree, op.Index, op.Funding)
		if err != nil {
			w.log.Warn("could not build the proof of an inbox operation", "txid", op.TxID, "err", err)
			continue
		}
		out = append(out, pending{txid: op.TxID, proof: proof})
	}
	return out, len(unread) > 0
}

func (w *Watcher) signedProof(block *wire.MsgBlock, s scan.Signed, what string) (pending, bool) {
	proof, err := btclctypes.NewInclusionProof(block, s.TxID, s.Funding)
	if err != nil {
		w.log.Warn("could not build the proof of a "+what, "txid", s.TxID, "err", err)
		return pending{}, false
	}
	return pending{txid: s.TxID, proof: proof}, true
}

// Candidate offers the headers of the node's chain above the highest block x/btclc holds (its
// tip, or on a reorg the common ancestor or the last piece of the fork it keeps as a side chain),
// and the publications of blocks up to the last offered header that x/pop does not hold, and the
// deposits of those blocks not reported done.
func (w *Watcher) Candidate(view app.BitcoinView) inject.Candidate {
	tipHeight, tipHash, err := view.Tip()
	if err != nil {
		w.log.Error("bitcoin watcher could not read x/btclc's tip", "err", err)
		return inject.Candidate{}
	}
	if vault, err := view.VaultScript(); err != nil {
		w.log.Error("bitcoin watcher could not read x/tunnel's vault script", "err", err)
	} else {
		w.vault.Store(&vault)
	}
	w.lcTip.Store(int64(tipHeight))
	w.metrics.LightClientTip.Set(float64(tipHeight))

	w.mu.Lock()
	defer w.mu.Unlock()
	known := -1
	if i := int64(tipHeight) - w.start; i >= 0 && i < int64(len(w.hashes)) && w.hashes[i] == tipHash {
		known = int(i)
	}
	for i := len(w.hashes) - 1; known < 0 && i >= 0; i-- {
		if view.Known(w.hashes[i]) {
			known = i
		}
	}
	if known < 0 && len(w.hashes) == 0 {
		return inject.Candidate{} // nothing read yet
	}
	if known < 0 {
		// The window does not reach x/btclc's chain: the next step moves it there, and looks
		// deeper for the ancestor of a reorg.
		w.misses.Add(1)
		w.log.Warn("bitcoin watcher found no block x/btclc holds in its window; looking deeper", "btclc_tip", tipHeight,
			"window_from", w.start, "window_to", w.start+int64(len(w.hashes))-1)
		return inject.Candidate{}
	}
	w.misses.Store(0)
	end := min(len(w.headers), known+1+inject.MaxHeaders)
	if ancestor := w.start + int64(known); ancestor < int64(tipHeight) && end > known+1 {
		w.metrics.ForksOffered.Inc()
		w.log.Info("bitcoin watcher offers a fork: x/btclc's tip is not on the Bitcoin node's best chain", "btclc_tip", tipHeight,
			"ancestor", ancestor, "fork_tip", w.start+int64(end)-1)
	}
	c := inject.Candidate{Headers: append([][]byte(nil), w.headers[known+1:end]...)}
	for _, hash := range w.hashes[:end] { // in Bitcoin order
		for _, p := range w.pubs[hash] {
			if len(c.Publications) < inject.MaxPublications && !w.recorded[p.txid] {
				c.Publications = append(c.Publications, p.proof)
			}
		}
		for _, d := range w.deposits[hash] {
			if len(c.Deposits) < inject.MaxDeposits {
				c.Deposits = append(c.Deposits, d.proof)
			}
		}
		for _, op := range w.inbox[hash] {
			// More than an entry takes: Build keeps what fits and what x/inbox accepts.
			if len(c.Inbox) < 4*inject.MaxInboxOps {
				c.Inbox = append(c.Inbox, op.proof)
			}
		}
	}
	return c
}

// Followed records x/btclc's tip after a block the node executed.
func (w *Watcher) Followed(tipHeight uint64) {
	w.lcTip.Store(int64(tipHeight))
	w.metrics.LightClientTip.Set(float64(tipHeight))
}

// DepositsDone drops from the ready set the deposit transactions x/tunnel holds or will not take.
// A transaction mined again in another block (after a reorg) is found there by the next scan.
func (w *Watcher) DepositsDone(txids []chainhash.Hash) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.metrics.DepositsReady.Set(float64(dropDone(w.deposits, txids)))
}

// InboxDone drops from the ready set the inbox transactions x/inbox holds or will not take.
func (w *Watcher) InboxDone(txids []chainhash.Hash) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.metrics.InboxReady.Set(float64(dropDone(w.inbox, txids)))
}

// dropDone drops txids from byBlock and counts the proofs left.
func dropDone(byBlock map[chainhash.Hash][]pending, txids []chainhash.Hash) int {
	done := make(map[chainhash.Hash]bool, len(txids))
	for _, txid := range txids {
		done[txid] = true
	}
	ready := 0
	for hash, ps := range byBlock { // each block's list is filtered in place; order does not matter
		kept := ps[:0]
		for _, p := range ps {
			if !done[p.txid] {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			delete(byBlock, hash)
		} else {
			byBlock[hash] = kept
		}
		ready += len(kept)
	}
	return ready
}

// HeadersRefused counts a proposal that left out the watcher's headers because x/btclc refused
// them (the proposer logs why).
func (w *Watcher) HeadersRefused(error) { w.metrics.HeadersRefused.Inc() }

// Recorded forgets publications x/pop holds.
func (w *Watcher) Recorded(txids []chainhash.Hash) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, txid := range txids {
		w.recorded[txid] = true
	}
}
