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
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// BitcoinNode is what the relayer reads from a Bitcoin node.
type BitcoinNode interface {
	GetBlockCount(ctx context.Context) (int64, error)
	GetBlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	GetBlockHeaderRaw(ctx context.Context, hash chainhash.Hash) ([]byte, error)
	GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error)
}

// LightClient is x/btclc as the relayer sees it.
type LightClient interface {
	// Tip is the canonical tip.
	Tip(ctx context.Context) (height int64, hash chainhash.Hash, err error)
	// BaseHeight is the height of the oldest header x/btclc holds.
	BaseHeight(ctx context.Context) (int64, error)
	// HashAt is the canonical hash at a height.
	HashAt(ctx context.Context, height int64) (chainhash.Hash, error)
	// Insert submits headers that extend the canonical chain or fork from it.
	Insert(ctx context.Context, headers [][]byte) error
}

// ErrForkNotHeavier is what LightClient.Insert returns when a fork was refused because it does not
// (yet) have more work than the canonical chain. The relayer waits for more blocks.
var ErrForkNotHeavier = errors.New("fork not heavier than the canonical chain")

// Config tunes the relayer.
type Config struct {
	// BatchSize is the most headers per transaction (at most x/btclc's max_headers_per_msg).
	BatchSize int
	// PollInterval is the wait between checks once in sync.
	PollInterval time.Duration
	// MaxBackoff caps the wait after consecutive errors (it doubles from 1 s).
	MaxBackoff time.Duration
}

// Relayer syncs one LightClient from one BitcoinNode.
type Relayer struct {
	cfg     Config
	btc     BitcoinNode
	lc      LightClient
	log     *slog.Logger
	metrics *Metrics
	rate    rateMeter
	pop     PoPProver
}

// New returns a relayer. metrics may be nil.
func New(cfg Config, btc BitcoinNode, lc LightClient, log *slog.Logger, metrics *Metrics) *Relayer {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
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

	to := min(btcTip, ancestor+int64(r.cfg.BatchSize))
	headers, err := r.fetchHeaders(ctx, ancestor+1, to)
	if err != nil {
		return false, err
	}

	reorg := ancestor < lcTip
	if reorg {
		r.log.Info("Bitcoin reorg: submitting the fork from the common ancestor",
			"ancestor", ancestor, "replaced_tip", lcTip, "replaced_tip_hash", lcTipHash, "fork_headers", len(headers))
	}
	if err := r.lc.Insert(ctx, headers); err != nil {
		if errors.Is(err, ErrForkNotHeavier) {
			r.log.Info("the Bitcoin node's fork does not have more work than x/btclc's chain yet; waiting for more blocks",
				"ancestor", ancestor, "fork_tip", to, "btclc_tip", lcTip)
			return false, nil
		}
		return false, fmt.Errorf("inserting headers %d..%d: %w", ancestor+1, to, err)
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
	if r.pop != nil {
		r.scanPublications(ctx, headers, ancestor+1, btcTip)
	}
	return true, nil
}

// fetchConcurrency is how many header reads the relayer keeps in flight: a node answers each in
// about a millisecond, so reading one at a time would leave the relayer waiting on round trips.
const fetchConcurrency = 8

// fetchHeaders reads the raw headers at heights from..to of the node's best chain, in order.
func (r *Relayer) fetchHeaders(ctx context.Context, from, to int64) ([][]byte, error) {
	headers := make([][]byte, to-from+1)
	errs := make([]error, len(headers))
	next := make(chan int)
	var wg sync.WaitGroup
	for range fetchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				h := from + int64(i)
				hash, err := r.btc.GetBlockHash(ctx, h)
				if err != nil {
					errs[i] = fmt.Errorf("bitcoin block hash at %d: %w", h, err)
					continue
				}
				if headers[i], err = r.btc.GetBlockHeaderRaw(ctx, hash); err != nil {
					errs[i] = fmt.Errorf("bitcoin header %s at %d: %w", hash, h, err)
				}
			}
		}()
	}
	for i := range headers {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the lowest height's error; the others are most likely the same
		}
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
