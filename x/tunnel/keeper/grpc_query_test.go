package keeper_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	popkeeper "github.com/hemi-appchain/hemi/x/pop/keeper"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	"github.com/hemi-appchain/hemi/x/tunnel/keeper"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// TestProvenance: a minted deposit's provenance gives (1) its lock proof,
// which verifies again against x/btclc, and its confirmations, (2) the hemi
// blocks that proved and minted it, (3) the first keystone above the minting
// block and its anchoring, which goes from unanchored to published to
// superfinal as the keystone does.
func TestProvenance(t *testing.T) {
	f := newFixture(t)
	b := f.mine(nil, f.deposit(1, alice, 50_000))
	f.relayAndProve(b)
	proven := uint64(f.height)
	op := outpoint(b, 0, 1)
	get := func() *types.QueryProvenanceResponse {
		t.Helper()
		resp, err := f.query.Provenance(f.ctx, &types.QueryProvenanceRequest{Outpoint: op})
		require.NoError(t, err)
		return resp
	}
	pending := get()
	require.Equal(t, types.DEPOSIT_STATUS_PENDING, pending.Deposit.Status)
	require.Equal(t, uint64(1), pending.Lock.Confirmations)
	require.False(t, pending.Anchoring.Found)

	f.extend(5)
	minted := uint64(f.height)
	p := get()
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, p.Deposit.Status)
	// (1) the lock proof verifies again and names the transaction.
	require.Equal(t, uint64(6), p.Lock.Confirmations)
	require.True(t, p.Lock.OnMainChain)
	again, err := f.btclc.VerifyProof(f.ctx, &p.Lock.Proof)
	require.NoError(t, err)
	require.Equal(t, b.Spends[0].Spending.TxHash(), again.TxID)
	require.Equal(t, b.Block.BlockHash().String(), p.Lock.BtcBlockHash)
	// (2) the hemi blocks.
	require.Equal(t, proven, p.Minting.ProvenHeight)
	require.Equal(t, minted, p.Minting.MintedHeight)
	// (3) no keystone above the minting block yet.
	require.False(t, p.Anchoring.Found)

	for f.height <= int64(minted) || f.height%testKeystoneInterval != 0 {
		f.block(nil)
	}
	keystoneHeight := uint64(f.height)
	p = get()
	require.True(t, p.Anchoring.Found)
	require.Equal(t, keystoneHeight, p.Anchoring.Keystone.Height)
	require.Greater(t, keystoneHeight, minted)
	require.False(t, p.Anchoring.Status.Superfinal)
	require.Zero(t, p.Anchoring.Status.Confirmations)

	// A PoP miner publishes the keystone; its proof anchors it.
	ks, err := f.pop.Keystones.Get(f.ctx, keystoneHeight)
	require.NoError(t, err)
	abbrev, err := ks.Abbreviate()
	require.NoError(t, err)
	pub := f.mine(nil, datagen.Spend{Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(55), Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(abbrev))}})
	f.block(func() {
		f.insert(*pub.Header())
		s := pub.Spends[0]
		_, err := popkeeper.NewMsgServerImpl(f.pop).SubmitPoPProof(f.ctx, poptypes.NewMsgSubmitPoPProof(
			f.submitter, s.SpendingProof.RawTx, pub.Block.BlockHash(), s.SpendingProof.Index, s.SpendingProof.Siblings, nil))
		require.NoError(t, err)
	})
	p = get()
	require.Len(t, p.Anchoring.Status.Publications, 1)
	require.Equal(t, pub.Block.BlockHash().String(), p.Anchoring.Status.Publications[0].Publication.BtcBlockHash)
	require.Equal(t, uint64(1), p.Anchoring.Status.Confirmations)
	require.False(t, p.Anchoring.Status.Superfinal)

	f.extend(4)
	require.False(t, get().Anchoring.Status.Superfinal)
	f.extend(1)
	p = get()
	require.True(t, p.Anchoring.Status.Superfinal)
	require.Equal(t, uint64(6), p.Anchoring.Status.Confirmations)
	require.Equal(t, uint64(12), p.Lock.Confirmations)
}

