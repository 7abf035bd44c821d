package app_test

import (
	"fmt"
	"strings"
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"

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

// fatalRecorder stops a harness call at its first Fatal, so a test can check that the harness
// fails when it should.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r)
}

func (r *fatalRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	panic(r)
}

// TestHarnessCatchesDivergence: a state change on one instance only (as non-deterministic code
// would make) fails the next block with the height and both app hashes.
func TestHarnessCatchesDivergence(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	c := apptest.New(rec, apptest.Options{})
	c.NextBlock()

	// Write to the shadow's state outside any block: its next app hash differs.
	shadow := c.Shadow()
	ctx := shadow.NewUncachedContext(false, cmtproto.Header{ChainID: apptest.ChainID, Height: c.Height()})
	coins := sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewInt(1)))
	if err := shadow.BankKeeper.MintCoins(ctx, minttypes.ModuleName, coins); err != nil {
		t.Fatal(err)
	}

	func() {
		defer func() {
			if r := recover(); r != nil && r != rec {
				panic(r)
			}
		}()
		c.NextBlock()
	}()
	if !strings.Contains(rec.msg, "app hash diverged at height 3") {
		t.Fatalf("the harness did not report the divergence; it said %q", rec.msg)
	}
}
