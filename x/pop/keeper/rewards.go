package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// payout is one reward: a share of a keystone's reward to a payee.
type payout struct {
	keystone uint64
	payee    sdk.AccAddress
	payeeStr string
	txid     string
	amount   sdkmath.Int
}

// Rewards are owed, then paid. When keystones become superfinal for the
// first time (and rewards are not paused) updateFinality records them as
// owed, one range per block; EndBlock pays the owed keystones in height
// order, at most max_keystones_paid_per_block per block, so a backlog is
// paid over the following blocks and no block's work grows with it.
//
// An owed keystone is paid only while it is superfinal: if it loses that
// before its turn (a Bitcoin reorg, which also pauses rewards, or a raised
// superfinality_depth) the cursor waits at it, and it and those after it
// are paid, still in order and still once, when it is superfinal again.
// While rewards are paused nothing is paid and what is owed stays owed;
// keystones that first become superfinal while paused are never owed.

// oweRewards records that the keystones above from up to to are owed their
// reward. The range continues the last one when it starts where that ends,
// so a chain that pays as it goes keeps one entry.
func (k Keeper) oweRewards(ctx context.Context, from, to uint64) error {
	last, found, err := firstEntry(ctx, k.OwedRewards, new(collections.Range[uint64]).Descending())
	if err != nil {
		return err
	}
	if found && last.value == from {
		return k.OwedRewards.Set(ctx, last.key, to)
	}
	return k.OwedRewards.Set(ctx, from, to)
}

// payOwed pays the next owed keystones, in height order: at most
// max_keystones_paid_per_block of them, none above the latest superfinal
// keystone, nothing while rewards are paused. Between blocks that find
// nothing owed it reads one empty range.
func (k Keeper) payOwed(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	first, found, err := firstEntry(ctx, k.OwedRewards, nil)
	if err != nil || !found {
		return err
	}
	paused, err := k.Paused(ctx)
	if err != nil || paused {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	fs, err := k.getFinality(ctx)
	if err != nil {
		return err
	}
	if first.key >= fs.LatestSuperfinal {
		return nil // the next owed keystone is not superfinal now: wait
	}

	// Read everything before writing: the keystones to pay, range by range,
	// and what is left of the ranges they come from.
	budget := int(params.MaxKeystonesPaidPerBlock)
	var (
		heights []uint64
		done    []uint64 // ranges paid in full
		rest    *entry   // a range paid in part: its new after, and through
	)
	err = k.OwedRewards.Walk(ctx, nil, func(after, through uint64) (bool, error) {
		upTo := min(through, fs.LatestSuperfinal)
		if after >= upTo {
			return true, nil
		}
		rng := new(collections.Range[uint64]).StartExclusive(after).EndInclusive(upTo)
		iter, err := k.Keystones.Iterate(ctx, rng)
		if err != nil {
			return true, err
		}
		defer iter.Close()
		for ; iter.Valid() && len(heights) < budget; iter.Next() {
			h, err := iter.Key()
			if err != nil {
				return true, err
			}
			heights = append(heights, h)
		}
		paidTo := upTo
		if iter.Valid() { // the budget ran out inside the range
			paidTo = heights[len(heights)-1]
		}
		if paidTo == through {
			done = append(done, after)
			return len(heights) == budget, nil
		}
		rest = &entry{key: after, value: paidTo}
		return true, nil
	})
	if err != nil {
		return err
	}
	if err := k.payRewards(sdkCtx, params, heights); err != nil {
		return err
	}
	for _, after := range done {
		if err := k.OwedRewards.Remove(ctx, after); err != nil {
			return err
		}
	}
	if rest != nil && rest.value > rest.key {
		through, err := k.OwedRewards.Get(ctx, rest.key)
		if err != nil {
			return err
		}
		if err := k.OwedRewards.Remove(ctx, rest.key); err != nil {
			return err
		}
		return k.OwedRewards.Set(ctx, rest.value, through)
	}
	return nil
}

// payRewards pays the keystones at heights. Each one's keystone_reward is
// minted and split among its own canonical publications (the earliest
// max_publications_per_keystone by Bitcoin height, then txid in internal
// byte order, at most max_rewards_per_payee of them per payee) by
// types.Score; publications without a payee get nothing. Whatever is not
// paid out (rounding, the shares of payee-less publications, the whole
// reward of a keystone with no scoring publication) goes to the community
// pool. One mint and one community-pool transfer cover all of them.
//
// The reward of one keystone reads at most its publications up to the cap
// plus the non-canonical and over-cap ones before them.
func (k Keeper) payRewards(ctx sdk.Context, params types.Params, heights []uint64) error {
	reward := params.KeystoneReward
	if !reward.IsPositive() || len(heights) == 0 {
		return nil
	}
	var payouts []payout
	for _, height := range heights {
		p, err := k.keystonePayouts(ctx, params, height)
		if err != nil {
			return err
		}
		payouts = append(payouts, p...)
	}

	total := reward.Amount.Mul(sdkmath.NewInt(int64(len(heights))))
	if err := k.bank.MintCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(reward.Denom, total))); err != nil {
		return err
	}
	paid := sdkmath.ZeroInt()
	for _, p := range payouts {
		coin := sdk.NewCoin(reward.Denom, p.amount)
		// A payee the bank refuses (a blocked address) forfeits its share to
		// the community pool; nothing a PoP miner chooses can stop the chain.
		cacheCtx, write := ctx.CacheContext()
		if err := k.bank.SendCoinsFromModuleToAccount(cacheCtx, types.ModuleName, p.payee, sdk.NewCoins(coin)); err != nil {
			ctx.Logger().Error("x/pop: reward not paid, it goes to the community pool", "keystone", p.keystone, "payee", p.payeeStr, "amount", coin, "err", err)
			continue
		}
		write()
		paid = paid.Add(p.amount)
		if err := emitPoPReward(ctx, p.keystone, p.payeeStr, coin, p.txid); err != nil {
			return err
		}
	}
	if rest := total.Sub(paid); rest.IsPositive() {
		return k.distr.FundCommunityPool(ctx, sdk.NewCoins(sdk.NewCoin(reward.Denom, rest)), k.moduleAddress)
	}
	return nil
}

