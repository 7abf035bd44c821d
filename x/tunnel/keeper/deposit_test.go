package keeper_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/keeper"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

var alice = bytes.Repeat([]byte{0xa1}, 20)

// TestProveDepositMintsOnce: a real signed deposit is recorded pending from
// one confirmation, minted by EndBlock in the block x/btclc's tip reaches 6
// confirmations (not before), exactly once, and its outpoint is refused
// again before and after the mint.
func TestProveDepositMintsOnce(t *testing.T) {
	f := newFixture(t)
	b := f.mine(nil, f.deposit(1, alice, 50_000))
	f.block(func() {
		f.insert(*b.Header())
		resp, err := f.msgs.ProveDeposit(f.ctx, &types.MsgProveDeposit{Submitter: f.submitter, Proof: proofOf(t, b, 0, false)})
		require.NoError(t, err)
		require.Equal(t, []string{outpoint(b, 0, 1)}, resp.Outpoints)
		_, err = f.proveDeposit(proofOf(t, b, 0, false))
		require.ErrorIs(t, err, types.ErrDuplicateDeposit)
	})
	d := f.deposit1(outpoint(b, 0, 1))
	require.Equal(t, types.DEPOSIT_STATUS_PENDING, d.Status)
	require.Equal(t, uint64(50_000), d.Amount)
	require.Equal(t, addr(t, alice), d.Recipient)
	require.Equal(t, uint64(1), d.BtcHeight)

	f.extend(4) // 5 confirmations
	require.Equal(t, types.DEPOSIT_STATUS_PENDING, f.deposit1(outpoint(b, 0, 1)).Status)
	require.True(t, f.bank.Balance(alice).IsZero())

	f.extend(1) // 6
	d = f.deposit1(outpoint(b, 0, 1))
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, d.Status)
	require.Equal(t, uint64(f.height), d.MintedHeight)
	require.Equal(t, sat(50_000), f.bank.Balance(alice))

	f.extend(3)
	f.block(func() {
		_, err := f.proveDeposit(proofOf(t, b, 0, false))
		require.ErrorIs(t, err, types.ErrDuplicateDeposit)
	})
	require.Equal(t, sat(50_000), f.bank.Balance(alice))
	require.Equal(t, sat(50_000), f.bank.Minted())
}

// TestTwoVaultOutputsAreTwoDeposits: every vault output of one transaction
// is its own deposit, both minted; the 40-hex-character recipient encoding
// counts as the raw one.
func TestTwoVaultOutputsAreTwoDeposits(t *testing.T) {
	f := newFixture(t)
	hexRecipient := []byte(hex.EncodeToString(alice))
	b := f.mine(nil, f.deposit(1, hexRecipient, 20_000, 30_000))
	f.block(func() {
		f.insert(*b.Header())
		resp, err := f.proveDeposit(proofOf(t, b, 0, false))
		require.NoError(t, err)
		require.Equal(t, []string{outpoint(b, 0, 1), outpoint(b, 0, 2)}, resp.Outpoints)
	})
	f.extend(5)
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, f.deposit1(outpoint(b, 0, 1)).Status)
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, f.deposit1(outpoint(b, 0, 2)).Status)
	require.Equal(t, sat(50_000), f.bank.Balance(alice))
}

