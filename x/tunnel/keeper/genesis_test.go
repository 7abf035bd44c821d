package keeper_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// TestGenesisRoundTrip: a chain with minted and pending deposits and a
// completed-to-be and a queued withdrawal exports a genesis that validates
// and imports into the same store content, indexes included.
func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	w := newWithdrawer(f)
	b := f.mine(nil, f.deposit(1, alice, 20_000, 30_000))
	f.block(func() {
		f.insert(*b.Header())
		_, err := f.proveDeposit(proofOf(t, b, 0, false))
		require.NoError(t, err)
		_, err = f.withdraw(w, 40_000)
		require.NoError(t, err)
	})
	f.extend(5)
	c := f.mine(nil, f.deposit(2, w.addr, 15_000))
	f.block(func() {
		f.insert(*c.Header())
		_, err := f.proveDeposit(proofOf(t, c, 0, false))
		require.NoError(t, err)
		_, err = f.withdraw(w, 30_000)
		require.NoError(t, err)
	})
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Deposits, 3)
	require.Len(t, gs.LockProofs, 2)
	require.Len(t, gs.Withdrawals, 2)
	require.Equal(t, uint64(3), gs.NextWithdrawalId)

	env, btclcK, _, k2, _ := testkeeper.BTCLCPopAndTunnel(t)
	require.NoError(t, btclcK.InitGenesis(env.Ctx, btclctypes.DefaultGenesis()))
	require.NoError(t, k2.InitGenesis(env.Ctx, gs))
	require.Equal(t, f.storeDump(), dumpStore(env.Ctx, env.Key(types.StoreKey)))
}

// TestGenesisValidate: malformed genesis states are refused.
func TestGenesisValidate(t *testing.T) {
	good := func() *types.GenesisState {
		tx := wire.NewMsgTx(2)
		tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 1}, nil, nil))
		tx.AddTxOut(wire.NewTxOut(50_000, bitcoin.RecipientScript([20]byte(alice))))
		var buf bytes.Buffer
		require.NoError(t, tx.SerializeNoWitness(&buf))
		raw := buf.Bytes()
		txid := tx.TxHash()
		gs := types.DefaultGenesis()
		gs.LockProofs = []btclctypes.InclusionProof{{Tx: raw}}
		gs.Deposits = []types.Deposit{{Txid: txid[:], Vout: 0, Amount: 50_000, Recipient: addr(t, alice), BtcBlockHash: make([]byte, 32), Status: types.DEPOSIT_STATUS_PENDING}}
		script := append([]byte{0x00, 0x14}, alice...) // P2WPKH
		gs.Withdrawals = []types.Withdrawal{{Id: 1, Sender: addr(t, alice), Script: script, Amount: 20_000, MaxFee: 10_000, Status: types.WITHDRAWAL_STATUS_QUEUED}}
		gs.NextWithdrawalId = 2
		return gs
	}
	require.NoError(t, good().Validate())
	for name, mut := range map[string]func(*types.GenesisState){
		"deposit twice":          func(gs *types.GenesisState) { gs.Deposits = append(gs.Deposits, gs.Deposits[0]) },
		"no lock proof":          func(gs *types.GenesisState) { gs.LockProofs = nil },
		"short txid":             func(gs *types.GenesisState) { gs.Deposits[0].Txid = gs.Deposits[0].Txid[:31] },
		"no status":              func(gs *types.GenesisState) { gs.Deposits[0].Status = 0 },
		"withdrawal id too high": func(gs *types.GenesisState) { gs.NextWithdrawalId = 1 },
		"fee above the amount":   func(gs *types.GenesisState) { gs.Withdrawals[0].MaxFee = 20_000 },
		"bad script":             func(gs *types.GenesisState) { gs.Withdrawals[0].Script = []byte{0x6a} },
	} {
		gs := good()
		mut(gs)
		require.ErrorIs(t, gs.Validate(), types.ErrInvalidGenesis, name)
	}
}
