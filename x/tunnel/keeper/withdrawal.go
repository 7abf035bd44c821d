package keeper

import (
	"bytes"
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// DustSats is the smallest payment a withdrawal may leave after the fee
// allowance: Bitcoin nodes do not relay smaller outputs.
const DustSats = 546

// Withdraw burns amount sat from the sender and queues a withdrawal to
// btc_script, due by x/btclc's tip + withdrawal_timeout_blocks. Checked
// before anything is written: the sender, a configured vault (ErrNoVault), a
// standard payout script other than the vault's (ErrInvalidScript), an amount that leaves at least
// DustSats after the fee allowance and no more than 21M BTC
// (ErrInvalidAmount), and the bank's own check of the balance.
func (k Keeper) Withdraw(ctx context.Context, msg *types.MsgWithdraw) (*types.MsgWithdrawResponse, error) {
	sender, err := k.addressCodec.StringToBytes(msg.Sender)
	if err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("sender %q: %v", msg.Sender, err)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if len(params.VaultScript) == 0 {
		return nil, types.ErrNoVault
	}
	if err := types.ValidatePayoutScript(msg.BtcScript); err != nil {
		return nil, err
	}
	if bytes.Equal(msg.BtcScript, params.VaultScript) {
		// The custodian would pay the vault itself: the sat would be burned and the BTC stay put.
		return nil, types.ErrInvalidScript.Wrap("btc_script is the vault's own script: give a script of your own wallet")
	}
	if msg.Amount > types.MaxSats || msg.Amount < params.WithdrawalMaxFeeSats+DustSats {
		return nil, types.ErrInvalidAmount.Wrapf("%d sat: want withdrawal_max_fee_sats %d + %d (dust) … %d", msg.Amount, params.WithdrawalMaxFeeSats, DustSats, uint64(types.MaxSats))
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return nil, err
	}
	coins := satCoins(msg.Amount)
	if err := k.bank.SendCoinsFromAccountToModule(ctx, sender, types.ModuleName, coins); err != nil {
		return nil, err
	}
	if err := k.bank.BurnCoins(ctx, types.ModuleName, coins); err != nil {
		return nil, err
	}
	id, err := k.NextWithdrawalID.Next(ctx)
	if err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	w := types.Withdrawal{
		Id:                 id,
		Sender:             msg.Sender,
		Script:             msg.BtcScript,
		Amount:             msg.Amount,
		MaxFee:             params.WithdrawalMaxFeeSats,
		Deadline:           tip.Height + params.WithdrawalTimeoutBlocks,
		Status:             types.WITHDRAWAL_STATUS_QUEUED,
		RequestedHeight:    uint64(sdkCtx.BlockHeight()),
		RequestedBtcHeight: tip.Height,
	}
	if err := k.setWithdrawal(ctx, w, types.WITHDRAWAL_STATUS_UNSPECIFIED); err != nil {
		return nil, err
	}
	return &types.MsgWithdrawResponse{Id: id, Deadline: w.Deadline}, emitWithdrawalQueued(sdkCtx, w)
}

// ProveWithdrawal completes a queued withdrawal with the proof of the
// custodian's payment. Checked before anything is written: the submitter;
// the withdrawal is queued (ErrUnknownWithdrawal, ErrWithdrawalCompleted,
// ErrWithdrawalRefunded); a vault is configured; not the coinbase;
// x/btclc's VerifyProof (with the funding transaction); min_confirmations
// (ErrNotEnoughConfirmations); mined above x/btclc's tip when the withdrawal
// was queued (ErrPaymentBeforeRequest); input 0 spends an output paying vault_script,
// read from the funding transaction, whose txid is the outpoint input 0
// names (ErrNotFromVault); exactly one HEMW id, this withdrawal's
// (ErrNoWithdrawalID, ErrWrongWithdrawalID); an output paying the script at
// least amount - max_fee (ErrUnderpaid). A payment proven after the deadline
// but before a refund still completes.
func (k Keeper) ProveWithdrawal(ctx context.Context, msg *types.MsgProveWithdrawal) (*types.MsgProveWithdrawalResponse, error) {
	if _, err := k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("submitter %q: %v", msg.Submitter, err)
	}
	w, err := k.queuedWithdrawal(ctx, msg.Id)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if len(params.VaultScript) == 0 {
		return nil, types.ErrNoVault
	}
	if msg.Proof.TxIndex == 0 {
		return nil, types.ErrCoinbaseTx.Wrap("tx_index 0 is the block's coinbase")
	}
	proven, err := k.btclc.VerifyProof(ctx, &msg.Proof)
	if err != nil {
		return nil, err
	}
	if proven.Confirmations < uint64(params.MinConfirmations) {
		return nil, types.ErrNotEnoughConfirmations.Wrapf("%d of %d", proven.Confirmations, params.MinConfirmations)
	}
	// The custodian pays a withdrawal after it is queued, so in a block above x/btclc's tip then
	// (the Bitcoin tip is at least as high). An older vault transaction with this id is another
	// chain's payment, or one from before a restart of this chain with the same vault.
	if proven.Block.Height <= w.RequestedBtcHeight {
		return nil, types.ErrPaymentBeforeRequest.Wrapf("mined at Bitcoin height %d, the withdrawal was queued at x/btclc's tip %d", proven.Block.Height, w.RequestedBtcHeight)
	}
	if proven.SpentOutput == nil {
		return nil, types.ErrNotFromVault.Wrap("the proof carries no funding_tx")
	}
	if !bytes.Equal(proven.SpentOutput.PkScript, params.VaultScript) {
		return nil, types.ErrNotFromVault.Wrapf("input 0 spends an output with script %x", proven.SpentOutput.PkScript)
	}
	id, err := bitcoin.FindWithdrawalID(proven.Tx)
	if err != nil {
		return nil, types.ErrNoWithdrawalID.Wrap(err.Error())
	}
	if id != w.Id {
		return nil, types.ErrWrongWithdrawalID.Wrapf("the payment carries id %d, not %d", id, w.Id)
	}
	due, paid := w.Due(), types.PaidTo(proven.Tx, w.Script)
	if paid < due {
		return nil, types.ErrUnderpaid.Wrapf("the largest output to the script pays %d sat, at least %d (amount %d - max_fee %d) is due", paid, due, w.Amount, w.MaxFee)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	w.Status = types.WITHDRAWAL_STATUS_COMPLETED
	w.BtcTxid = proven.TxID[:]
	w.ClosedHeight = uint64(sdkCtx.BlockHeight())
	if err := k.setWithdrawal(ctx, w, types.WITHDRAWAL_STATUS_QUEUED); err != nil {
		return nil, err
	}
	return &types.MsgProveWithdrawalResponse{}, emitWithdrawalCompleted(sdkCtx, w, paid)
}

// RefundWithdrawal re-mints a queued withdrawal to its sender once x/btclc's
// tip is past its deadline (ErrDeadlineNotReached before). Anyone may send it.
func (k Keeper) RefundWithdrawal(ctx context.Context, msg *types.MsgRefundWithdrawal) (*types.MsgRefundWithdrawalResponse, error) {
	if _, err := k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("submitter %q: %v", msg.Submitter, err)
	}
	w, err := k.queuedWithdrawal(ctx, msg.Id)
	if err != nil {
		return nil, err
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return nil, err
	}
	if tip.Height <= w.Deadline {
		return nil, types.ErrDeadlineNotReached.Wrapf("bitcoin tip %d, deadline %d", tip.Height, w.Deadline)
	}
	sender, err := k.addressCodec.StringToBytes(w.Sender)
	if err != nil {
		return nil, err
	}
	coins := satCoins(w.Amount)
	if err := k.bank.MintCoins(ctx, types.ModuleName, coins); err != nil {
		return nil, err
	}
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, sender, coins); err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	w.Status = types.WITHDRAWAL_STATUS_REFUNDED
	w.ClosedHeight = uint64(sdkCtx.BlockHeight())
	if err := k.setWithdrawal(ctx, w, types.WITHDRAWAL_STATUS_QUEUED); err != nil {
		return nil, err
	}
	return &types.MsgRefundWithdrawalResponse{}, emitWithdrawalRefunded(sdkCtx, w)
}

