package keeper_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// withdrawer holds 100,000 sat and withdraws to a P2WPKH script.
type withdrawer struct {
	addr   sdk.AccAddress
	script []byte
}

func newWithdrawer(f *fixture) withdrawer {
	w := withdrawer{addr: sdk.AccAddress(bytes.Repeat([]byte{0xb0}, 20)), script: p2wpkh(f.tb, datagen.KeyFromSeed(8000))}
	f.bank.Mint(w.addr, sat(100_000))
	return w
}

func (f *fixture) withdraw(w withdrawer, amount uint64) (*types.MsgWithdrawResponse, error) {
	return f.msgs.Withdraw(f.ctx, &types.MsgWithdraw{Sender: addr(f.tb, w.addr), Amount: amount, BtcScript: w.script})
}

// payment is the custodian's spend from the vault: outputs first, then change
// back to the vault key.
func (f *fixture) payment(key uint32, outs ...*wire.TxOut) datagen.Spend {
	k := f.vaultKey
	if key != 0 {
		k = datagen.KeyFromSeed(key)
	}
	return datagen.Spend{Kind: datagen.P2WPKH, Key: k, Outputs: outs}
}

func (f *fixture) withdrawal(id uint64) types.Withdrawal {
	f.tb.Helper()
	w, err := f.k.Withdrawals.Get(f.ctx, id)
	require.NoError(f.tb, err)
	return w
}

// TestWithdrawBurnsAndQueues: the amount is burned from the sender and a
// queued withdrawal records the script, the fee allowance and the deadline.
func TestWithdrawBurnsAndQueues(t *testing.T) {
	f := newFixture(t)
	w := newWithdrawer(f)
	f.extend(3)
	f.block(func() {
		resp, err := f.withdraw(w, 60_000)
		require.NoError(t, err)
		require.Equal(t, uint64(1), resp.Id)
		require.Equal(t, uint64(3+types.DefaultWithdrawalTimeoutBlocks), resp.Deadline)
	})
	require.Equal(t, sat(40_000), f.bank.Balance(w.addr))
	require.Equal(t, sat(60_000), f.bank.Burned())
	got := f.withdrawal(1)
	require.Equal(t, types.WITHDRAWAL_STATUS_QUEUED, got.Status)
	require.Equal(t, w.script, got.Script)
	require.Equal(t, uint64(types.DefaultWithdrawalMaxFeeSats), got.MaxFee)

	f.block(func() {
		before := f.storeDump()
		_, err := f.withdraw(w, 60_000) // 40,000 left
		require.Error(t, err)
		_, err = f.msgs.Withdraw(f.ctx, &types.MsgWithdraw{Sender: addr(t, w.addr), Amount: 20_000, BtcScript: bitcoin.WithdrawalScript(1)})
		require.ErrorIs(t, err, types.ErrInvalidScript)
		_, err = f.withdraw(w, types.DefaultWithdrawalMaxFeeSats)
		require.ErrorIs(t, err, types.ErrInvalidAmount)
		// The vault's own script: the custodian would pay the vault, and the sat would be gone.
		_, err = f.msgs.Withdraw(f.ctx, &types.MsgWithdraw{Sender: addr(t, w.addr), Amount: 20_000, BtcScript: f.vaultScript})
		require.ErrorIs(t, err, types.ErrInvalidScript)
		require.Equal(t, before, f.storeDump())
	})
	require.Equal(t, sat(40_000), f.bank.Balance(w.addr))
}

