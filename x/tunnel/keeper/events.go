package keeper

import (
	"encoding/hex"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Txids and Bitcoin block hashes in events are in display order.

func emitDepositProven(ctx sdk.Context, d types.Deposit, submitter string) error {
	v := d.View()
	return ctx.EventManager().EmitTypedEvent(&types.EventDepositProven{
		Outpoint: v.Outpoint, Amount: v.Amount, Recipient: v.Recipient,
		BtcBlockHash: v.BtcBlockHash, BtcHeight: v.BtcHeight, Submitter: submitter,
	})
}

func emitDepositMinted(ctx sdk.Context, d types.Deposit, confirmations uint64) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventDepositMinted{
		Outpoint: types.FormatOutpoint(d.Outpoint()), Amount: d.Amount, Recipient: d.Recipient, Confirmations: confirmations,
	})
}

func emitDepositRefused(ctx sdk.Context, d types.Deposit, reason string) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventDepositRefused{
		Outpoint: types.FormatOutpoint(d.Outpoint()), Recipient: d.Recipient, Reason: reason,
	})
}

func emitDepositUnproven(ctx sdk.Context, d types.Deposit) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventDepositUnproven{
		Outpoint: types.FormatOutpoint(d.Outpoint()), BtcBlockHash: d.BlockHash().String(),
	})
}

func emitDepositReorged(ctx sdk.Context, d types.Deposit) error {
	v := d.View()
	return ctx.EventManager().EmitTypedEvent(&types.EventDepositReorged{
		Outpoint: v.Outpoint, Amount: v.Amount, Recipient: v.Recipient, BtcBlockHash: v.BtcBlockHash, BtcHeight: v.BtcHeight,
	})
}

func emitWithdrawalQueued(ctx sdk.Context, w types.Withdrawal) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventWithdrawalQueued{
		Id: w.Id, Sender: w.Sender, Script: hex.EncodeToString(w.Script), Amount: w.Amount, MaxFee: w.MaxFee, Deadline: w.Deadline,
	})
}

func emitWithdrawalCompleted(ctx sdk.Context, w types.Withdrawal, paid uint64) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventWithdrawalCompleted{Id: w.Id, BtcTxid: w.View().BtcTxid, Paid: paid})
}

func emitWithdrawalRefunded(ctx sdk.Context, w types.Withdrawal) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventWithdrawalRefunded{
		Id: w.Id, Sender: w.Sender, Amount: w.Amount, Deadline: w.Deadline, CustodianMissedDeadline: true,
	})
}
