package watcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/canonical"
)

const (
	// GuardScanStep is how many Bitcoin blocks one step of the guard reads at most.
	GuardScanStep = 500
	// LiveBlockAge is how recent a block must be for the censorship alarm to judge x/btclc's tip
	// after it: a node that syncs applies old blocks, whose light client was behind today's
	// Bitcoin, not kept behind it.
	LiveBlockAge = 2 * time.Minute
)

// ErrForgedChain is a block the guard refused: at a keystone height, its hash is not the
// canonical keystone Bitcoin holds superfinal there.
var ErrForgedChain = errors.New("bitcoin guard: this block contradicts the keystone Bitcoin anchors at its height")

// ErrCensorship is a block the guard refused because the censorship alarm is raised and
// guard-halt-on-censorship is on.
var ErrCensorship = errors.New("bitcoin guard: censorship alarm raised and guard-halt-on-censorship is on: the node applies no block")

// Guard is the node guard: it follows its Bitcoin node's best chain from a start height on, keeps
// the canonical keystone sequence of the publications in it (x/pop/canonical, bridged by the
// keystones of the node's own chain), and tells the node to refuse a block that contradicts a
// superfinal keystone of that sequence. It is an app.BitcoinGuard.
type Guard struct {
	node     GuardNode
	log      Logger
	metrics  *GuardMetrics
	interval time.Duration
	start    canonical.Start
	rules    GuardRules
	follower *canonical.Follower // Run's alone
	// inboxBlocks are the inbox operations of the recent blocks, by height (Run's alone).
	inboxBlocks map[int64]inboxBlock

	ready     chan struct{} // closed once the first scan reached the Bitcoin node's tip
	readyOnce sync.Once

	mu      sync.Mutex
	pubs    []canonical.Publication
	known   map[uint32]bitcoin.AbbreviatedKeystone // by keystone height
	scanned int64                                  // the highest Bitcoin block scanned
	tip     int64                                  // the Bitcoin node's tip at the last step
	version uint64                                 // counts changes of pubs and known
	built   *builtSequence
	alarm   bool  // the censorship alarm is raised for x/btclc's lag
	lcLag   int64 // x/btclc's lag behind the Bitcoin node after the last live block
	// inboxOps are the inbox operations of the recent blocks of the node's best chain, oldest
	// first; inboxOverdue counts those overdue after the last live block.
	inboxOps     []InboxOp
	inboxOverdue []InboxOp
	// inboxHeld are operations of blocks below the rescan window whose coins had not acted;
	// inboxActed are coins of inboxOps the chain has run an operation for.
	inboxHeld  []InboxOp
	inboxActed map[wire.OutPoint]bool
}

// GuardNode is what the guard reads from its Bitcoin node (bitcoin/rpc.Client): blocks, and the
// funding transactions of inbox operations (the node needs --txindex).
type GuardNode interface {
	canonical.Node
	GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error)
}

type builtSequence struct {
	version uint64
	res     canonical.Result
}

// GuardRules are the keystone_interval and superfinality_depth the guard judges by. They come
// from the node's genesis file, not from the state: the state is what a forged chain chooses, and
// one that changed either param could otherwise dodge every check. MaxLag is how many blocks
// x/btclc may be behind the guard's Bitcoin node, after a live block, before the censorship alarm
// (0: no alarm). InboxDeadline and InboxMinConfirmations are x/inbox's inbox_deadline and
// min_confirmations, from the genesis too (a deadline of 0: no inbox alarm). InboxFrom is the
// lowest Bitcoin height the chain can prove an operation at: x/btclc's base. HaltOnCensorship
// (from app.toml) makes Check refuse every block while the censorship alarm is raised.
type GuardRules struct {
	Interval              uint64
	Depth                 uint64
	MaxLag                int64
	InboxDeadline         uint32
	InboxMinConfirmations uint32
	InboxFrom             int64
	HaltOnCensorship      bool
}

var _ app.BitcoinGuard = (*Guard)(nil)

// NewGuard returns a guard of node that scans Bitcoin from height from on, with the canonical
// sequence growing from start, judging by rules, polling every interval. metrics may be nil.
func NewGuard(node GuardNode, log Logger, metrics *GuardMetrics, from int64, start canonical.Start, rules GuardRules, interval time.Duration) (*Guard, error) {
	if rules.Interval == 0 || rules.Depth == 0 {
		return nil, fmt.Errorf("bitcoin guard: keystone interval %d and superfinality depth %d must be positive", rules.Interval, rules.Depth)
	}
	if metrics == nil {
		metrics = NewGuardMetrics(nil)
	}
	if interval <= 0 {
		interval = time.Second
	}
	return &Guard{
		node: node, log: log, metrics: metrics, interval: interval, start: start, rules: rules,
		follower: canonical.NewFollower(from), ready: make(chan struct{}),
		known: map[uint32]bitcoin.AbbreviatedKeystone{}, inboxBlocks: map[int64]inboxBlock{}, inboxActed: map[wire.OutPoint]bool{},
	}, nil
}

