// Package popminer publishes hemi's keystones to Bitcoin and proves the publications back to hemi.
//
// One secp256k1 key is both the miner's Bitcoin address (which pays the fees) and its hemi payee
// (the reward goes to the account derived from the key that signs a PoP transaction's first input).
// The miner publishes the newest keystone nobody has published yet, at most one at a time, bumps the
// fee (RBF, same inputs) when the transaction is not mined within a few blocks, and submits the
// proof once the block is in x/btclc. A publication whose fee cannot be raised any further (the fee
// cap, or no change output to take it from) is given up for the newest keystone once there is a
// newer one nobody published: each keystone commits to its predecessor, so the newest anchors the
// older ones too. A publication given up may still be mined: the miner keeps looking for it (for a
// bounded number of blocks, or until another transaction spends its inputs) and proves it with its
// funding transaction, so that its reward goes to the miner's key. Every transaction is written to
// the state file before it is broadcast, so a restart re-sends the same bytes instead of signing
// anew: the miner never publishes a keystone twice and never spends an input twice.
//
// The state machine runs against three interfaces: BitcoinNode (chain reads), Wallet (coins,
// fees, signing, broadcast) and Hemi (x/pop and x/btclc), so it is tested over fakes.
package popminer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/hemiclient"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// BitcoinNode is what the miner reads from its Bitcoin node (rpc.Client).
type BitcoinNode interface {
	GetBlockCount(ctx context.Context) (int64, error)
	GetBlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error)
	GetBlockHeaderVerbose(ctx context.Context, hash chainhash.Hash) (*rpc.HeaderInfo, error)
}

// Wallet is the miner's Bitcoin wallet (wallet.Wallet).
type Wallet interface {
	UTXOs(ctx context.Context, minConf int64) ([]wallet.UTXO, error)
	FeeRate(ctx context.Context, confTarget int64) (int64, error)
	FeeLimits() (floor, cap int64)
	BuildTx(utxos []wallet.UTXO, outputs []*wire.TxOut, feeRate int64) (*wire.MsgTx, int64, error)
	BumpFee(tx *wire.MsgTx, spent []wallet.UTXO, newFeeRate int64) (*wire.MsgTx, int64, error)
	Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error)
}