// queuedWithdrawal returns withdrawal id if it is still queued.
func (k Keeper) queuedWithdrawal(ctx context.Context, id uint64) (types.Withdrawal, error) {
	w, err := k.Withdrawals.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return w, types.ErrUnknownWithdrawal.Wrapf("id %d", id)
	}
	if err != nil {
		return w, err
	}
	switch w.Status {
	case types.WITHDRAWAL_STATUS_COMPLETED:
		return w, types.ErrWithdrawalCompleted.Wrapf("id %d", id)
	case types.WITHDRAWAL_STATUS_REFUNDED:
		return w, types.ErrWithdrawalRefunded.Wrapf("id %d", id)
	}
	return w, nil
}

// setWithdrawal writes w and its indexes; from is its status before
// (UNSPECIFIED for a new one).
func (k Keeper) setWithdrawal(ctx context.Context, w types.Withdrawal, from types.WithdrawalStatus) error {
	if err := k.Withdrawals.Set(ctx, w.Id, w); err != nil {
		return err
	}
	if from == types.WITHDRAWAL_STATUS_UNSPECIFIED {
		sender, err := k.addressCodec.StringToBytes(w.Sender)
		if err != nil {
			return err
		}
		if err := k.WithdrawalsBySender.Set(ctx, collections.Join(sdk.AccAddress(sender), w.Id)); err != nil {
			return err
		}
	} else if err := k.WithdrawalsByStatus.Remove(ctx, collections.Join(int32(from), w.Id)); err != nil {
		return err
	}
	return k.WithdrawalsByStatus.Set(ctx, collections.Join(int32(w.Status), w.Id))
}
