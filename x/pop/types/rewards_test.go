package types_test

import (
	"math/big"
	"math/rand"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

func TestScore(t *testing.T) {
	for delay, want := range map[uint64]uint64{0: 100000, 1: 100000, 2: 25000, 3: 11111, 4: 6250, 7: 2040, 8: 1562, 9: 0, 1000: 0} {
		require.Equal(t, want, types.Score(delay, 8), "delay %d", delay)
	}
	require.Equal(t, uint64(100000), types.Score(0, 0))
	require.Equal(t, uint64(0), types.Score(1, 0))
	require.Equal(t, uint64(0), types.Score(317, 1000), "100000/317² < 1")
	require.Equal(t, uint64(1), types.Score(316, 1000))
	require.Equal(t, uint64(0), types.Score(1<<40, 1<<31))
}

// The shares are reward*score/total rounded down, never add up to more than
// the reward, and leave less than one unit per share.
func TestSplitReward(t *testing.T) {
	require.Equal(t, []sdkmath.Int{sdkmath.ZeroInt(), sdkmath.ZeroInt()}, types.SplitReward(sdkmath.NewInt(10), []uint64{0, 0}))
	require.Empty(t, types.SplitReward(sdkmath.NewInt(10), nil))
	require.Equal(t, []sdkmath.Int{sdkmath.NewInt(3), sdkmath.NewInt(3), sdkmath.NewInt(3)}, types.SplitReward(sdkmath.NewInt(10), []uint64{5, 5, 5}))

	rng := rand.New(rand.NewSource(1))
	for range 1000 {
		reward := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), types.MaxRewardBits))
		scores := make([]uint64, 1+rng.Intn(types.MaxMaxPublicationsPerKeystone))
		total := new(big.Int)
		for i := range scores {
			scores[i] = types.Score(uint64(rng.Intn(12)), 8)
			total.Add(total, new(big.Int).SetUint64(scores[i]))
		}
		shares := types.SplitReward(sdkmath.NewIntFromBigInt(reward), scores)
		sum := new(big.Int)
		for i, s := range shares {
			want := new(big.Int)
			if total.Sign() > 0 {
				want.Div(new(big.Int).Mul(reward, new(big.Int).SetUint64(scores[i])), total)
			}
			require.Equal(t, want.String(), s.String())
			sum.Add(sum, s.BigInt())
		}
		require.LessOrEqual(t, sum.Cmp(reward), 0)
		if total.Sign() > 0 {
			require.Less(t, new(big.Int).Sub(reward, sum).Cmp(big.NewInt(int64(len(scores)))), 0)
		}
	}
}