// Hemi is what the miner asks of hemid (ChainHemi).
type Hemi interface {
	// NewestKeystone is x/pop's newest keystone; false before the first.
	NewestKeystone(ctx context.Context) (poptypes.Keystone, bool, error)
	// Published tells whether x/pop holds a publication of the keystone at height.
	Published(ctx context.Context, height uint64) (bool, error)
	// HasBitcoinBlock tells whether x/btclc holds the block.
	HasBitcoinBlock(ctx context.Context, hash chainhash.Hash) (bool, error)
	// SubmitPoPProof proves transaction txid of block with funding, the transaction its first
	// input spends from (which binds the payee); a duplicate is success, and so is a proof too
	// late to bind the payee (hemiclient.ProofRewardSettled), which the miner logs as a warning.
	SubmitPoPProof(ctx context.Context, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (hemiclient.ProofOutcome, error)
	// BitcoinChain is the Bitcoin chain x/btclc follows.
	BitcoinChain(ctx context.Context) (BitcoinChain, error)
}

// Config tunes the miner.
type Config struct {
	// ConfTarget is the confirmation target asked of the node's fee estimator.
	ConfTarget int64
	// BumpAfterBlocks is how many Bitcoin blocks a publication may wait before its fee is bumped.
	BumpAfterBlocks int64
	// PollInterval is the wait between steps.
	PollInterval time.Duration
}

// Miner is the PoP miner's state machine.
type Miner struct {
	cfg     Config
	btc     BitcoinNode
	wallet  Wallet
	hemi    Hemi
	state   *State
	file    *StateFile
	log     *slog.Logger
	metrics *Metrics
	// cannotBump is why the fee of the pending publication (by its first txid) cannot be raised.
	// It is not persisted: a miner restarted with a higher --fee-cap tries again.
	cannotBump map[string]error
}

// New loads the state file and returns the miner. metrics may be nil.
func New(cfg Config, btc BitcoinNode, w Wallet, hemi Hemi, file *StateFile, log *slog.Logger, metrics *Metrics) (*Miner, error) {
	if cfg.ConfTarget <= 0 {
		cfg.ConfTarget = 2
	}
	if cfg.BumpAfterBlocks <= 0 {
		cfg.BumpAfterBlocks = 3
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	state, err := file.Load()
	if err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	return &Miner{cfg: cfg, btc: btc, wallet: w, hemi: hemi, state: state, file: file, log: log, metrics: metrics,
		cannotBump: map[string]error{}}, nil
}

// Run steps until ctx ends; errors are logged and retried.
func (m *Miner) Run(ctx context.Context) error {
	for {
		if err := m.Step(ctx); err != nil && ctx.Err() == nil {
			m.metrics.Errors.Inc()
			m.log.Error("PoP step failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(m.cfg.PollInterval):
		}
	}
}

// rescanDepth is how many already scanned blocks the miner looks at again for its transaction.
const rescanDepth = 6

// supersededWatchBlocks is how long a superseded publication is looked for: two weeks of blocks,
// Bitcoin Core's default mempool expiry, after which the nodes that had it have dropped it.
const supersededWatchBlocks = 2016

// Step advances the pending publication by one stage, or starts a new one, and follows the
// superseded publications that may still be mined.
func (m *Miner) Step(ctx context.Context) error {
	tip, err := m.btc.GetBlockCount(ctx)
	if err != nil {
		return fmt.Errorf("bitcoin node: %w", err)
	}
	blocks := newBlockCache(m.btc)
	// A failure with a superseded publication does not hold up the pending one.
	return errors.Join(m.followSuperseded(ctx, tip, blocks), m.stepPending(ctx, tip, blocks))
}

// stepPending advances the pending publication by one stage, or starts a new one.
func (m *Miner) stepPending(ctx context.Context, tip int64, blocks *blockCache) error {
	p := m.state.Pending()
	m.metrics.Pending.Set(boolGauge(p != nil))
	if p == nil {
		return m.publishNewest(ctx, tip)
	}
	switch p.Status {
	case StatusSigned:
		return m.broadcast(ctx, p)
	case StatusBroadcast:
		return m.watch(ctx, p, tip, blocks)
	case StatusMined:
		return m.prove(ctx, p)
	}
	return fmt.Errorf("state file: publication of keystone %d has unknown status %q", p.KeystoneHeight, p.Status)
}

// followSuperseded looks for the superseded publications in the new blocks and proves those
// mined. Each is watched until it is proven, until another transaction spends one of its inputs,
// or for supersededWatchBlocks blocks; the blocks are read once for all of them.
func (m *Miner) followSuperseded(ctx context.Context, tip int64, blocks *blockCache) error {
	var errs []error
	for i := range m.state.Publications {
		p := &m.state.Publications[i]
		if p.Status != StatusSuperseded {
			continue
		}
		if err := m.followOne(ctx, p, tip, blocks); err != nil {
			errs = append(errs, fmt.Errorf("superseded publication of keystone %d: %w", p.KeystoneHeight, err))
		}
	}
	return errors.Join(errs...)
}

func (m *Miner) followOne(ctx context.Context, p *Publication, tip int64, blocks *blockCache) error {
	if p.BlockHash != "" {
		return m.prove(ctx, p)
	}
	if p.SupersededHeight == 0 { // given up by a version of the miner that did not record when
		p.SupersededHeight = tip
		if err := m.file.Save(m.state); err != nil {
			return err
		}
	}
	found, conflict, err := m.findMined(ctx, p, tip, blocks)
	if err != nil || found {
		return err
	}
	reason := ""
	switch {
	case conflict != nil:
		reason = fmt.Sprintf("transaction %s spends one of its inputs", conflict)
	case tip-p.SupersededHeight >= supersededWatchBlocks:
		reason = fmt.Sprintf("not mined within %d blocks of being given up", supersededWatchBlocks)
	default:
		return nil
	}
	m.log.Info("no longer watching a superseded publication: it cannot be mined, or no longer will",
		"keystone", p.KeystoneHeight, "txids", p.TxIDs, "reason", reason)
	p.Status = StatusAbandoned
	return m.file.Save(m.state)
}

// newestUnpublished is x/pop's newest keystone if it is newer than any this miner published and
// nobody has published it yet.
func (m *Miner) newestUnpublished(ctx context.Context) (poptypes.Keystone, bool, error) {
	k, ok, err := m.hemi.NewestKeystone(ctx)
	if err != nil || !ok {
		return k, false, err // !ok: the chain has not reached its first keystone yet
	}
	if last := m.state.Latest(); last != nil && last.KeystoneHeight >= k.Height {
		return k, false, nil // already published by us
	}
	published, err := m.hemi.Published(ctx, k.Height)
	if err != nil || published {
		return k, false, err // someone else published it; it anchors every earlier keystone too
	}
	return k, true, nil
}

// publishNewest signs a transaction for the newest keystone that has no publication yet.
func (m *Miner) publishNewest(ctx context.Context, tip int64) error {
	k, ok, err := m.newestUnpublished(ctx)
	if err != nil || !ok {
		return err
	}
	return m.publish(ctx, k, tip)
}

// publish signs, persists and broadcasts a transaction publishing k.
func (m *Miner) publish(ctx context.Context, k poptypes.Keystone, tip int64) error {
	payload, err := k.Abbreviate()
	if err != nil {
		return fmt.Errorf("keystone %d from hemid: %w", k.Height, err)
	}
	utxos, err := m.wallet.UTXOs(ctx, 1) // confirmed only: unconfirmed change vanishes if replaced
	if err != nil {
		return err
	}
	m.metrics.BalanceSats.Set(float64(sumValues(utxos)))
	rate, err := m.wallet.FeeRate(ctx, m.cfg.ConfTarget)
	if err != nil {
		return err
	}
	tx, fee, err := m.wallet.BuildTx(utxos, []*wire.TxOut{{Value: 0, PkScript: bitcoin.PoPScript(payload)}}, rate)
	if err != nil {
		return err
	}
	p := Publication{KeystoneHeight: k.Height, FeeRate: rate, Fee: fee, FirstBroadcastHeight: tip, BroadcastHeight: tip,
		ScannedHeight: tip - 1, Status: StatusSigned, Inputs: spentInputs(tx, utxos)}
	if err := p.setTx(tx); err != nil {
		return err
	}
	m.state.Publications = append(m.state.Publications, p)
	if err := m.file.Save(m.state); err != nil {
		return fmt.Errorf("saving the state before broadcasting: %w", err)
	}
	m.log.Info("publishing keystone", "keystone", k.Height, "txid", tx.TxHash(), "fee_sats", fee, "fee_rate", rate)
	m.metrics.Published.Inc()
	m.metrics.FeesSats.Add(float64(fee))
	return m.broadcast(ctx, m.state.Latest())
}

// broadcast sends the current version of p; "already known" is success.
func (m *Miner) broadcast(ctx context.Context, p *Publication) error {
	tx, err := p.tx()
	if err != nil {
		return err
	}
	if _, err := m.wallet.Broadcast(ctx, tx); err != nil {
		return err
	}
	if p.Status == StatusSigned {
		p.Status = StatusBroadcast
		return m.file.Save(m.state)
	}
	return nil
}

// blockCache reads each block of the best chain at most once per step.
type blockCache struct {
	btc      BitcoinNode
	byHeight map[int64]*wire.MsgBlock
}

func newBlockCache(btc BitcoinNode) *blockCache {
	return &blockCache{btc: btc, byHeight: map[int64]*wire.MsgBlock{}}
}

func (c *blockCache) at(ctx context.Context, height int64) (*wire.MsgBlock, error) {
	if b, ok := c.byHeight[height]; ok {
		return b, nil
	}
	hash, err := c.btc.GetBlockHash(ctx, height)
	if err != nil {
		return nil, err
	}
	b, err := c.btc.GetBlock(ctx, hash)
	if err != nil {
		return nil, err
	}
	c.byHeight[height] = b
	return b, nil
}

// findMined looks for a version of p in the blocks since it was first broadcast (those already
// scanned again a few deep, in case a reorg put the tx into one), and records the block it is
// in. conflict is a transaction found that spends one of p's inputs instead.
func (m *Miner) findMined(ctx context.Context, p *Publication, tip int64, blocks *blockCache) (found bool, conflict *chainhash.Hash, err error) {
	from := max(p.FirstBroadcastHeight, p.ScannedHeight-rescanDepth)
	for h := from; h <= tip; h++ {
		block, err := blocks.at(ctx, h)
		if err != nil {
			return false, nil, err
		}
		for _, tx := range block.Transactions {
			txid := tx.TxHash()
			if p.hasTxID(txid) {
				if p.Status != StatusSuperseded {
					p.Status = StatusMined
				}
				p.MinedTxID, p.BlockHash = txid.String(), block.BlockHash().String()
				m.log.Info("publication mined", "keystone", p.KeystoneHeight, "txid", p.MinedTxID, "block", p.BlockHash, "height", h,
					"status", p.Status)
				return true, nil, m.file.Save(m.state)
			}
			if conflict == nil && p.Inputs.spentBy(tx) {
				conflict = &txid
			}
		}
	}
	p.ScannedHeight = tip
	return false, conflict, nil
}

// watch looks for p in the blocks since it was first broadcast, and bumps its fee when it waits
// too long.
func (m *Miner) watch(ctx context.Context, p *Publication, tip int64, blocks *blockCache) error {
	if found, _, err := m.findMined(ctx, p, tip, blocks); err != nil || found {
		return err
	}
	if tip-p.BroadcastHeight < m.cfg.BumpAfterBlocks {
		return m.broadcast(ctx, p) // the node may have dropped it (a restart); sending again is harmless
	}
	if reason, stuck := m.cannotBump[p.TxIDs[0]]; stuck {
		return m.stuck(ctx, p, tip, reason)
	}
	return m.bump(ctx, p, tip)
}

// bump replaces p's transaction with one that spends the same inputs at a higher fee rate.
func (m *Miner) bump(ctx context.Context, p *Publication, tip int64) error {
	tx, err := p.tx()
	if err != nil {
		return err
	}
	rate, err := m.wallet.FeeRate(ctx, 1)
	if err != nil {
		return err
	}
	rate = max(rate, p.FeeRate+max(p.FeeRate/4, 1))
	_, cap := m.wallet.FeeLimits()
	rate = min(rate, cap)
	replacement, fee, err := m.wallet.BumpFee(tx, p.Inputs.utxos(), rate)
	if errors.Is(err, wallet.ErrFeeAboveCap) || errors.Is(err, wallet.ErrBumpBelowDust) || errors.Is(err, wallet.ErrNotReplaceable) {
		// Nothing changes that until the miner restarts (with another --fee-cap): remember it,
		// so each poll neither retries nor fails.
		m.cannotBump[p.TxIDs[0]] = err
		m.log.Warn("the fee of a publication not mined yet cannot be raised; it waits to be mined, "+
			"or to be given up for the next keystone", "keystone", p.KeystoneHeight, "txid", tx.TxHash(), "reason", err)
		return m.stuck(ctx, p, tip, err)
	}
	if err != nil {
		return err
	}
	m.metrics.FeesSats.Add(float64(fee - p.Fee))
	p.FeeRate, p.Fee, p.BroadcastHeight, p.Status = rate, fee, tip, StatusSigned
	if err := p.setTx(replacement); err != nil {
		return err
	}
	if err := m.file.Save(m.state); err != nil {
		return err
	}
	m.metrics.Bumps.Inc()
	m.log.Info("bumped the fee of a publication (RBF, same inputs)", "keystone", p.KeystoneHeight, "txid", replacement.TxHash(), "fee_rate", rate)
	return m.broadcast(ctx, p)
}

// stuck handles p, waiting too long with a fee that cannot be raised (reason): once x/pop has a
// newer keystone nobody published, the miner gives p up and publishes that one, which anchors p's
// keystone too; until then it keeps p in the node's mempool. p's transaction is not withdrawn
// (no replacement within the fee cap could), so it may still be mined: followSuperseded keeps
// looking for it and proves it.
func (m *Miner) stuck(ctx context.Context, p *Publication, tip int64, reason error) error {
	k, ok, err := m.newestUnpublished(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return m.broadcast(ctx, p)
	}
	m.log.Warn("giving up the publication of a keystone whose fee cannot be raised; publishing the newest keystone instead, "+
		"which anchors it", "keystone", p.KeystoneHeight, "txids", p.TxIDs, "reason", reason, "newest_keystone", k.Height)
	delete(m.cannotBump, p.TxIDs[0])
	p.Status, p.SupersededHeight = StatusSuperseded, tip
	if err := m.file.Save(m.state); err != nil {
		return err
	}
	return m.publish(ctx, k, tip)
}

// prove submits the SPV proof of p's mined transaction once x/btclc holds its block: the pending
// publication, or a superseded one mined after all.
func (m *Miner) prove(ctx context.Context, p *Publication) error {
	blockHash, err := bitcoin.ParseDisplayHash(p.BlockHash)
	if err != nil {
		return fmt.Errorf("state file: block of keystone %d: %w", p.KeystoneHeight, err)
	}
	// A Bitcoin reorg may have taken the block away: then wait for the transaction again.
	info, err := m.btc.GetBlockHeaderVerbose(ctx, blockHash)
	if err != nil {
		return err
	}
	if onMain, err := m.btc.GetBlockHash(ctx, info.Height); err != nil {
		return err
	} else if onMain != blockHash {
		m.log.Warn("the block holding the publication left Bitcoin's best chain; waiting for it to be mined again",
			"keystone", p.KeystoneHeight, "block", blockHash)
		if p.Status == StatusMined { // a superseded publication stays superseded, and watched
			p.Status = StatusBroadcast
		}
		p.MinedTxID, p.BlockHash = "", ""
		return m.file.Save(m.state)
	}
	contains, err := m.hemi.HasBitcoinBlock(ctx, blockHash)
	if err != nil {
		return err
	}
	if !contains {
		return nil // the relayer has not brought the block to x/btclc yet
	}
	block, err := m.btc.GetBlock(ctx, blockHash)
	if err != nil {
		return err
	}
	txid, err := bitcoin.ParseDisplayHash(p.MinedTxID)
	if err != nil {
		return fmt.Errorf("state file: txid of keystone %d: %w", p.KeystoneHeight, err)
	}
	var mined *wire.MsgTx
	for _, tx := range block.Transactions {
		if tx.TxHash() == txid {
			mined = tx
		}
	}
	if mined == nil {
		return fmt.Errorf("block %s does not hold transaction %s of keystone %d", blockHash, txid, p.KeystoneHeight)
	}
	funding := p.Inputs.fundingTx(mined)
	if funding == nil {
		m.log.Warn("the state file lacks the funding transaction of the publication's first input; proving without it, "+
			"so x/pop records no payee for it", "keystone", p.KeystoneHeight, "txid", txid)
	}
	outcome, err := m.hemi.SubmitPoPProof(ctx, block, txid, funding)
	if err != nil {
		return fmt.Errorf("submitting the proof of keystone %d: %w", p.KeystoneHeight, err)
	}
	p.Status = StatusProven
	m.metrics.Proven.Inc()
	if outcome == hemiclient.ProofRewardSettled {
		m.log.Warn("publication proven too late to bind its payee: it anchors its keystone, but the keystone's reward "+
			"was settled while it had no payee, so this publication's share went to the community pool",
			"keystone", p.KeystoneHeight, "txid", p.MinedTxID)
	} else {
		m.log.Info("publication proven on hemi", "keystone", p.KeystoneHeight, "txid", p.MinedTxID, "proof", outcome)
	}
	return m.file.Save(m.state)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sumValues(utxos []wallet.UTXO) int64 {
	var total int64
	for _, u := range utxos {
		total += u.Value
	}
	return total
}
