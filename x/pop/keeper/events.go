package keeper

import (
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Bitcoin hashes and txids in events are in display order; CometBFT hashes
// are lower-case hex.

func emitKeystoneRecorded(ctx sdk.Context, k types.Keystone) error {
	v := k.View()
	return ctx.EventManager().EmitTypedEvent(&types.EventKeystoneRecorded{
		Height:      v.Height,
		BlockHash:   v.BlockHash,
		BtcHeight:   v.BtcHeight,
		BtcHash:     v.BtcHash,
		Abbreviated: k.AbbreviatedHex(),
	})
}

func emitPublicationRecorded(ctx sdk.Context, p types.Publication) error {
	v := p.View()
	return ctx.EventManager().EmitTypedEvent(&types.EventPublicationRecorded{
		KeystoneHeight: v.KeystoneHeight,
		Txid:           v.Txid,
		BtcHeight:      v.BtcHeight,
		BtcBlockHash:   v.BtcBlockHash,
		Payee:          v.Payee,
		Submitter:      v.Submitter,
	})
}

func emitPublicationPayeeBound(ctx sdk.Context, p types.Publication, submitter string) error {
	v := p.View()
	return ctx.EventManager().EmitTypedEvent(&types.EventPublicationPayeeBound{
		KeystoneHeight: v.KeystoneHeight,
		Txid:           v.Txid,
		Payee:          v.Payee,
		Submitter:      submitter,
	})
}

// emitKeystoneSuperfinal reports that every keystone above previous up to
// height became superfinal, anchored at Bitcoin height effective.
func emitKeystoneSuperfinal(ctx sdk.Context, height, previous, effective, btcTip uint64) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventKeystoneSuperfinal{
		KeystoneHeight:     height,
		PreviousSuperfinal: previous,
		EffectiveBtcHeight: effective,
		Confirmations:      btcTip - effective + 1,
		BtcTipHeight:       btcTip,
	})
}

func emitPoPReward(ctx sdk.Context, keystone uint64, payee string, amount sdk.Coin, txid string) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventPoPReward{
		KeystoneHeight: keystone,
		Payee:          payee,
		Amount:         amount.String(),
		Txid:           txid,
	})
}

// emitFinalityViolation reports that the keystones above latest up to
// height lost their superfinality to a Bitcoin reorg.
func emitFinalityViolation(ctx sdk.Context, height, latest, forkHeight, btcTip uint64) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventFinalityViolation{
		KeystoneHeight:   height,
		LatestSuperfinal: latest,
		BtcForkHeight:    forkHeight,
		BtcTipHeight:     btcTip,
	})
}

func emitRewardsResumed(ctx sdk.Context) error {
	return ctx.EventManager().EmitTypedEvent(&types.EventRewardsResumed{})
}
