package wallet

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
)

// FeeLimits returns the floor and cap of the fee rate, in sat/vB.
func (w *Wallet) FeeLimits() (floor, cap int64) { return w.floor, w.cap }

// SetFeeLimits sets the floor and the cap of the fee rate, in sat/vB
// (defaults DefaultFeeFloorSatPerVB and DefaultFeeCapSatPerVB). It is meant
// for start-up, before the wallet is shared.
func (w *Wallet) SetFeeLimits(floor, cap int64) error {
	if floor < 1 || cap < floor || cap > MaxFeeCapSatPerVB {
		return fmt.Errorf("%w: fee floor %d and cap %d sat/vB must satisfy 1 <= floor <= cap <= %d", ErrFeeRate, floor, cap, MaxFeeCapSatPerVB)
	}
	w.floor, w.cap = floor, cap
	return nil
}

// FeeRate returns the fee rate, in sat/vB, to confirm within confTarget
// blocks: the node's estimate rounded up and clamped to the wallet's floor
// and cap. A node without an estimate yet (rpc.ErrNoFeeEstimate, as on a fresh
// regtest chain) gives the floor; other node errors are returned.
func (w *Wallet) FeeRate(ctx context.Context, confTarget int64) (int64, error) {
	if confTarget < 1 {
		return 0, fmt.Errorf("%w: confirmation target %d must be at least 1 block", ErrBadInput, confTarget)
	}
	if w.node == nil {
		return 0, errors.New("wallet has no node to ask for a fee estimate")
	}
	estimate, err := w.node.EstimateSmartFee(ctx, confTarget)
	if errors.Is(err, rpc.ErrNoFeeEstimate) {
		return w.floor, nil
	}
	if err != nil {
		return 0, err
	}
	return w.clampFeeRate(estimate), nil
}

// clampFeeRate rounds an estimate up (never pay less than the estimate) and
// clamps it to [floor, cap]. The comparisons come before the conversion so
// that no float, however large, overflows int64.
func (w *Wallet) clampFeeRate(estimate float64) int64 {
	switch {
	case math.IsNaN(estimate) || estimate <= float64(w.floor):
		return w.floor
	case estimate >= float64(w.cap):
		return w.cap
	default:
		return max(w.floor, min(w.cap, int64(math.Ceil(estimate))))
	}
}

func (w *Wallet) checkFeeRate(rate int64) error {
	if rate < w.floor || rate > w.cap {
		return fmt.Errorf("%w: %d sat/vB is not within the floor %d and the cap %d", ErrFeeRate, rate, w.floor, w.cap)
	}
	return nil
}

// feeFor is the fee of vsize vbytes at rate sat/vB. Both are whole numbers
// bounded by the callers (vsize by the standard weight, rate by
// MaxFeeCapSatPerVB), so the product is exact and cannot overflow.
func feeFor(vsize, rate int64) int64 { return vsize * rate }