// Run follows the Bitcoin node until ctx ends: without a pause while it is behind, then every
// interval. A failed step is logged, counted and retried; the guard then judges by what it holds.
func (g *Guard) Run(ctx context.Context) {
	began := time.Now()
	for ctx.Err() == nil {
		behind, err := g.Step(ctx)
		if err != nil && ctx.Err() == nil {
			g.metrics.Errors.Inc()
			g.log.Warn("bitcoin guard step failed; retrying", "err", err, "retry_in", g.interval)
		}
		if err == nil && behind > 0 {
			g.mu.Lock()
			scanned, tip, from := g.scanned, g.tip, g.follower.From()
			g.mu.Unlock()
			done := scanned - from + 1
			eta := time.Duration(float64(time.Since(began)) / float64(max(1, done)) * float64(behind)).Round(time.Second)
			g.log.Info("bitcoin guard scanning Bitcoin for keystones", "height", scanned, "bitcoin_tip", tip, "eta", eta)
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(g.interval):
		}
	}
}

// Step reads up to GuardScanStep more blocks of the Bitcoin node's best chain (after undoing a
// reorg), and returns how many blocks it is still behind the node's tip.
func (g *Guard) Step(ctx context.Context) (int64, error) {
	tip, changed, err := g.follower.Step(ctx, g.node, GuardScanStep)
	var pubs []canonical.Publication
	if changed {
		pubs = g.follower.Publications()
	}
	scanned := g.follower.Height()
	g.mu.Lock()
	if changed {
		g.pubs = pubs
		g.version++
	}
	if tip > 0 {
		g.tip = tip
	}
	g.scanned = scanned
	g.mu.Unlock()
	g.metrics.ScannedHeight.Set(float64(scanned))
	if changed {
		g.metrics.Publications.Set(float64(len(pubs)))
	}
	if err != nil {
		return 0, err
	}
	if err := g.scanInbox(ctx, tip); err != nil {
		return 0, fmt.Errorf("inbox operations: %w", err)
	}
	if scanned >= tip {
		g.readyOnce.Do(func() {
			g.log.Info("bitcoin guard ready: Bitcoin scanned to its tip", "height", scanned, "publications", g.follower.Count())
			close(g.ready)
		})
	}
	return tip - scanned, nil
}

// Known adds keystones of the node's own chain. They only bridge keystones Bitcoin holds no
// publication of (the popminer publishes the newest keystone, so gaps are normal); a bridged
// keystone is canonical only once a later publication anchors it.
func (g *Guard) Known(keystones []bitcoin.AbbreviatedKeystone) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range keystones {
		if old, ok := g.known[k.KeystoneHeight]; !ok || old != k {
			g.known[k.KeystoneHeight] = k
			g.version++
		}
	}
}

// sequence is the canonical sequence of what the guard holds, built again only when that changed.
func (g *Guard) sequence() (canonical.Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b := g.built; b != nil && b.version == g.version {
		return b.res, nil
	}
	known := make([]bitcoin.AbbreviatedKeystone, 0, len(g.known))
	for _, k := range g.known { // Build's result does not depend on their order
		known = append(known, k)
	}
	res, err := canonical.Build(canonical.Input{Start: g.start, Interval: g.rules.Interval, Publications: g.pubs, Known: known, BitcoinTip: g.scanned})
	if err != nil {
		return canonical.Result{}, err
	}
	g.built = &builtSequence{version: g.version, res: res}
	g.metrics.CanonicalKeystones.Set(float64(len(res.Keystones)))
	return res, nil
}

// waitReady blocks until the first scan reached the Bitcoin node's tip, saying every 10 s why the
// node waits.
func (g *Guard) waitReady(height uint64) {
	for {
		select {
		case <-g.ready:
			return
		case <-time.After(10 * time.Second):
			g.mu.Lock()
			scanned, tip := g.scanned, g.tip
			g.mu.Unlock()
			g.log.Warn("bitcoin guard: block waits for the first scan of Bitcoin (is the Bitcoin node up? see [bitcoin] in app.toml)",
				"block", height, "scanned", scanned, "bitcoin_tip", tip)
		}
	}
}

