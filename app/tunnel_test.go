package app_test

import (
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/ethereum/go-ethereum/common"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunnelkeeper "github.com/hemi-appchain/hemi/x/tunnel/keeper"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// TestTunnelDepositVisibleThroughBankAndERC20: a real signed deposit to the genesis vault,
// relayed and proven through the app's transactions, is minted by x/tunnel's EndBlock at six
// confirmations; the recipient's sat show in the bank and, through cosmos/evm's ERC-20
// precompile at params.HemiBTCAddress, as hemiBTC (8 decimals) balanceOf in the EVM.
func TestTunnelDepositVisibleThroughBankAndERC20(t *testing.T) {
	vaultKey := datagen.KeyFromSeed(7000)
	vault := datagen.P2WPKHScript(t, vaultKey.PubKey())
	c := apptest.New(t, apptest.Options{Genesis: func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		var g tunneltypes.GenesisState
		cdc.MustUnmarshalJSON(state[tunneltypes.ModuleName], &g)
		g.Params.VaultScript = vault
		state[tunneltypes.ModuleName] = cdc.MustMarshalJSON(&g)
	}})
	relayer, recipient := c.Accounts[0], c.Accounts[1]

	const amount = 250_000
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1, datagen.Spend{
		Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(11),
		Outputs: []*wire.TxOut{datagen.OpReturn(t, recipient.Address), wire.NewTxOut(amount, vault)},
	})
	headers := append([][]byte{mined.RawHeader}, datagen.SerializeHeaders(datagen.RegtestChain(t, *mined.Header(), 5, 2))...)
	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(), headers))), 0)

	s := mined.Spends[0]
	proof := btclctypes.NewInclusionProofOf(s.SpendingProof.RawTx, mined.Block.BlockHash(), s.SpendingProof.Index, s.SpendingProof.Siblings, nil)
	proveTx := c.SignTx(relayer, 0, &tunneltypes.MsgProveDeposit{Submitter: relayer.String(), Proof: proof})
	res := c.NextBlock(proveTx)
	apptest.RequireTxOK(t, res, 0)

	// The provenance names the hemi transaction that proved it, by CometBFT's hash of its bytes.
	outpoint := tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(s.Spending.TxHash(), 1))
	prov, err := tunnelkeeper.NewQuerier(c.App().TunnelKeeper).Provenance(c.Context(), &tunneltypes.QueryProvenanceRequest{Outpoint: outpoint})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ToUpper(hex.EncodeToString(cmttypes.Tx(proveTx).Hash())); prov.Minting.ProvenTxHash != want || prov.Minting.MintedHeight != uint64(c.Height()) {
		t.Fatalf("provenance minting %+v, want the tx %s and height %d", prov.Minting, want, c.Height())
	}

	ctx := c.Context()
	if got := c.App().BankKeeper.GetBalance(ctx, recipient.Address, params.BTCDenom); got.Amount.Int64() != amount {
		t.Fatalf("bank balance %s, want %d sat", got, amount)
	}
	token := common.HexToAddress(params.HemiBTCAddress)
	call := func(sig string, args ...[]byte) []byte {
		t.Helper()
		data := ethcrypto.Keccak256([]byte(sig))[:4]
		for _, a := range args {
			data = append(data, common.LeftPadBytes(a, 32)...)
		}
		out, err := c.EthCall(token, data)
		if err != nil {
			t.Fatalf("%s: %v", sig, err)
		}
		if out.VmError != "" {
			t.Fatalf("%s: %s", sig, out.VmError)
		}
		return out.Ret
	}
	if got := new(big.Int).SetBytes(call("balanceOf(address)", recipient.Address)); got.Int64() != amount {
		t.Fatalf("hemiBTC balanceOf = %s, want %d", got, amount)
	}
	if got := new(big.Int).SetBytes(call("decimals()")); got.Int64() != params.BTCDecimals {
		t.Fatalf("hemiBTC decimals = %s, want %d", got, params.BTCDecimals)
	}
	if got := new(big.Int).SetBytes(call("totalSupply()")); got.Int64() != amount {
		t.Fatalf("hemiBTC totalSupply = %s, want %d", got, amount)
	}
}
