package keeper

import (
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/inbox/types"
)

// Txids and Bitcoin block hashes in events are in display order.

func emitProven(ctx sdk.Context, o types.Op, submitter string) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventInboxProven{
		Txid: o.TxID().String(), Account: o.Account, Type: o.Type, BtcHeight: o.BtcHeight, Submitter: submitter,
	})
}

func emitExecuted(ctx sdk.Context, o types.Op, confirmations uint64) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventInboxExecuted{
		Txid: o.TxID().String(), Account: o.Account, Type: o.Type, Confirmations: confirmations,
	})
}

func emitFailed(ctx sdk.Context, o types.Op) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventInboxFailed{
		Txid: o.TxID().String(), Account: o.Account, Type: o.Type, Reason: o.Reason,
	})
}

func emitUnproven(ctx sdk.Context, o types.Op) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventInboxUnproven{
		Txid: o.TxID().String(), BtcBlockHash: o.BlockHash().String(),
	})
}
