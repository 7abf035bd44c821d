package types

import (
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	appparams "github.com/hemi-appchain/hemi/app/params"
)

const (
	// DefaultKeystoneInterval is 150 blocks, about 5 minutes at 2 s blocks:
	// Hemi's 25 blocks of 12 s. Bitcoin blocks come every ~10 minutes, so
	// every Bitcoin block can carry the newest keystone.
	DefaultKeystoneInterval = 150
	// DefaultSuperfinalityDepth is 6 Bitcoin confirmations, the depth
	// Bitcoin users have long treated as final.
	DefaultSuperfinalityDepth = 6
	// DefaultMaxPublicationsPerKeystone bounds the payouts of one keystone
	// (and the work of paying them) at 75, as Hemi does.
	DefaultMaxPublicationsPerKeystone = 75
	// DefaultMaxRewardDelay is 8 Bitcoin blocks: a publication more than 8
	// blocks after the first adds no security worth paying for (its score
	// would be at most 100000/81 anyway).
	DefaultMaxRewardDelay = 8
	// DefaultMaxRewardsPerPayee is 1: a second publication of the same
	// keystone by the same key adds no independent security (one party, one
	// Bitcoin history it saw), so it earns no second share. Without a cap a
	// miner could grind txids to come first by (height, txid) and take every
	// slot of a block it publishes in.
	DefaultMaxRewardsPerPayee = 1
	// DefaultMaxKeystonesPaidPerBlock is 100: normal running makes one
	// keystone superfinal every keystone_interval blocks, far below it; a
	// day's backlog at keystone_interval 1 (43,200 keystones) is paid in
	// 432 blocks, each paying at most 100 × max_publications_per_keystone
	// shares.
	DefaultMaxKeystonesPaidPerBlock = 100
	// RewardDenom is the only denom keystone_reward may have: the chain's
	// staking (bond) denom. x/pop mints the reward, so any other denom would
	// create coins nothing backs (sat, the tunnelled bitcoin, most of all).
	RewardDenom = appparams.BaseDenom

	// MaxKeystoneInterval bounds keystone_interval (about 23 days at 2 s).
	MaxKeystoneInterval = 1_000_000
	// MaxSuperfinalityDepth bounds superfinality_depth (about a week of
	// Bitcoin blocks). Finality is re-evaluated over the keystones anchored
	// in the last superfinality_depth Bitcoin blocks, so this also bounds
	// that work.
	MaxSuperfinalityDepth = 1008
	// MaxMaxPublicationsPerKeystone bounds max_publications_per_keystone.
	MaxMaxPublicationsPerKeystone = 1000
	// MaxMaxKeystonesPaidPerBlock bounds max_keystones_paid_per_block, and so
	// the payouts of one block.
	MaxMaxKeystonesPaidPerBlock = 1000
	// MaxMaxRewardDelay bounds max_reward_delay; past 316 blocks every score
	// is 0 anyway (100000 / 317² < 1).
	MaxMaxRewardDelay = 1000
	// MaxRewardBits bounds keystone_reward below 2^128 (10^38): far above any
	// sane reward, and low enough that reward × score stays within sdk.Int.
	MaxRewardBits = 128
)

// DefaultKeystoneReward is 10 hemi (10^19 ahemi, 18 decimals) per keystone.
func DefaultKeystoneReward() sdk.Coin {
	return sdk.NewCoin(RewardDenom, sdkmath.NewIntWithDecimal(10, 18))
}

// DefaultParams: a keystone every 150 blocks, superfinal at 6 Bitcoin
// confirmations, 10 hemi per keystone for its earliest 75 publications
// within 8 Bitcoin blocks of the first, at most one per payee, at most 100
// keystones paid per block.
func DefaultParams() Params {
	return Params{
		KeystoneInterval:           DefaultKeystoneInterval,
		SuperfinalityDepth:         DefaultSuperfinalityDepth,
		KeystoneReward:             DefaultKeystoneReward(),
		MaxPublicationsPerKeystone: DefaultMaxPublicationsPerKeystone,
		MaxRewardDelay:             DefaultMaxRewardDelay,
		MaxRewardsPerPayee:         DefaultMaxRewardsPerPayee,
		MaxKeystonesPaidPerBlock:   DefaultMaxKeystonesPaidPerBlock,
	}
}

// Validate checks every field's range.
func (p Params) Validate() error {
	if p.KeystoneInterval == 0 || p.KeystoneInterval > MaxKeystoneInterval {
		return ErrInvalidParams.Wrapf("keystone_interval must be between 1 and %d blocks, got %d", MaxKeystoneInterval, p.KeystoneInterval)
	}
	if p.SuperfinalityDepth == 0 || p.SuperfinalityDepth > MaxSuperfinalityDepth {
		return ErrInvalidParams.Wrapf("superfinality_depth must be between 1 and %d bitcoin blocks, got %d", MaxSuperfinalityDepth, p.SuperfinalityDepth)
	}
	if err := p.KeystoneReward.Validate(); err != nil {
		return ErrInvalidParams.Wrapf("keystone_reward %q: %v", p.KeystoneReward, err)
	}
	if p.KeystoneReward.Denom != RewardDenom {
		return ErrInvalidParams.Wrapf("keystone_reward must be in %s, the bond denom, got %q: x/pop mints it, and minting another denom would create unbacked coins", RewardDenom, p.KeystoneReward.Denom)
	}
	if p.KeystoneReward.Amount.BigInt().BitLen() > MaxRewardBits {
		return ErrInvalidParams.Wrapf("keystone_reward amount must be below 2^%d, got %s", MaxRewardBits, p.KeystoneReward.Amount)
	}
	if p.MaxPublicationsPerKeystone == 0 || p.MaxPublicationsPerKeystone > MaxMaxPublicationsPerKeystone {
		return ErrInvalidParams.Wrapf("max_publications_per_keystone must be between 1 and %d, got %d", MaxMaxPublicationsPerKeystone, p.MaxPublicationsPerKeystone)
	}
	if p.MaxRewardsPerPayee == 0 || p.MaxRewardsPerPayee > MaxMaxPublicationsPerKeystone {
		return ErrInvalidParams.Wrapf("max_rewards_per_payee must be between 1 and %d, got %d", MaxMaxPublicationsPerKeystone, p.MaxRewardsPerPayee)
	}
	if p.MaxKeystonesPaidPerBlock == 0 || p.MaxKeystonesPaidPerBlock > MaxMaxKeystonesPaidPerBlock {
		return ErrInvalidParams.Wrapf("max_keystones_paid_per_block must be between 1 and %d, got %d", MaxMaxKeystonesPaidPerBlock, p.MaxKeystonesPaidPerBlock)
	}
	if p.MaxRewardDelay > MaxMaxRewardDelay {
		return ErrInvalidParams.Wrapf("max_reward_delay must be at most %d bitcoin blocks, got %d", MaxMaxRewardDelay, p.MaxRewardDelay)
	}
	return nil
}
