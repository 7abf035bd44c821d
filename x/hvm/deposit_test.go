package hvm_test

import (
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// TestIBitcoinDeposit: deposit(txid, vout) follows a real signed deposit through x/tunnel as
// `hemid query tunnel deposit` reports it: None before it is proven, Pending with its amount and
// recipient, then Minted with the hemi block that minted it; another vout is None. Its gas is
// the documented figure.
func TestIBitcoinDeposit(t *testing.T) {
	key := datagen.KeyFromSeed(7000)
	vault := datagen.P2WPKHScript(t, key.PubKey())
	c := apptest.New(t, apptest.Options{Genesis: func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		var g tunneltypes.GenesisState
		cdc.MustUnmarshalJSON(state[tunneltypes.ModuleName], &g)
		g.Params.VaultScript = vault
		state[tunneltypes.ModuleName] = cdc.MustMarshalJSON(&g)
	}})
	relayer, recipient := c.Accounts[0], c.Accounts[1]

	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1, datagen.Spend{
		Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(11),
		Outputs: []*wire.TxOut{datagen.OpReturn(t, recipient.Address), wire.NewTxOut(75_000, vault)},
	})
	s := mined.Spends[0]
	txid := precompiles.DisplayOrder(s.Spending.TxHash())
	deposit := func(vout uint32) (uint8, uint64, common.Address, uint64) {
		t.Helper()
		out := call(t, c, ibitcoin.MethodDeposit, txid, vout)
		return out[0].(uint8), out[1].(uint64), out[2].(common.Address), out[3].(uint64)
	}
	status, amount, to, minted := deposit(1)
	require.Equal(t, uint8(0), status)
	require.Zero(t, amount)
	require.Equal(t, common.Address{}, to)
	require.Zero(t, minted)

	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(), [][]byte{mined.RawHeader}))), 0)
	proof := btclctypes.NewInclusionProofOf(s.SpendingProof.RawTx, mined.Block.BlockHash(), s.SpendingProof.Index, s.SpendingProof.Siblings, nil)
	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(relayer, 0, &tunneltypes.MsgProveDeposit{Submitter: relayer.String(), Proof: proof})), 0)
	status, amount, to, minted = deposit(1)
	require.Equal(t, uint8(tunneltypes.DEPOSIT_STATUS_PENDING), status)
	require.Equal(t, uint64(75_000), amount)
	require.Equal(t, common.BytesToAddress(recipient.Address), to)
	require.Zero(t, minted)

	headers := datagen.SerializeHeaders(datagen.RegtestChain(t, *mined.Header(), 5, 2))
	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(), headers))), 0)
	status, amount, _, minted = deposit(1)
	require.Equal(t, uint8(tunneltypes.DEPOSIT_STATUS_MINTED), status)
	require.Equal(t, uint64(75_000), amount)
	require.Equal(t, uint64(c.Height()), minted)
	status, _, _, _ = deposit(0)
	require.Equal(t, uint8(0), status, "the OP_RETURN output is no deposit")

	p := ibitcoin.New(c.App().BTCLCKeeper, c.App().PoPKeeper, c.App().TunnelKeeper)
	require.Equal(t, uint64(ibitcoin.GasDeposit), p.RequiredGas(pack(t, ibitcoin.MethodDeposit, txid, uint32(1))))
}
