// Package relayer keeps x/btclc in sync with a Bitcoin node: it follows the node's best chain,
// submits the headers x/btclc lacks in batches, and on a Bitcoin reorg submits the heavier fork
// from the common ancestor. It holds no state of its own: every step starts from what the chain
// and the Bitcoin node say now, so it survives restarts of itself, of hemid and of the node.
package relayer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// BitcoinNode is what the relayer reads from a Bitcoin node.
type BitcoinNode interface {
	GetBlockCount(ctx context.Context) (int64, error)
	GetBlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	// GetHeaderRange returns the best chain's raw headers at heights from..to, in bulk.
	GetHeaderRange(ctx context.Context, from, to int64) ([][]byte, error)
	GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error)
	// GetRawTransaction returns a transaction checked to hash to txid; the node needs a
	// transaction index (btcd --txindex, Core -txindex) for confirmed ones.
	GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error)
}

// LightClient is x/btclc as the relayer sees it.
type LightClient interface {
	// Tip is the canonical tip.
	Tip(ctx context.Context) (height int64, hash chainhash.Hash, err error)
	// BaseHeight is the height of the oldest header x/btclc holds.
	BaseHeight(ctx context.Context) (int64, error)
	// HashAt is the canonical hash at a height.
	HashAt(ctx context.Context, height int64) (chainhash.Hash, error)
	// Known tells whether x/btclc holds a block, canonical or in its side-chain store.
	Known(ctx context.Context, hash chainhash.Hash) (bool, error)
	// MaxHeadersPerMsg is x/btclc's max_headers_per_msg param.
	MaxHeadersPerMsg(ctx context.Context) (int, error)
	// Insert submits headers that extend the canonical chain, a side chain, or fork from the
	// canonical chain. sideChain reports that they were kept as a side chain: the fork they
	// belong to does not have more work than the canonical chain yet.
	Insert(ctx context.Context, headers [][]byte) (sideChain bool, err error)
}

// ErrUnknownParent is what LightClient.Insert returns when x/btclc does not hold the parent of
// the first header (or a side-chain ancestor it needs): the relayer sends the fork again from
// the canonical ancestor.
var ErrUnknownParent = errors.New("x/btclc does not hold the parent of the first header")

// Config tunes the relayer.
type Config struct {
	// BatchSize is the most headers per transaction: 0 follows x/btclc's max_headers_per_msg,
	// which a smaller value lowers (a larger one is ignored).
	BatchSize int
	// PollInterval is the wait between checks once in sync.
	PollInterval time.Duration
	// MaxBackoff caps the wait after consecutive errors (it doubles from 1 s).
	MaxBackoff time.Duration
}

// Relayer syncs one LightClient from one BitcoinNode.
type Relayer struct {
	cfg      Config
	btc      BitcoinNode
	lc       LightClient
	log      *slog.Logger
	metrics  *Metrics
	rate     rateMeter
	pop      PoPProver
	deposits DepositProver
}

// New returns a relayer. metrics may be nil.
func New(cfg Config, btc BitcoinNode, lc LightClient, log *slog.Logger, metrics *Metrics) *Relayer {
	cfg.BatchSize = max(cfg.BatchSize, 0)
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	return &Relayer{cfg: cfg, btc: btc, lc: lc, log: log, metrics: metrics}
}

// WithPoPProver makes the relayer prove the PoP publications it finds in the blocks it relays.
func (r *Relayer) WithPoPProver(p PoPProver) *Relayer {
	r.pop = p
	return r
}

// WithDepositProver makes the relayer prove the deposits to x/tunnel's vault it finds in the blocks
// it relays.
func (r *Relayer) WithDepositProver(p DepositProver) *Relayer {
	r.deposits = p
	return r
}