// TestProveDepositRejections: each bad deposit is refused with its own error
// and changes no key of x/tunnel's store and no balance.
func TestProveDepositRejections(t *testing.T) {
	f := newFixture(t)
	noRecipient := datagen.Spend{Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(9), Outputs: []*wire.TxOut{wire.NewTxOut(50_000, f.vaultScript)}}
	b := f.mine(nil,
		f.deposit(1, alice, 9_999),                          // 0: below the minimum
		noRecipient,                                         // 1: no OP_RETURN
		f.deposit(3, alice[:19], 50_000),                    // 2: 19 bytes
		f.deposit(4, bytes.Repeat([]byte("z"), 40), 50_000), // 3: 40 characters, not hex
		f.deposit(5, alice, 50_000),                         // 4: valid
	)
	offChain := f.mine(nil, f.deposit(6, alice, 50_000)) // never relayed
	f.block(func() { f.insert(*b.Header()) })

	tampered := proofOf(t, b, 4, false)
	tampered.MerkleSiblings[0] = bytes.Repeat([]byte{1}, 32)
	coinbase := proofOf(t, b, 4, false)
	coinbase.TxIndex = 0
	tooMany := datagen.Spend{Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(10), Outputs: []*wire.TxOut{datagen.OpReturn(t, alice)}}
	for range types.MaxDepositOutputs {
		tooMany.Outputs = append(tooMany.Outputs, wire.NewTxOut(1_000, f.vaultScript))
	}
	big := f.mine(nil, tooMany)
	f.block(func() { f.insert(*big.Header()) })

	cases := []struct {
		name  string
		proof func() *types.MsgProveDeposit
		setup func(p *types.Params)
		want  error
	}{
		{"below the minimum", msg(f, proofOf(t, b, 0, false)), nil, types.ErrNoVaultOutput},
		{"missing recipient", msg(f, proofOf(t, b, 1, false)), nil, types.ErrNoRecipient},
		{"recipient of 19 bytes", msg(f, proofOf(t, b, 2, false)), nil, types.ErrBadRecipient},
		{"recipient of 40 non-hex characters", msg(f, proofOf(t, b, 3, false)), nil, types.ErrBadRecipient},
		{"off the main chain", msg(f, proofOf(t, offChain, 0, false)), nil, btclctypes.ErrNotOnMainChain},
		{"bad proof", msg(f, tampered), nil, btclctypes.ErrInvalidSPVProof},
		{"coinbase index", msg(f, coinbase), nil, types.ErrCoinbaseTx},
		{"too many outputs", msg(f, proofOf(t, big, 0, false)), func(p *types.Params) { p.MinDepositSats = 1_000 }, types.ErrTooManyOutputs},
		{"deposits disabled", msg(f, proofOf(t, b, 4, false)), func(p *types.Params) { p.DepositsEnabled = false }, types.ErrDepositsDisabled},
		{"no vault", msg(f, proofOf(t, b, 4, false)), func(p *types.Params) { p.VaultScript = nil }, types.ErrNoVault},
		{"bad submitter", func() *types.MsgProveDeposit {
			m := msg(f, proofOf(t, b, 4, false))()
			m.Submitter = "cosmos1xyz"
			return m
		}, nil, sdkerrors.ErrInvalidAddress},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.beginBlock()
			if tc.setup != nil {
				p := types.DefaultParams()
				p.VaultScript = f.vaultScript
				tc.setup(&p)
				f.setParams(p)
			}
			before, events := f.storeDump(), len(f.ctx.EventManager().Events())
			_, err := f.msgs.ProveDeposit(f.ctx, tc.proof())
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, before, f.storeDump(), "a rejected proof changed the store")
			require.Len(t, f.ctx.EventManager().Events(), events, "a rejected proof emitted an event")
			p := types.DefaultParams()
			p.VaultScript = f.vaultScript
			f.setParams(p)
			f.endBlock()
		})
	}
	require.True(t, f.bank.Minted().IsZero())
	// The valid one still goes through.
	f.block(func() {
		_, err := f.proveDeposit(proofOf(t, b, 4, false))
		require.NoError(t, err)
	})
}

func msg(f *fixture, p btclctypes.InclusionProof) func() *types.MsgProveDeposit {
	return func() *types.MsgProveDeposit { return &types.MsgProveDeposit{Submitter: f.submitter, Proof: p} }
}

