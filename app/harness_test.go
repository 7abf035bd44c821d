package app_test

import (
	"testing"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// TestBankSendAndInsertHeadersBlock: one block with a bank send and a MsgInsertHeaders (regtest
// headers on the genesis base) runs through the real proposal and finalize calls, with the same
// app hash on both instances, and leaves the balances and the Bitcoin tip it should.
func TestBankSendAndInsertHeadersBlock(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	alice, bob := c.Accounts[0], c.Accounts[1]
	amount := sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewInt(12345)))
	headers := datagen.SerializeHeaders(datagen.RegtestChain(t, datagen.RegtestGenesis(), 5, 1))

	res := c.NextBlock(
		c.SignTx(alice, 0, banktypes.NewMsgSend(alice.Address, bob.Address, amount)),
		c.SignTx(bob, 0, btclctypes.NewMsgInsertHeaders(bob.String(), headers)),
	)
	apptest.RequireTxOK(t, res, 0)
	apptest.RequireTxOK(t, res, 1)

	ctx := c.Context()
	got := c.App().BankKeeper.GetBalance(ctx, bob.Address, params.BaseDenom).Amount
	fee := apptest.GasPrice.MulRaw(apptest.DefaultGas)
	if want := apptest.Balance.Add(amount[0].Amount).Sub(fee); !got.Equal(want) {
		t.Fatalf("bob's balance is %s, want %s", got, want)
	}
	tip, err := c.App().BTCLCKeeper.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tip.Height != 5 {
		t.Fatalf("x/btclc tip is at height %d, want 5", tip.Height)
	}
	// A few empty blocks after it still agree (end-of-block work, base fee moves).
	for range 3 {
		c.NextBlock()
	}
}