// Run syncs until ctx ends. Errors (a node down, a rejected transaction) are logged and retried
// with backoff; they never end the loop.
func (r *Relayer) Run(ctx context.Context) error {
	backoff := time.Second
	for {
		progressed, err := r.Step(ctx)
		wait := r.cfg.PollInterval
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			r.metrics.Errors.Inc()
			r.log.Error("relay step failed; retrying", "err", err, "retry_in", backoff)
			wait, backoff = backoff, min(2*backoff, r.cfg.MaxBackoff)
		case progressed:
			wait, backoff = 0, time.Second
		default:
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// Step submits at most one batch. It reports whether it submitted headers (more may follow at
// once) and fails when a node could not be read or the chain refused the batch.
func (r *Relayer) Step(ctx context.Context) (bool, error) {
	btcTip, err := r.btc.GetBlockCount(ctx)
	if err != nil {
		return false, fmt.Errorf("bitcoin node: %w", err)
	}
	lcTip, lcTipHash, err := r.lc.Tip(ctx)
	if err != nil {
		return false, fmt.Errorf("x/btclc tip: %w", err)
	}
	r.metrics.BitcoinTip.Set(float64(btcTip))
	r.metrics.LightClientTip.Set(float64(lcTip))

	ancestor, err := r.commonAncestor(ctx, min(lcTip, btcTip))
	if err != nil {
		return false, err
	}
	if ancestor == btcTip {
		if lcTip > btcTip {
			r.log.Warn("x/btclc is ahead of the Bitcoin node; is the node still syncing?", "btclc_tip", lcTip, "bitcoin_tip", btcTip)
		}
		return false, nil
	}

	batch, err := r.batchSize(ctx)
	if err != nil {
		return false, err
	}
	// A fork longer than one batch goes in pieces: x/btclc keeps the pieces as a side chain until
	// the fork has more work, so continue after the last block of the node's chain it holds.
	from := ancestor
	if ancestor < lcTip { // only a fork can have pieces in x/btclc already
		if from, err = r.knownAbove(ctx, ancestor, btcTip); err != nil {
			return false, err
		}
	}
	if from == btcTip {
		r.log.Info("the Bitcoin node's fork does not have more work than x/btclc's chain yet; waiting for more blocks",
			"ancestor", ancestor, "fork_tip", btcTip, "btclc_tip", lcTip)
		return false, nil
	}
	reorg := ancestor < lcTip
	sideChain, to, headers, err := r.insertFrom(ctx, from, btcTip, batch)
	if errors.Is(err, ErrUnknownParent) && from > ancestor {
		// The side chain's lower part is gone (pruned or evicted): send it again from the
		// canonical ancestor.
		r.log.Warn("x/btclc no longer holds the fork's lower part; sending it again from the common ancestor", "ancestor", ancestor, "from", from)
		sideChain, to, headers, err = r.insertFrom(ctx, ancestor, btcTip, batch)
		from = ancestor
	}
	if err != nil {
		return false, err
	}
	if reorg {
		r.log.Info("Bitcoin reorg: submitted the fork from the common ancestor",
			"ancestor", ancestor, "replaced_tip", lcTip, "replaced_tip_hash", lcTipHash, "from", from+1, "to", to, "side_chain", sideChain)
	}
	if sideChain {
		r.metrics.HeadersSubmitted.Add(float64(len(headers)))
		r.log.Info("relayed a piece of a fork; x/btclc keeps it as a side chain until the fork has more work",
			"from", from+1, "to", to, "bitcoin_tip", btcTip, "btclc_tip", lcTip)
		return true, nil
	}
	if reorg {
		r.metrics.Reorgs.Inc()
	}
	r.metrics.HeadersSubmitted.Add(float64(len(headers)))
	r.metrics.LightClientTip.Set(float64(to))
	rate := r.rate.add(len(headers), time.Now())
	attrs := []any{"height", to, "bitcoin_tip", btcTip, "headers", len(headers), "headers_per_s", fmt.Sprintf("%.0f", rate)}
	if remaining := btcTip - to; remaining > 0 && rate > 0 {
		attrs = append(attrs, "remaining", remaining, "eta", (time.Duration(float64(remaining)/rate) * time.Second).Round(time.Second))
	}
	r.log.Info("relayed Bitcoin headers", attrs...)
	if r.pop != nil || r.deposits != nil {
		r.scanBlocks(ctx, headers, from+1, btcTip)
	}
	return true, nil
}

// batchSize is x/btclc's max_headers_per_msg, or the configured size when that is smaller.
func (r *Relayer) batchSize(ctx context.Context) (int, error) {
	chainMax, err := r.lc.MaxHeadersPerMsg(ctx)
	if err != nil {
		return 0, fmt.Errorf("x/btclc params: %w", err)
	}
	if chainMax < 1 {
		return 0, fmt.Errorf("x/btclc reports max_headers_per_msg %d", chainMax)
	}
	if r.cfg.BatchSize > 0 {
		return min(r.cfg.BatchSize, chainMax), nil
	}
	return chainMax, nil
}

// insertFrom submits the node's headers from+1 up to at most batch of them.
func (r *Relayer) insertFrom(ctx context.Context, from, btcTip int64, batch int) (sideChain bool, to int64, headers [][]byte, err error) {
	to = min(btcTip, from+int64(batch))
	if headers, err = r.fetchHeaders(ctx, from+1, to); err != nil {
		return false, 0, nil, err
	}
	if sideChain, err = r.lc.Insert(ctx, headers); err != nil {
		return false, 0, nil, fmt.Errorf("inserting headers %d..%d: %w", from+1, to, err)
	}
	return sideChain, to, headers, nil
}

// knownAbove returns the highest height k in ancestor..btcTip such that x/btclc holds the node's
// blocks ancestor+1..k (as side-chain headers: they are above the canonical common ancestor). The
// relayer sends a fork's pieces in order, so what x/btclc holds of it is a prefix, found by
// binary search.
func (r *Relayer) knownAbove(ctx context.Context, ancestor, btcTip int64) (int64, error) {
	lo, hi := ancestor, btcTip // lo is known (or the ancestor); everything above hi is not
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		hash, err := r.btc.GetBlockHash(ctx, mid)
		if err != nil {
			return 0, fmt.Errorf("bitcoin block hash at %d: %w", mid, err)
		}
		known, err := r.lc.Known(ctx, hash)
		if err != nil {
			return 0, fmt.Errorf("x/btclc header %s: %w", hash, err)
		}
		if known {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// fetchHeaders reads the raw headers at heights from..to of the node's best chain, in order, in
// batched requests (bitcoin/rpc's GetHeaderRange), not one round trip per header.
func (r *Relayer) fetchHeaders(ctx context.Context, from, to int64) ([][]byte, error) {
	headers, err := r.btc.GetHeaderRange(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("bitcoin headers %d..%d: %w", from, to, err)
	}
	if int64(len(headers)) != to-from+1 {
		return nil, fmt.Errorf("bitcoin headers %d..%d: the node sent %d", from, to, len(headers))
	}
	return headers, nil
}

// commonAncestor returns the highest height at or below from where x/btclc and the Bitcoin node
// have the same block.
func (r *Relayer) commonAncestor(ctx context.Context, from int64) (int64, error) {
	base, err := r.lc.BaseHeight(ctx)
	if err != nil {
		return 0, fmt.Errorf("x/btclc base: %w", err)
	}
	for h := from; h >= base; h-- {
		lcHash, err := r.lc.HashAt(ctx, h)
		if err != nil {
			return 0, fmt.Errorf("x/btclc header at %d: %w", h, err)
		}
		btcHash, err := r.btc.GetBlockHash(ctx, h)
		if err != nil {
			return 0, fmt.Errorf("bitcoin block hash at %d: %w", h, err)
		}
		if lcHash == btcHash {
			return h, nil
		}
	}
	return 0, fmt.Errorf("x/btclc's base header at height %d is not on the Bitcoin node's chain: "+
		"is the node on the network this chain follows?", base)
}

// rateMeter measures headers per second over the last minute.
type rateMeter struct {
	samples []rateSample
}

type rateSample struct {
	at    time.Time
	count int
}

func (m *rateMeter) add(count int, now time.Time) float64 {
	m.samples = append(m.samples, rateSample{now, count})
	for len(m.samples) > 1 && now.Sub(m.samples[0].at) > time.Minute {
		m.samples = m.samples[1:]
	}
	if len(m.samples) < 2 {
		return 0
	}
	total := 0
	for _, s := range m.samples[1:] {
		total += s.count
	}
	return float64(total) / now.Sub(m.samples[0].at).Seconds()
}