// superfinal returns the canonical keystone at height when it is depth or more deep.
func superfinal(res canonical.Result, height, depth uint64) (canonical.Keystone, bool) {
	i := sort.Search(len(res.Keystones), func(i int) bool { return uint64(res.Keystones[i].Keystone.KeystoneHeight) >= height })
	if i == len(res.Keystones) || uint64(res.Keystones[i].Keystone.KeystoneHeight) != height {
		return canonical.Keystone{}, false
	}
	k := res.Keystones[i]
	return k, k.Confirmations >= int64(depth)
}

// Check refuses, with ErrForgedChain and the Bitcoin evidence, a block at a keystone height whose
// hash is not the canonical keystone Bitcoin holds superfinal there. At other heights, and where
// Bitcoin holds none that deep, it has no opinion. At keystone heights it waits for the guard's
// first scan of Bitcoin. With HaltOnCensorship, it refuses every block with ErrCensorship while
// the censorship alarm is raised.
func (g *Guard) Check(height uint64, blockHash []byte) error {
	if err := g.censorshipHalt(height); err != nil {
		return err
	}
	if height == 0 || height%g.rules.Interval != 0 {
		return nil
	}
	g.waitReady(height)
	res, err := g.sequence()
	if err != nil {
		return err
	}
	k, ok := superfinal(res, height, g.rules.Depth)
	if !ok {
		return nil
	}
	if len(blockHash) >= len(k.Keystone.BlockHashPrefix) && bytes.Equal(blockHash[:len(k.Keystone.BlockHashPrefix)], k.Keystone.BlockHashPrefix[:]) {
		g.metrics.KeystonesChecked.Inc()
		return nil
	}
	g.metrics.Conflicts.Inc()
	ev := k.Anchor
	if k.Published != nil {
		ev = *k.Published
	}
	err = fmt.Errorf("%w: block %d has hash %X, but Bitcoin anchors keystone %X at height %d (bitcoin tx %s in block %s at height %d, %d confirmations, "+
		"superfinality depth %d): this node is fed a forged chain and stops here; check its peers and genesis, and sync from peers of the chain Bitcoin anchors",
		ErrForgedChain, height, blockHash, k.Keystone.BlockHashPrefix[:], height, ev.TxID, ev.BlockHash, ev.BlockHeight, k.Confirmations, g.rules.Depth)
	g.log.Error(err.Error())
	return err
}

// Superfinal returns the highest keystone height at or below upTo at which the guard holds a
// superfinal canonical keystone. It waits for the guard's first scan of Bitcoin.
func (g *Guard) Superfinal(upTo uint64) (uint64, bool, error) {
	g.waitReady(upTo)
	res, err := g.sequence()
	if err != nil {
		return 0, false, err
	}
	for i := len(res.Keystones) - 1; i >= 0; i-- {
		k := res.Keystones[i]
		if h := uint64(k.Keystone.KeystoneHeight); h <= upTo && k.Confirmations >= int64(g.rules.Depth) {
			return h, true, nil
		}
	}
	return 0, false, nil
}

// LightClient raises the censorship alarm when, after a live block (one less than LiveBlockAge
// old), x/btclc's tip is more than MaxLag blocks behind the guard's Bitcoin node, and clears it
// when it is back within. The alarm is a log line at error level and the censorship_alarm metric;
// it never stops the node. Validators that withhold Bitcoin headers (they propose none and refuse
// relayed ones) show as this lag.
func (g *Guard) LightClient(tipHeight uint64, blockTime time.Time) {
	if g.rules.MaxLag <= 0 || time.Since(blockTime) > LiveBlockAge {
		return
	}
	g.mu.Lock()
	btcTip := g.tip
	if btcTip <= 0 {
		g.mu.Unlock()
		return // the Bitcoin node not read yet
	}
	lag := btcTip - int64(tipHeight)
	was, now := g.alarm, lag > g.rules.MaxLag
	g.alarm, g.lcLag = now, lag
	g.mu.Unlock()
	g.metrics.LightClientLag.Set(float64(lag))
	g.setAlarmMetric()
	switch {
	case now && !was:
		g.metrics.Alarms.Inc()
		g.log.Error("bitcoin guard: CENSORSHIP ALARM: the chain's Bitcoin light client is kept behind Bitcoin; blocks carry no new headers "+
			"although this node's Bitcoin node has them (validators withholding them, or no relayer and no watcher running)",
			"btclc_tip", tipHeight, "bitcoin_tip", btcTip, "behind", lag, "max_lag", g.rules.MaxLag)
	case !now && was:
		g.log.Info("bitcoin guard: censorship alarm cleared: x/btclc is back within the allowed lag", "btclc_tip", tipHeight, "bitcoin_tip", btcTip)
	}
}