// TestProveWithdrawal: payments that pay less than amount - max_fee, pay
// another script, carry another or no HEMW id, are not paid from the vault,
// or are not min_confirmations deep are refused with their own error and
// change nothing; the valid one completes, and cannot complete twice or be
// refunded.
func TestProveWithdrawal(t *testing.T) {
	f := newFixture(t)
	w := newWithdrawer(f)
	f.block(func() {
		_, err := f.withdraw(w, 60_000)
		require.NoError(t, err)
	})
	due := int64(60_000 - types.DefaultWithdrawalMaxFeeSats)
	other := p2wpkh(t, datagen.KeyFromSeed(8001))
	b := f.mine(nil,
		f.payment(0, wire.NewTxOut(due-1, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))),  // 0: underpaid
		f.payment(0, wire.NewTxOut(due, other), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))),       // 1: other script
		f.payment(0, wire.NewTxOut(due, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(2))),    // 2: wrong id
		f.payment(0, wire.NewTxOut(due, w.script)),                                                   // 3: no id
		f.payment(8002, wire.NewTxOut(due, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))), // 4: not the vault
		f.payment(0, wire.NewTxOut(due, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))),    // 5: valid
	)
	f.block(func() { f.insert(*b.Header()) })
	prove := func(i int, withFunding bool) error {
		_, err := f.msgs.ProveWithdrawal(f.ctx, &types.MsgProveWithdrawal{Submitter: f.submitter, Id: 1, Proof: proofOf(t, b, i, withFunding)})
		return err
	}
	f.block(func() {
		require.ErrorIs(t, prove(5, true), types.ErrNotEnoughConfirmations)
	})
	f.extend(5) // 6 confirmations
	cases := []struct {
		name        string
		spend       int
		withFunding bool
		want        error
	}{
		{"pays less than amount - max_fee", 0, true, types.ErrUnderpaid},
		{"pays another script", 1, true, types.ErrUnderpaid},
		{"another withdrawal's id", 2, true, types.ErrWrongWithdrawalID},
		{"no HEMW id", 3, true, types.ErrNoWithdrawalID},
		{"not paid from the vault", 4, true, types.ErrNotFromVault},
		{"no funding transaction", 5, false, types.ErrNotFromVault},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.block(func() {
				before := f.storeDump()
				require.ErrorIs(t, prove(tc.spend, tc.withFunding), tc.want)
				require.Equal(t, before, f.storeDump())
			})
		})
	}
	f.block(func() {
		wrongFunding := proofOf(t, b, 5, false)
		wrongFunding.FundingTx = proofOf(t, b, 4, true).FundingTx
		_, err := f.msgs.ProveWithdrawal(f.ctx, &types.MsgProveWithdrawal{Submitter: f.submitter, Id: 1, Proof: wrongFunding})
		require.ErrorIs(t, err, btclctypes.ErrInvalidFundingTx)
		require.NoError(t, prove(5, true))
	})
	got := f.withdrawal(1)
	require.Equal(t, types.WITHDRAWAL_STATUS_COMPLETED, got.Status)
	require.Equal(t, b.Spends[5].Spending.TxHash().String(), got.View().BtcTxid)

	f.extend(types.DefaultWithdrawalTimeoutBlocks)
	f.block(func() {
		require.ErrorIs(t, prove(5, true), types.ErrWithdrawalCompleted)
		_, err := f.msgs.RefundWithdrawal(f.ctx, &types.MsgRefundWithdrawal{Submitter: f.submitter, Id: 1})
		require.ErrorIs(t, err, types.ErrWithdrawalCompleted)
	})
	require.Equal(t, sat(40_000), f.bank.Balance(w.addr))
}

