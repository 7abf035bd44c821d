package keeper

import (
	"context"
	"fmt"
	"runtime/debug"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/inbox/types"
	"github.com/hemi-appchain/hemi/x/internal/due"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// BeginBlocker executes, in (Bitcoin height, tx index, txid) order, the pending operations at
// least min_confirmations deep in x/btclc's canonical chain, at most MaxExecutionsPerBlock per
// block (the rest wait for the next block, in order). It runs before the block's transactions,
// and after PreBlocker has applied the block's injected entry, so an operation proven by the
// entry that is deep enough runs in the same block, ahead of anything a validator could order.
// A due operation whose block is no longer canonical is removed instead (unproven: it can be
// proven again where Bitcoin holds it now).
func (k Keeper) BeginBlocker(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return err
	}
	keys, err := due.Keys(ctx, k.Pending, QueueKey.K1, tip.Height, params.MinConfirmations, types.MaxExecutionsPerBlock)
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, key := range keys {
		o, err := k.Ops.Get(ctx, key.K3())
		if err != nil {
			return err
		}
		onChain, err := k.btclc.IsOnMainChain(ctx, o.BlockHash())
		if err != nil {
			return err
		}
		if !onChain {
			if err := k.removeOp(ctx, o); err != nil {
				return err
			}
			if err := emitUnproven(sdkCtx, o); err != nil {
				return err
			}
			continue
		}
		if err := k.execute(sdkCtx, o, tip.Height-o.BtcHeight+1); err != nil {
			return err
		}
	}
	return nil
}

// execute runs o as its account, once, on a branch of the state that is written only if it
// succeeds. A refusal (insufficient funds, a blocked recipient, a fee allowance above the user's
// maximum, ...) records the operation as failed with the reason instead; it never stops the
// chain. Either way the operation has acted: its outpoint never acts again.
func (k Keeper) execute(ctx sdk.Context, o types.Op, confirmations uint64) error {
	branch, write := ctx.CacheContext()
	withdrawalID, runErr := k.runRecovered(branch, o)
	from := o.Status
	o.ExecutedHeight = uint64(ctx.BlockHeight())
	if runErr != nil {
		o.Status, o.Reason = types.OP_STATUS_FAILED, runErr.Error()
		if err := k.setOp(ctx, o, from); err != nil {
			return err
		}
		return emitFailed(ctx, o)
	}
	write()
	o.Status, o.WithdrawalId = types.OP_STATUS_EXECUTED, withdrawalID
	if err := k.setOp(ctx, o, from); err != nil {
		return err
	}
	return emitExecuted(ctx, o, confirmations)
}

// runRecovered is run, with a panic of a module's handler on the amounts a user chose turned
// into a failure: BeginBlock must never stop the chain. The branch it panicked on is dropped. The
// recorded reason is ErrExecutionPanic alone, the same on every node whatever the panic's value
// prints (an address, say); the value and the stack go to the node's log.
func (k Keeper) runRecovered(ctx sdk.Context, o types.Op) (id uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx.Logger().Error("x/inbox: an operation's execution panicked; recorded as failed", "txid", o.TxID(),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			id, err = 0, types.ErrExecutionPanic
		}
	}()
	return k.run(ctx, o)
}

// run performs o's operation with the modules' own handlers, as the account's own message would.
// It returns the withdrawal id of a withdrawal.
func (k Keeper) run(ctx sdk.Context, o types.Op) (uint64, error) {
	p, err := bitcoin.ParseInboxPayload(o.Payload)
	if err != nil { // recorded payloads parsed when proven
		return 0, err
	}
	account, err := k.addressCodec.StringToBytes(o.Account)
	if err != nil {
		return 0, err
	}
	switch p.Op {
	case bitcoin.InboxTransfer:
		to := sdk.AccAddress(p.To[:])
		if k.bank.BlockedAddr(to) {
			return 0, types.ErrBlockedRecipient.Wrap(to.String())
		}
		coins := sdk.NewCoins(sdk.NewCoin(types.Denom(p.Denom), sdkmath.NewIntFromBigInt(p.AmountInt())))
		if err := k.bank.IsSendEnabledCoins(ctx, coins...); err != nil { // as MsgSend checks
			return 0, err
		}
		return 0, k.bank.SendCoins(ctx, account, to, coins)
	case bitcoin.InboxWithdrawal:
		params, err := k.tunnel.GetParams(ctx)
		if err != nil {
			return 0, err
		}
		if params.WithdrawalMaxFeeSats > p.MaxFeeSats {
			return 0, types.ErrFeeAboveMax.Wrapf("%d sat allowed, max_fee_sats %d", params.WithdrawalMaxFeeSats, p.MaxFeeSats)
		}
		res, err := k.tunnel.Withdraw(ctx, &tunneltypes.MsgWithdraw{Sender: o.Account, Amount: p.AmountSats, BtcScript: p.Script})
		if err != nil {
			return 0, err
		}
		return res.Id, nil
	case bitcoin.InboxUndelegate:
		denom, err := k.staking.BondDenom(ctx)
		if err != nil {
			return 0, err
		}
		_, err = k.staking.Undelegate(ctx, &stakingtypes.MsgUndelegate{
			DelegatorAddress: o.Account,
			ValidatorAddress: sdk.ValAddress(p.Validator[:]).String(),
			Amount:           sdk.NewCoin(denom, sdkmath.NewIntFromBigInt(p.AmountInt())),
		})
		return 0, err
	}
	return 0, types.ErrUnknownOpType.Wrapf("%d", p.Op)
}
