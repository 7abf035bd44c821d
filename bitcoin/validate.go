package bitcoin

import (
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// ChainView is read-only access to the chain a new header extends: the
// header and hash at each height of that candidate chain. A view answers false
// for heights it does not hold (below its base, above its tip). Headers it
// returns must not be modified.
//
// Validation reads the parent, up to 10 more headers for the median time, the
// first header of the difficulty period at a retarget, and on networks with
// the 20-minute rule the headers back to the last one that is not at minimum
// difficulty (never past the period's first header). A view whose base is at
// a retarget boundary therefore always holds enough.
type ChainView interface {
	HeaderByHeight(height uint64) (*wire.BlockHeader, bool)
	HashByHeight(height uint64) (chainhash.Hash, bool)
}

const (
	// medianTimeBlocks is how many previous blocks the median time covers.
	medianTimeBlocks = 11
	// maxTimeWarp is BIP94's allowance for the first block of a period to be
	// older than its parent.
	maxTimeWarp = 600
	// MaxFutureBlockTime is how far a header may be ahead of the reference
	// time in CheckTimeNotTooNew (Core's MAX_FUTURE_BLOCK_TIME).
	MaxFutureBlockTime = 2 * time.Hour
)

// ValidateHeader checks header h as the child of the header at parentHeight in
// view with the rules a Bitcoin node applies to a header, except the
// wall-clock "too far in the future" rule (see CheckTimeNotTooNew). It
// returns h's block hash.
//
// The checks run from cheap to expensive: linkage, proof of work against h's
// own nBits, median time, the BIP94 time-warp rule, version, and last the
// required nBits, the only check that may need headers further back. So
// ErrMissingAncestor means every other check passed.
func ValidateHeader(p *Params, view ChainView, parentHeight uint64, h *wire.BlockHeader) (chainhash.Hash, error) {
	if parentHeight >= math.MaxInt32 {
		return chainhash.Hash{}, fmt.Errorf("%w: parent height %d", ErrHeightOutOfRange, parentHeight)
	}
	height := parentHeight + 1
	parent, ok := view.HeaderByHeight(parentHeight)
	parentHash, okHash := view.HashByHeight(parentHeight)
	if !ok || !okHash {
		return chainhash.Hash{}, fmt.Errorf("%w: no header at height %d", ErrUnknownParent, parentHeight)
	}
	if h.PrevBlock != parentHash {
		return chainhash.Hash{}, fmt.Errorf("%w: height %d: prev %s, parent %s", ErrPrevBlockMismatch, height, h.PrevBlock, parentHash)
	}

	hash := blockHash(h)
	if err := CheckProofOfWork(hash, h.Bits, p.Chain.PowLimit); err != nil {
		return hash, fmt.Errorf("height %d: %w", height, err)
	}

	mtp := MedianTimePast(view, parentHeight)
	if t := h.Timestamp.Unix(); t <= mtp {
		return hash, fmt.Errorf("%w: height %d: time %d, median time past %d", ErrTimeTooOld, height, t, mtp)
	}

	if p.EnforceBIP94 && height%RetargetInterval == 0 {
		if t, pt := h.Timestamp.Unix(), parent.Timestamp.Unix(); t < pt-maxTimeWarp {
			return hash, fmt.Errorf("%w: height %d: time %d, parent time %d", ErrTimeWarp, height, t, pt)
		}
	}

	if err := CheckVersion(p, height, h.Version); err != nil {
		return hash, err
	}

	want, err := RequiredBits(p, view, parentHeight, h.Timestamp)
	if err != nil {
		return hash, err
	}
	if h.Bits != want {
		return hash, fmt.Errorf("%w: height %d: expected 0x%08x, got 0x%08x", ErrBadDifficultyBits, height, want, h.Bits)
	}
	return hash, nil
}

// MedianTimePast is the median timestamp (Unix seconds) of the header at
// height and up to 10 before it. Like Core near genesis, it uses fewer headers
// when the view holds fewer: a view's first header is trusted, so the window
// is shorter only right after the base. It is 0 when the view does not hold
// height at all.
func MedianTimePast(view ChainView, height uint64) int64 {
	var times [medianTimeBlocks]int64
	n := 0
	for n < medianTimeBlocks {
		h, ok := view.HeaderByHeight(height)
		if !ok {
			break
		}
		t := h.Timestamp.Unix()
		// Insertion sort: at most 11 values.
		i := n
		for i > 0 && times[i-1] > t {
			times[i] = times[i-1]
			i--
		}
		times[i] = t
		n++
		if height == 0 {
			break
		}
		height--
	}
	return times[n/2]
}

// CheckVersion applies the minimum block versions of BIP34 (2), BIP66 (3) and
// BIP65 (4) from the network's activation heights, each rule on its own as in
// Core (btcd's regtest activates BIP34 after the other two).
func CheckVersion(p *Params, height uint64, version int32) error {
	rules := [...]struct {
		bip        string
		height     int32
		minVersion int32
	}{
		{"BIP34", p.Chain.BIP0034Height, 2},
		{"BIP66", p.Chain.BIP0066Height, 3},
		{"BIP65", p.Chain.BIP0065Height, 4},
	}
	for _, r := range rules {
		if r.height >= 0 && height >= uint64(r.height) && version < r.minVersion {
			return fmt.Errorf("%w: height %d: version %d, %s requires at least %d",
				ErrBlockVersionTooOld, height, version, r.bip, r.minVersion)
		}
	}
	return nil
}

// CheckTimeNotTooNew is the "too far in the future" rule against a caller-given
// reference time, so that consensus code can pass a deterministic time (for
// example the Cosmos block time) instead of a wall clock.
func CheckTimeNotTooNew(h *wire.BlockHeader, reference time.Time) error {
	limit := reference.Add(MaxFutureBlockTime).Unix()
	if t := h.Timestamp.Unix(); t > limit {
		return fmt.Errorf("%w: time %d, reference %d", ErrTimeTooNew, t, reference.Unix())
	}
	return nil
}

// RequiredBits returns the nBits the network requires for a block at
// parentHeight+1 with timestamp blockTime, following Core's
// GetNextWorkRequired.
func RequiredBits(p *Params, view ChainView, parentHeight uint64, blockTime time.Time) (uint32, error) {
	if parentHeight >= math.MaxInt32 {
		return 0, fmt.Errorf("%w: parent height %d", ErrHeightOutOfRange, parentHeight)
	}
	parent, ok := view.HeaderByHeight(parentHeight)
	if !ok {
		return 0, fmt.Errorf("%w: no header at height %d", ErrUnknownParent, parentHeight)
	}
	interval := uint64(RetargetInterval)
	height := parentHeight + 1

	if height%interval != 0 {
		if !p.Chain.ReduceMinDifficulty {
			return parent.Bits, nil
		}
		// The 20-minute rule (testnet3, testnet4, regtest): a block more
		// than twice the target spacing after its parent may be mined at
		// the pow limit.
		if blockTime.Unix() > parent.Timestamp.Unix()+p.minDiffGapSeconds() {
			return p.Chain.PowLimitBits, nil
		}
		return lastRealBits(p, view, parentHeight)
	}

	if p.Chain.PoWNoRetargeting {
		return parent.Bits, nil
	}
	firstHeight := parentHeight - (interval - 1)
	first, ok := view.HeaderByHeight(firstHeight)
	if !ok {
		return 0, fmt.Errorf("%w: retarget at height %d needs the period's first header at height %d", ErrMissingAncestor, height, firstHeight)
	}
	oldBits := parent.Bits
	if p.EnforceBIP94 {
		// The first block of a period can never use the 20-minute rule, so
		// its nBits carry the real difficulty even when the period ends in
		// minimum-difficulty blocks.
		oldBits = first.Bits
	}
	return retarget(p, oldBits, first.Timestamp.Unix(), parent.Timestamp.Unix()), nil
}

// lastRealBits returns the nBits of the last block at or below height that is not at minimum
// difficulty, stopping at the first block of the period: a run of 20-minute blocks must not lower
// the difficulty of the blocks that follow it (Core's walk-back in GetNextWorkRequired).
//
// Walking back one header at a time costs up to a period of reads per header: on regtest, where
// every block is at the pow limit, that is every header. But in a valid chain every block of a
// period that is not a 20-minute block carries the period's first block's nBits (by induction
// from the first block, whose nBits come from the retarget), so the walk-back always ends with
// those nBits. A view holds only validated headers, so when it holds the period's first block,
// one read answers. Views that start inside a period (test data) walk back literally.
func lastRealBits(p *Params, view ChainView, height uint64) (uint32, error) {
	interval := uint64(RetargetInterval)
	h, ok := view.HeaderByHeight(height)
	if !ok {
		return 0, fmt.Errorf("%w: minimum-difficulty walk-back needs the header at height %d", ErrMissingAncestor, height)
	}
	if height%interval == 0 || h.Bits != p.Chain.PowLimitBits {
		return h.Bits, nil
	}
	if first, ok := view.HeaderByHeight(height - height%interval); ok {
		return first.Bits, nil
	}
	for {
		height--
		h, ok := view.HeaderByHeight(height)
		if !ok {
			return 0, fmt.Errorf("%w: minimum-difficulty walk-back needs the header at height %d", ErrMissingAncestor, height)
		}
		if height%interval == 0 || h.Bits != p.Chain.PowLimitBits {
			return h.Bits, nil
		}
	}
}

// retarget scales the old target by the time the period took, clamped to the
// adjustment factor (x4 / ÷4), and caps it at the pow limit. As in Core the
// timespan runs from the period's first block to its last, 2015 intervals.
func retarget(p *Params, oldBits uint32, firstTime, lastTime int64) uint32 {
	target := p.targetTimespanSeconds()
	factor := p.Chain.RetargetAdjustmentFactor
	actual := lastTime - firstTime
	if actual < target/factor {
		actual = target / factor
	}
	if actual > target*factor {
		actual = target * factor
	}
	// Ancestors passed the proof-of-work check, so their nBits are valid.
	next, _, _ := CompactToBig(oldBits)
	next.Mul(next, big.NewInt(actual))
	next.Quo(next, big.NewInt(target))
	if next.Cmp(p.Chain.PowLimit) > 0 {
		next.Set(p.Chain.PowLimit)
	}
	return BigToCompact(next)
}