// TestPendingDepositReorgedAwayIsProvenAgainAndMintsOnce: a pending
// deposit's block leaves the canonical chain; the reorg sweep removes the
// record (EventDepositUnproven), the same transaction mined in the winning
// branch is proven there, and it mints once.
func TestPendingDepositReorgedAwayIsProvenAgainAndMintsOnce(t *testing.T) {
	f := newFixture(t)
	base := f.tip
	a1 := f.mine(nil, f.deposit(1, alice, 50_000))
	f.relayAndProve(a1)
	op := outpoint(a1, 0, 1)

	// The winning branch mines the same two transactions in its first block.
	spend := a1.Spends[0]
	b1 := datagen.MineTxBlock(t, &base, 900, spend.Funding, spend.Spending)
	b2 := datagen.RegtestChild(t, b1.Header(), 901)
	f.block(func() { f.insert(*b1.Header(), b2) })
	require.Equal(t, uint64(2), f.tipHeight)
	_, err := f.k.Deposits.Get(f.ctx, mustOutpoint(t, op))
	require.Error(t, err, "the pending deposit of the replaced block is still recorded")
	require.Contains(t, eventTypes(f.ctx), "hemi.tunnel.v1.EventDepositUnproven")

	f.block(func() {
		_, err := f.proveDeposit(proofOf(t, a1, 0, false))
		require.ErrorIs(t, err, btclctypes.ErrNotOnMainChain)
		p := btclctypes.NewInclusionProofOf(spend.SpendingProof.RawTx, b1.Block.BlockHash(), b1.TxProof(t, spend.Spending).Index, b1.TxProof(t, spend.Spending).Siblings, nil)
		resp, err := f.proveDeposit(p)
		require.NoError(t, err)
		require.Equal(t, []string{op}, resp.Outpoints)
	})
	require.Equal(t, b1.Block.BlockHash(), f.deposit1(op).BlockHash())
	f.extend(5)
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, f.deposit1(op).Status)
	f.extend(2)
	require.Equal(t, sat(50_000), f.bank.Balance(alice))
	require.Equal(t, sat(50_000), f.bank.Minted())
}

// TestMintedDepositReorgedAwayTripsTheBreaker: a minted deposit's block
// leaves the canonical chain: EventDepositReorged, deposits_enabled false,
// nothing burned; new deposits are refused and nothing more is minted until
// governance re-enables deposits.
func TestMintedDepositReorgedAwayTripsTheBreaker(t *testing.T) {
	f := newFixture(t)
	base := f.tip
	a1 := f.mine(nil, f.deposit(1, alice, 50_000))
	f.relayAndProve(a1)
	f.extend(5)
	op := outpoint(a1, 0, 1)
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, f.deposit1(op).Status)

	// A pending deposit on the old branch too: it is unproven, not minted.
	a7 := f.mine(nil, f.deposit(2, alice, 40_000))
	f.relayAndProve(a7)

	fork := datagen.RegtestChain(t, base, 8, 777)
	f.block(func() { f.insert(fork...) })
	require.Equal(t, uint64(8), f.tipHeight)
	require.False(t, f.params().DepositsEnabled)
	require.Contains(t, eventTypes(f.ctx), "hemi.tunnel.v1.EventDepositReorged")
	require.Equal(t, types.DEPOSIT_STATUS_MINTED, f.deposit1(op).Status, "the minted record is kept")
	_, err := f.k.Deposits.Get(f.ctx, mustOutpoint(t, outpoint(a7, 0, 1)))
	require.Error(t, err)
	require.Equal(t, sat(50_000), f.bank.Balance(alice), "nothing is burned")
	require.True(t, f.bank.Burned().IsZero())

	c := f.mine(nil, f.deposit(3, alice, 60_000))
	f.block(func() {
		f.insert(*c.Header())
		_, err := f.proveDeposit(proofOf(t, c, 0, false))
		require.ErrorIs(t, err, types.ErrDepositsDisabled)
	})
	f.extend(6)
	require.Equal(t, sat(50_000), f.bank.Minted())
}

