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

// payRewards pays the keystones above from up to to, which became
// superfinal for the first time. Each one's keystone_reward is minted and
// split among its own canonical publications (the earliest
// max_publications_per_keystone by Bitcoin height, then txid in internal
// byte order, at most max_rewards_per_payee of them per payee) by
// types.Score; publications without a payee get nothing.
// Whatever is not paid out (rounding, the shares of payee-less publications,
// the whole reward of a keystone with no scoring publication) goes to the
// community pool.
//
// Every keystone is paid at most once in the chain's life, so the work is
// bounded by the keystones recorded, and the reward of one keystone reads at
// most its publications up to the cap plus the non-canonical ones before
// them. One mint and one community-pool transfer cover all of them.
func (k Keeper) payRewards(ctx sdk.Context, params types.Params, from, to uint64) error {
	reward := params.KeystoneReward
	if !reward.IsPositive() {
		return nil
	}
	iter, err := k.Keystones.Iterate(ctx, new(collections.Range[uint64]).StartExclusive(from).EndInclusive(to))
	if err != nil {
		return err
	}
	heights, err := iter.Keys()
	if err != nil || len(heights) == 0 {
		return err
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