// TestQueries: deposit, deposits by recipient and by status, withdrawal,
// withdrawals by sender and by status, params; unknown and malformed input.
func TestQueries(t *testing.T) {
	f := newFixture(t)
	w := newWithdrawer(f)
	b := f.mine(nil, f.deposit(1, alice, 20_000, 30_000), f.deposit(2, w.addr, 40_000))
	f.block(func() {
		f.insert(*b.Header())
		for i := range 2 {
			_, err := f.proveDeposit(proofOf(t, b, i, false))
			require.NoError(t, err)
		}
		_, err := f.withdraw(w, 50_000)
		require.NoError(t, err)
	})

	d, err := f.query.Deposit(f.ctx, &types.QueryDepositRequest{Outpoint: outpoint(b, 0, 2)})
	require.NoError(t, err)
	require.Equal(t, uint64(30_000), d.Deposit.Amount)
	require.Equal(t, uint64(1), d.Confirmations)

	byRecipient, err := f.query.Deposits(f.ctx, &types.QueryDepositsRequest{Recipient: addr(t, alice)})
	require.NoError(t, err)
	require.Len(t, byRecipient.Deposits, 2)
	page, err := f.query.Deposits(f.ctx, &types.QueryDepositsRequest{Status: types.DEPOSIT_STATUS_PENDING, Pagination: &query.PageRequest{Limit: 2, CountTotal: true}})
	require.NoError(t, err)
	require.Len(t, page.Deposits, 2)
	require.Equal(t, uint64(3), page.Pagination.Total)
	none, err := f.query.Deposits(f.ctx, &types.QueryDepositsRequest{Recipient: addr(t, alice), Status: types.DEPOSIT_STATUS_MINTED})
	require.NoError(t, err)
	require.Empty(t, none.Deposits)
	all, err := f.query.Deposits(f.ctx, &types.QueryDepositsRequest{})
	require.NoError(t, err)
	require.Len(t, all.Deposits, 3)

	wd, err := f.query.Withdrawal(f.ctx, &types.QueryWithdrawalRequest{Id: 1})
	require.NoError(t, err)
	require.Equal(t, uint64(50_000), wd.Withdrawal.Amount)
	bySender, err := f.query.Withdrawals(f.ctx, &types.QueryWithdrawalsRequest{Sender: addr(t, w.addr)})
	require.NoError(t, err)
	require.Len(t, bySender.Withdrawals, 1)
	byStatus, err := f.query.Withdrawals(f.ctx, &types.QueryWithdrawalsRequest{Status: types.WITHDRAWAL_STATUS_REFUNDED})
	require.NoError(t, err)
	require.Empty(t, byStatus.Withdrawals)

	params, err := f.query.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, f.vaultScript, params.Params.VaultScript)

	for _, tc := range []struct {
		err  error
		code codes.Code
	}{
		{func() error {
			_, err := f.query.Deposit(f.ctx, &types.QueryDepositRequest{Outpoint: "nonsense"})
			return err
		}(), codes.InvalidArgument},
		{func() error {
			_, err := f.query.Deposit(f.ctx, &types.QueryDepositRequest{Outpoint: outpoint(b, 0, 3)})
			return err
		}(), codes.NotFound},
		{func() error {
			_, err := f.query.Provenance(f.ctx, &types.QueryProvenanceRequest{Outpoint: outpoint(b, 1, 0)})
			return err
		}(), codes.NotFound},
		{func() error { _, err := f.query.Withdrawal(f.ctx, &types.QueryWithdrawalRequest{Id: 2}); return err }(), codes.NotFound},
		{func() error {
			_, err := f.query.Deposits(f.ctx, &types.QueryDepositsRequest{Recipient: "hemi1bad"})
			return err
		}(), codes.InvalidArgument},
	} {
		require.Equal(t, tc.code, status.Code(tc.err), tc.err)
	}
}

// TestListQueriesAreBounded: a page holds at most MaxPageLimit records whatever limit is asked,
// next_key goes on from there, and an offset above MaxPageOffset is refused.
func TestListQueriesAreBounded(t *testing.T) {
	f := newFixture(t)
	script := p2wpkh(t, datagen.KeyFromSeed(8000))
	sender := addr(t, bytes.Repeat([]byte{0xb0}, 20))
	gs := types.DefaultGenesis()
	gs.Params.VaultScript = f.vaultScript
	for id := uint64(1); id <= keeper.MaxPageLimit+5; id++ {
		gs.Withdrawals = append(gs.Withdrawals, types.Withdrawal{Id: id, Sender: sender, Script: script, Amount: 20_000,
			MaxFee: types.DefaultWithdrawalMaxFeeSats, Deadline: 10, Status: types.WITHDRAWAL_STATUS_QUEUED})
	}
	gs.NextWithdrawalId = keeper.MaxPageLimit + 6
	require.NoError(t, f.k.InitGenesis(f.ctx, gs))

	for _, req := range []*types.QueryWithdrawalsRequest{
		{Pagination: &query.PageRequest{Limit: 1 << 40}},
		{Status: types.WITHDRAWAL_STATUS_QUEUED, Pagination: &query.PageRequest{Limit: 1 << 40}},
		{Sender: sender, Pagination: &query.PageRequest{Limit: 1 << 40}},
	} {
		page, err := f.query.Withdrawals(f.ctx, req)
		require.NoError(t, err)
		require.Len(t, page.Withdrawals, keeper.MaxPageLimit)
		require.NotEmpty(t, page.Pagination.NextKey)
		rest, err := f.query.Withdrawals(f.ctx, &types.QueryWithdrawalsRequest{Status: req.Status, Sender: req.Sender,
			Pagination: &query.PageRequest{Key: page.Pagination.NextKey, Limit: 1 << 40}})
		require.NoError(t, err)
		require.Len(t, rest.Withdrawals, 5)
		require.Equal(t, uint64(keeper.MaxPageLimit+1), rest.Withdrawals[0].Id)
	}
	deposits, err := f.query.Deposits(f.ctx, &types.QueryDepositsRequest{Pagination: &query.PageRequest{Limit: 1 << 40}})
	require.NoError(t, err)
	require.Empty(t, deposits.Deposits)

	_, err = f.query.Withdrawals(f.ctx, &types.QueryWithdrawalsRequest{Pagination: &query.PageRequest{Offset: keeper.MaxPageOffset + 1}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), err)
	_, err = f.query.Deposits(f.ctx, &types.QueryDepositsRequest{Pagination: &query.PageRequest{Offset: keeper.MaxPageOffset + 1}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), err)
	page, err := f.query.Withdrawals(f.ctx, &types.QueryWithdrawalsRequest{Pagination: &query.PageRequest{Offset: 1000, Limit: 3}})
	require.NoError(t, err)
	require.Len(t, page.Withdrawals, 3)
	require.Equal(t, uint64(1001), page.Withdrawals[0].Id)
}
