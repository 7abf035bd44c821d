package types

import (
	sdkmath "cosmossdk.io/math"
)

// MaxScore is the score of a publication in the first Bitcoin block that
// publishes its keystone, or the block after.
const MaxScore = 100_000

// Score is a publication's share weight: 100000 / max(delay, 1)², where
// delay is how many Bitcoin blocks after the keystone's first publication it
// was mined; a delay above maxDelay scores 0. Earlier publications secure the
// chain sooner, so they earn more.
func Score(delay uint64, maxDelay uint32) uint64 {
	if delay > uint64(maxDelay) {
		return 0
	}
	d := max(delay, 1) // at most maxDelay, a uint32: d*d fits a uint64
	return MaxScore / (d * d)
}

// SplitReward divides reward by score: share_i = reward * score_i / total,
// rounded down, in integer math. The shares never add up to more than
// reward; with no score at all every share is 0.
func SplitReward(reward sdkmath.Int, scores []uint64) []sdkmath.Int {
	total := sdkmath.ZeroInt()
	for _, s := range scores {
		total = total.Add(sdkmath.NewIntFromUint64(s))
	}
	shares := make([]sdkmath.Int, len(scores))
	for i, s := range scores {
		if total.IsZero() {
			shares[i] = sdkmath.ZeroInt()
			continue
		}
		shares[i] = reward.Mul(sdkmath.NewIntFromUint64(s)).Quo(total)
	}
	return shares
}