// TestDepositTheBankRefusesIsRefused: a pending deposit whose recipient can no longer hold coins
// when it matures (here, blocked after the proof) is marked refused by EndBlock, with
// EventDepositRefused, instead of stopping the chain; the recipient gets nothing, the record is
// kept and never minted later, and proving the outpoint again changes nothing.
func TestDepositTheBankRefusesIsRefused(t *testing.T) {
	f := newFixture(t)
	b := f.mine(nil, f.deposit(1, alice, 50_000))
	f.relayAndProve(b)
	op := outpoint(b, 0, 1)
	require.Equal(t, types.DEPOSIT_STATUS_PENDING, f.deposit1(op).Status)
	f.bank.Block(alice)

	f.extend(5) // 6 confirmations: due
	d := f.deposit1(op)
	require.Equal(t, types.DEPOSIT_STATUS_REFUSED, d.Status)
	require.Zero(t, d.MintedHeight)
	require.Contains(t, eventTypes(f.ctx), "hemi.tunnel.v1.EventDepositRefused")
	require.NotContains(t, eventTypes(f.ctx), "hemi.tunnel.v1.EventDepositMinted")
	require.True(t, f.bank.Balance(alice).IsZero())

	f.extend(3)
	require.Equal(t, types.DEPOSIT_STATUS_REFUSED, f.deposit1(op).Status, "a refused deposit is not tried again")
	require.NotContains(t, eventTypes(f.ctx), "hemi.tunnel.v1.EventDepositRefused")
	f.block(func() {
		_, err := f.proveDeposit(proofOf(t, b, 0, false))
		require.ErrorIs(t, err, types.ErrBlockedRecipient, "proving it again is refused, the recipient first")
	})
	require.Equal(t, d, f.deposit1(op), "the refused record is unchanged")
	require.True(t, f.bank.Balance(alice).IsZero())
}

// TestTenThousandDepositsMaturingInOneBlock: 10,000 pending deposits in one
// Bitcoin block reach min_confirmations together; EndBlock mints at most
// MaxMintsPerBlock per block, in (height, txid, vout) order, and all of them
// exactly once over 50 blocks.
func TestTenThousandDepositsMaturingInOneBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("proves 10,000 deposits")
	}
	f := newFixture(t)
	p := f.params()
	p.MinDepositSats = 1_000
	f.block(func() { f.setParams(p) })
	const spends, perSpend = 25, 400
	b := f.mine(nil, f.manyDeposits(100, spends, perSpend)...)
	resps := f.relayAndProveAll(b)
	require.Len(t, resps, spends)
	for _, resp := range resps {
		require.Len(t, resp.Outpoints, perSpend)
	}
	f.extend(4)
	require.True(t, f.bank.Minted().IsZero())
	total := uint64(spends * perSpend)
	var last types.Outpoint
	for blocks := 1; ; blocks++ {
		f.extend(1)
		minted := 0
		for _, ev := range f.ctx.EventManager().Events() {
			if ev.Type == "hemi.tunnel.v1.EventDepositMinted" {
				minted++
			}
		}
		require.LessOrEqual(t, minted, types.MaxMintsPerBlock)
		have := f.bank.Balance(alice).AmountOf(types.Denom).Uint64() / 1_000
		require.Equal(t, min(uint64(blocks*types.MaxMintsPerBlock), total), have)
		if have == total {
			require.Equal(t, int(total)/types.MaxMintsPerBlock, blocks)
			break
		}
		// The queue's head is what comes next, after everything minted.
		var head types.Outpoint
		require.NoError(t, f.k.PendingDeposits.Walk(f.ctx, nil, func(k keeper.HeightKey) (bool, error) {
			head = types.NewOutpoint(k.K2(), k.K3())
			return true, nil
		}))
		require.True(t, blocks == 1 || outpointLess(last, head))
		last = head
	}
	require.Equal(t, sat(total*1_000), f.bank.Minted())
}

func mustOutpoint(t *testing.T, s string) types.Outpoint {
	op, err := types.ParseOutpoint(s)
	require.NoError(t, err)
	return op
}

func eventTypes(ctx sdk.Context) []string {
	var out []string
	for _, ev := range ctx.EventManager().Events() {
		out = append(out, ev.Type)
	}
	return out
}