// censorshipHalt is ErrCensorship, with what raised the alarm, when the node halts on it.
func (g *Guard) censorshipHalt(height uint64) error {
	if !g.rules.HaltOnCensorship {
		return nil
	}
	g.mu.Lock()
	lagging, lag, overdue := g.alarm, g.lcLag, g.inboxOverdue
	g.mu.Unlock()
	switch {
	case len(overdue) > 0:
		g.log.Error("bitcoin guard: halting on the censorship alarm (guard-halt-on-censorship): the node stops here; after a restart it follows the chain until the alarm is raised again",
			"height", height, "overdue_inbox_operations", len(overdue), "oldest_txid", overdue[0].TxID, "oldest_btc_height", overdue[0].Height)
		return fmt.Errorf("%w: block %d: %d inbox operations overdue, the oldest %s at Bitcoin height %d", ErrCensorship, height,
			len(overdue), overdue[0].TxID, overdue[0].Height)
	case lagging:
		g.log.Error("bitcoin guard: halting on the censorship alarm (guard-halt-on-censorship): the node stops here; after a restart it follows the chain until the alarm is raised again",
			"height", height, "btclc_lag", lag)
		return fmt.Errorf("%w: block %d: x/btclc is %d blocks behind Bitcoin", ErrCensorship, height, lag)
	}
	return nil
}

// setAlarmMetric sets censorship_alarm: 1 while either half of the alarm is raised.
func (g *Guard) setAlarmMetric() {
	g.mu.Lock()
	on := g.alarm || len(g.inboxOverdue) > 0
	g.mu.Unlock()
	if on {
		g.metrics.CensorshipAlarm.Set(1)
	} else {
		g.metrics.CensorshipAlarm.Set(0)
	}
}

// CensorshipAlarm reports whether the alarm is raised for x/btclc's lag, and the lag after the
// last live block.
func (g *Guard) CensorshipAlarm() (raised bool, lag int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.alarm, g.lcLag
}

// GuardMetrics are the guard's Prometheus metrics.
type GuardMetrics struct {
	ScannedHeight      prometheus.Gauge
	Publications       prometheus.Gauge
	CanonicalKeystones prometheus.Gauge
	KeystonesChecked   prometheus.Counter
	Conflicts          prometheus.Counter
	Errors             prometheus.Counter
	LightClientLag     prometheus.Gauge
	CensorshipAlarm    prometheus.Gauge
	InboxOverdue       prometheus.Gauge
	InboxHeld          prometheus.Gauge
	Alarms             prometheus.Counter
}

// NewGuardMetrics creates the metrics and registers them with reg (nil: not registered).
func NewGuardMetrics(reg prometheus.Registerer) *GuardMetrics {
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "hemid", Subsystem: "bitcoin_guard", Name: name, Help: help})
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "hemid", Subsystem: "bitcoin_guard", Name: name, Help: help})
	}
	m := &GuardMetrics{
		ScannedHeight:      gauge("scanned_height", "Highest Bitcoin block the guard has scanned for keystone publications."),
		Publications:       gauge("publications", "HEMI publications in the Bitcoin blocks the guard holds."),
		CanonicalKeystones: gauge("canonical_keystones", "Keystones of the canonical sequence the guard holds."),
		KeystonesChecked:   counter("keystones_checked_total", "Blocks at keystone heights that matched a superfinal canonical keystone."),
		Conflicts:          counter("conflicts_total", "Blocks refused: their hash contradicts a superfinal canonical keystone (the node halts)."),
		Errors:             counter("errors_total", "Guard steps that failed and were retried."),
		LightClientLag:     gauge("btclc_lag_blocks", "Bitcoin blocks x/btclc is behind the guard's Bitcoin node after the last live block."),
		CensorshipAlarm:    gauge("censorship_alarm", "1 while x/btclc is kept more than guard-max-lag blocks behind Bitcoin, or inbox operations are overdue."),
		InboxOverdue:       gauge("inbox_overdue", "Inbox operations on Bitcoin more than inbox_deadline blocks deep that the chain has not run."),
		InboxHeld:          gauge("inbox_held", "Inbox operations of blocks below the guard's rescan window that the chain has not run, kept until they do."),
		Alarms:             counter("censorship_alarms_total", "Times the censorship alarm was raised."),
	}
	if reg != nil {
		reg.MustRegister(m.ScannedHeight, m.Publications, m.CanonicalKeystones, m.KeystonesChecked, m.Conflicts, m.Errors,
			m.LightClientLag, m.CensorshipAlarm, m.InboxOverdue, m.InboxHeld, m.Alarms)
	}
	return m
}