// TestRefundWithdrawal: refused until x/btclc's tip passes the deadline,
// then the sender is re-minted exactly once; a refunded withdrawal cannot be
// completed by a later payment.
func TestRefundWithdrawal(t *testing.T) {
	f := newFixture(t)
	w := newWithdrawer(f)
	p := f.params()
	p.WithdrawalTimeoutBlocks = 3
	f.block(func() { f.setParams(p) })
	var deadline uint64
	f.block(func() {
		resp, err := f.withdraw(w, 60_000)
		require.NoError(t, err)
		deadline = resp.Deadline
	})
	refund := func() error {
		_, err := f.msgs.RefundWithdrawal(f.ctx, &types.MsgRefundWithdrawal{Submitter: f.submitter, Id: 1})
		return err
	}
	f.extend(int(deadline))
	f.block(func() { require.ErrorIs(t, refund(), types.ErrDeadlineNotReached) })
	pay := f.mine(nil, f.payment(0, wire.NewTxOut(50_000, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))))
	f.block(func() {
		f.insert(*pay.Header())
		require.NoError(t, refund())
		require.Contains(t, eventTypes(f.ctx), "hemi.tunnel.v1.EventWithdrawalRefunded")
	})
	require.Equal(t, sat(100_000), f.bank.Balance(w.addr))
	require.Equal(t, types.WITHDRAWAL_STATUS_REFUNDED, f.withdrawal(1).Status)
	f.extend(6)
	f.block(func() {
		require.ErrorIs(t, refund(), types.ErrWithdrawalRefunded)
		_, err := f.msgs.ProveWithdrawal(f.ctx, &types.MsgProveWithdrawal{Submitter: f.submitter, Id: 1, Proof: proofOf(t, pay, 0, true)})
		require.ErrorIs(t, err, types.ErrWithdrawalRefunded)
		_, err = f.msgs.RefundWithdrawal(f.ctx, &types.MsgRefundWithdrawal{Submitter: f.submitter, Id: 9})
		require.ErrorIs(t, err, types.ErrUnknownWithdrawal)
	})
	require.Equal(t, sat(100_000), f.bank.Balance(w.addr), "re-minted exactly once")
}

// TestUpdateParams: only the authority, only valid params; re-enabling
// deposits is how governance lifts the breaker.
func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	f.block(func() {
		p := f.params()
		p.DepositsEnabled = false
		_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.submitter, p))
		require.Error(t, err)
		p.MinConfirmations = 0
		_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, p))
		require.ErrorIs(t, err, types.ErrInvalidParams)
		p.MinConfirmations = 3
		p.VaultScript = bitcoin.WithdrawalScript(1)
		_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, p))
		require.ErrorIs(t, err, types.ErrInvalidParams)
		p.VaultScript = f.vaultScript
		_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, p))
		require.NoError(t, err)
	})
	require.Equal(t, uint32(3), f.params().MinConfirmations)
}

// TestPaymentFromBeforeTheWithdrawalIsRefused: a vault payment carrying id 1 that was mined
// before withdrawal 1 was queued (another chain's withdrawal 1 from a shared vault, or this
// chain's before a restart) pays the same script enough, but cannot complete it
// (ErrPaymentBeforeRequest, nothing changed); a payment mined after it was queued does.
func TestPaymentFromBeforeTheWithdrawalIsRefused(t *testing.T) {
	f := newFixture(t)
	w := newWithdrawer(f)
	due := int64(60_000 - types.DefaultWithdrawalMaxFeeSats)
	old := f.mine(nil, f.payment(0, wire.NewTxOut(due, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))))
	f.block(func() { f.insert(*old.Header()) })
	f.extend(6)
	f.block(func() {
		_, err := f.withdraw(w, 60_000)
		require.NoError(t, err)
	})
	require.Equal(t, f.tipHeight, f.withdrawal(1).RequestedBtcHeight)
	f.block(func() {
		before := f.storeDump()
		_, err := f.msgs.ProveWithdrawal(f.ctx, &types.MsgProveWithdrawal{Submitter: f.submitter, Id: 1, Proof: proofOf(t, old, 0, true)})
		require.ErrorIs(t, err, types.ErrPaymentBeforeRequest)
		require.Equal(t, before, f.storeDump())
	})
	paid := f.mine(nil, f.payment(0, wire.NewTxOut(due, w.script), wire.NewTxOut(0, bitcoin.WithdrawalScript(1))))
	f.block(func() { f.insert(*paid.Header()) })
	f.extend(5)
	f.block(func() {
		_, err := f.msgs.ProveWithdrawal(f.ctx, &types.MsgProveWithdrawal{Submitter: f.submitter, Id: 1, Proof: proofOf(t, paid, 0, true)})
		require.NoError(t, err)
	})
	require.Equal(t, types.WITHDRAWAL_STATUS_COMPLETED, f.withdrawal(1).Status)
}
