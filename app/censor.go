package app

import (
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app/inject"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
)

// UnsafeCensorInboxEnv, set to 1 in hemid start's environment, makes the node a censoring
// validator for tests of the censorship alarm: its proposals carry no inbox operation, it rejects
// proposals that carry one (in the entry or as MsgSubmitInboxTx), and its mempool refuses
// MsgSubmitInboxTx. Tests only: it is what a coalition that keeps x/inbox's operations out does.
const UnsafeCensorInboxEnv = "HEMID_UNSAFE_CENSOR_INBOX"

var errCensored = errors.New("inbox operations refused (" + UnsafeCensorInboxEnv + " is set)")

// SetUnsafeCensorInbox turns the censoring validator of UnsafeCensorInboxEnv on or off.
func (app *App) SetUnsafeCensorInbox(on bool) { app.censorInbox.Store(on) }

// carriesInbox tells whether a proposal's item is an entry with inbox operations or a tx with a
// MsgSubmitInboxTx.
func (app *App) carriesInbox(bz []byte) bool {
	if inject.IsEntry(bz) {
		e, err := inject.Decode(bz)
		return err == nil && len(e.Inbox) > 0
	}
	tx, err := app.TxDecode(bz)
	return err == nil && hasInboxMsg(tx)
}

func hasInboxMsg(tx sdk.Tx) bool {
	for _, m := range tx.GetMsgs() {
		if _, ok := m.(*inboxtypes.MsgSubmitInboxTx); ok {
			return true
		}
	}
	return false
}

// censored is ProcessProposal's check of a censoring validator: nil unless the switch is on and
// an item carries an inbox operation.
func (app *App) censored(txs [][]byte) error {
	if !app.censorInbox.Load() {
		return nil
	}
	for _, bz := range txs {
		if app.carriesInbox(bz) {
			return errCensored
		}
	}
	return nil
}

// CheckTx refuses MsgSubmitInboxTx while the censoring switch is on, and is BaseApp's otherwise.
func (app *App) CheckTx(req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	if app.censorInbox.Load() && app.carriesInbox(req.Tx) {
		return &abci.ResponseCheckTx{Code: 1, Codespace: inboxtypes.ModuleName, Log: errCensored.Error()}, nil
	}
	return app.BaseApp.CheckTx(req)
}

// InsertTx is CheckTx's refusal for the app-side mempool, which CometBFT feeds through InsertTx.
func (app *App) InsertTx(req *abci.RequestInsertTx) (*abci.ResponseInsertTx, error) {
	if app.censorInbox.Load() && app.carriesInbox(req.Tx) {
		app.Logger().Info("refusing a MsgSubmitInboxTx: " + errCensored.Error())
		return &abci.ResponseInsertTx{Code: 1}, nil
	}
	return app.BaseApp.InsertTx(req)
}