// keystonePayouts returns the positive shares of a keystone's reward, in
// publication order.
func (k Keeper) keystonePayouts(ctx context.Context, params types.Params, keystone uint64) ([]payout, error) {
	var (
		pubs   []types.Publication
		first  uint64
		scores []uint64
		// slots counts the slots each payee ("" for none) holds. Only
		// looked up, never iterated.
		slots = make(map[string]uint32)
	)
	err := k.walkKeystonePublications(ctx, keystone, func(btcHeight uint64, txid chainhash.Hash) (bool, error) {
		pub, err := k.Publications.Get(ctx, txid)
		if err != nil {
			return true, err
		}
		hash, err := pub.BlockHash()
		if err != nil {
			return true, err
		}
		onMain, err := k.btclc.IsOnMainChain(ctx, hash)
		if err != nil || !onMain {
			return false, err
		}
		if len(pubs) == 0 {
			first = btcHeight // first(K): the first canonical publication always has a slot
		}
		if slots[pub.Payee] == params.MaxRewardsPerPayee {
			return false, nil // the payee's cap: the slot goes to the next publication
		}
		slots[pub.Payee]++
		pubs = append(pubs, pub)
		scores = append(scores, types.Score(btcHeight-first, params.MaxRewardDelay))
		return len(pubs) == int(params.MaxPublicationsPerKeystone), nil
	})
	if err != nil {
		return nil, err
	}
	var out []payout
	for i, share := range types.SplitReward(params.KeystoneReward.Amount, scores) {
		if pubs[i].Payee == "" || !share.IsPositive() {
			continue
		}
		payee, err := k.addressCodec.StringToBytes(pubs[i].Payee)
		if err != nil {
			return nil, err
		}
		out = append(out, payout{keystone: keystone, payee: payee, payeeStr: pubs[i].Payee, txid: pubs[i].View().Txid, amount: share})
	}
	return out, nil
}
