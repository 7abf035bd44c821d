package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/internal/due"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// EndBlocker first continues the reorg sweep, if a Bitcoin reorg started
// one, then mints the pending deposits that reached min_confirmations. Both
// are bounded: at most MaxReorgChecksPerBlock deposits checked and
// MaxMintsPerBlock minted per block; what is left waits for the next block,
// in order. It must run after x/btclc's EndBlock, which calls the hooks.
func (k Keeper) EndBlocker(ctx context.Context) error {
	if err := k.sweepReorg(ctx); err != nil {
		return err
	}
	return k.mintMatured(ctx)
}

// mintMatured mints, in (Bitcoin height, txid, vout) order, the pending
// deposits at least min_confirmations deep, at most MaxMintsPerBlock. A
// pending deposit whose block is no longer canonical is removed instead (it
// can be proven again where it was mined now). Nothing is minted while the
// circuit breaker holds deposits disabled.
func (k Keeper) mintMatured(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if !params.DepositsEnabled {
		return nil
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return err
	}
	keys, err := due.Keys(ctx, k.PendingDeposits, HeightKey.K1, tip.Height, params.MinConfirmations, types.MaxMintsPerBlock)
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, key := range keys {
		op := types.NewOutpoint(key.K2(), key.K3())
		d, err := k.Deposits.Get(ctx, op)
		if err != nil {
			return err
		}
		onChain, err := k.btclc.IsOnMainChain(ctx, d.BlockHash())
		if err != nil {
			return err
		}
		if !onChain {
			if err := k.unprove(sdkCtx, d); err != nil {
				return err
			}
			continue
		}
		if err := k.mint(sdkCtx, d, tip.Height-d.BtcHeight+1); err != nil {
			return err
		}
	}
	return nil
}

// mint credits d's amount to its recipient, once. A mint the bank refuses
// (the recipient became unable to hold coins) marks the deposit refused
// instead of stopping the chain; nothing is minted then.
func (k Keeper) mint(ctx sdk.Context, d types.Deposit, confirmations uint64) error {
	recipient, err := k.addressCodec.StringToBytes(d.Recipient)
	if err != nil {
		return err
	}
	cacheCtx, write := ctx.CacheContext()
	coins := satCoins(d.Amount)
	err = k.bank.MintCoins(cacheCtx, types.ModuleName, coins)
	if err == nil {
		err = k.bank.SendCoinsFromModuleToAccount(cacheCtx, types.ModuleName, recipient, coins)
	}
	if err != nil {
		d.Status = types.DEPOSIT_STATUS_REFUSED
		if err := k.setDeposit(ctx, d, types.DEPOSIT_STATUS_PENDING); err != nil {
			return err
		}
		return emitDepositRefused(ctx, d, err.Error())
	}
	write()
	d.Status = types.DEPOSIT_STATUS_MINTED
	d.MintedHeight = uint64(ctx.BlockHeight())
	if err := k.setDeposit(ctx, d, types.DEPOSIT_STATUS_PENDING); err != nil {
		return err
	}
	return emitDepositMinted(ctx, d, confirmations)
}

// unprove removes a deposit that was never minted and whose block left the
// canonical chain: its outpoint can be proven again in its new block.
func (k Keeper) unprove(ctx sdk.Context, d types.Deposit) error {
	if err := k.removeDeposit(ctx, d); err != nil {
		return err
	}
	return emitDepositUnproven(ctx, d)
}

// sweepReorg checks, from the cursor a reorg set, at most
// MaxReorgChecksPerBlock deposits in (Bitcoin height, txid, vout) order
// against the canonical chain: a deposit never minted whose block left it
// is removed (unproven), a minted one trips the circuit breaker
// (deposits_enabled = false, EventDepositReorged) and is kept as it is:
// nothing is ever burned. The cursor moves on, and is removed when the sweep
// reaches the end.
func (k Keeper) sweepReorg(ctx context.Context) error {
	cursor, err := k.ReorgCursor.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var keys []HeightKey
	var next *HeightKey
	err = k.DepositsByBTCHeight.Walk(ctx, new(collections.Range[HeightKey]).StartInclusive(cursor), func(key HeightKey) (bool, error) {
		if len(keys) == types.MaxReorgChecksPerBlock {
			next = &key
			return true, nil
		}
		keys = append(keys, key)
		return false, nil
	})
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	tripped := false
	for _, key := range keys {
		d, err := k.Deposits.Get(ctx, types.NewOutpoint(key.K2(), key.K3()))
		if err != nil {
			return err
		}
		onChain, err := k.btclc.IsOnMainChain(ctx, d.BlockHash())
		if err != nil {
			return err
		}
		switch {
		case onChain:
		case d.Status == types.DEPOSIT_STATUS_MINTED:
			tripped = true
			if err := emitDepositReorged(sdkCtx, d); err != nil {
				return err
			}
		default:
			if err := k.unprove(sdkCtx, d); err != nil {
				return err
			}
		}
	}
	if tripped {
		params, err := k.Params.Get(ctx)
		if err != nil {
			return err
		}
		params.DepositsEnabled = false
		if err := k.Params.Set(ctx, params); err != nil {
			return err
		}
	}
	if next == nil {
		return k.ReorgCursor.Remove(ctx)
	}
	return k.ReorgCursor.Set(ctx, *next)
}