func outpointLess(a, b types.Outpoint) bool {
	ta, tb := a.K1(), b.K1()
	if c := bytes.Compare(ta[:], tb[:]); c != 0 {
		return c < 0
	}
	return a.K2() < b.K2()
}

// TestReorgSweepIsBoundedPerBlock: a reorg that replaces the block of 2,400
// pending deposits is swept over three blocks, at most
// MaxReorgChecksPerBlock a block, from the cursor the hook set; the cursor
// is gone once the sweep reaches the end.
func TestReorgSweepIsBoundedPerBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("proves 2,400 deposits")
	}
	f := newFixture(t)
	p := f.params()
	p.MinDepositSats = 1_000
	f.block(func() { f.setParams(p) })
	base := f.tip
	ss := f.manyDeposits(200, 6, 400)
	b := f.mine(nil, ss...)
	require.Len(t, f.relayAndProveAll(b), len(ss))
	count := func() int {
		n := 0
		require.NoError(t, f.k.Deposits.Walk(f.ctx, nil, func(types.Outpoint, types.Deposit) (bool, error) { n++; return false, nil }))
		return n
	}
	require.Equal(t, 2_400, count())
	f.block(func() { f.insert(datagen.RegtestChain(t, base, 2, 4242)...) })
	for _, left := range []int{1_400, 400, 0} {
		require.Equal(t, left, count())
		has, err := f.k.ReorgCursor.Has(f.ctx)
		require.NoError(t, err)
		require.Equal(t, left > 0, has, "the cursor stays while deposits are left to check")
		if left > 0 {
			f.block(nil)
		}
	}
	require.True(t, f.params().DepositsEnabled, "nothing minted was reorged")
}

// manyDeposits is n spends (keys from seed on) each paying the vault perSpend
// outputs of 1,000 sat for alice.
func (f *fixture) manyDeposits(seed uint32, n, perSpend int) []datagen.Spend {
	amounts := make([]int64, perSpend)
	for j := range amounts {
		amounts[j] = 1_000
	}
	ss := make([]datagen.Spend, n)
	for i := range ss {
		ss[i] = f.deposit(seed+uint32(i), alice, amounts...)
	}
	return ss
}

// TestProveDepositDoesNotReadTheFundingTx: a deposit reads no signer, so a funding transaction
// sent with its proof is not read at all, neither decoded nor matched against input 0 (it would
// make x/btclc decode the witness for nothing): the deposit is recorded as without one, and the
// lock proof keeps neither it nor the witness.
func TestProveDepositDoesNotReadTheFundingTx(t *testing.T) {
	f := newFixture(t)
	b := f.mine(nil, f.deposit(1, alice, 50_000), f.deposit(2, alice, 60_000), f.deposit(3, alice, 70_000))
	f.block(func() { f.insert(*b.Header()) })
	withFunding := proofOf(t, b, 0, true)   // the right one
	otherFunding := proofOf(t, b, 1, false) // another transaction's funding
	otherFunding.FundingTx = proofOf(t, b, 0, true).FundingTx
	garbage := proofOf(t, b, 2, false) // bytes that are no transaction
	garbage.FundingTx = []byte{1, 2, 3}
	f.block(func() {
		for i, p := range []btclctypes.InclusionProof{withFunding, otherFunding, garbage} {
			_, err := f.proveDeposit(p)
			require.NoError(t, err, "deposit %d", i)
		}
	})
	for i := range 3 {
		got, err := f.k.LockProofs.Get(f.ctx, b.Spends[i].Spending.TxHash())
		require.NoError(t, err)
		require.Empty(t, got.FundingTx)
		var stripped bytes.Buffer
		require.NoError(t, b.Spends[i].Spending.SerializeNoWitness(&stripped))
		require.Equal(t, stripped.Bytes(), got.Tx)
		require.Equal(t, types.DEPOSIT_STATUS_PENDING, f.deposit1(outpoint(b, i, 1)).Status)
	}
}
