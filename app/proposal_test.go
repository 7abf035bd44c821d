package app_test

import (
	"math/big"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/ethereum/go-ethereum/common"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	evmtypes "github.com/cosmos/evm/x/vm/types"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/testutil/apptest"
)

const (
	testMaxGas   = 1_000_000
	testMaxBytes = 20_000
)

// smallBlocks is a chain whose blocks hold at most 1,000,000 gas and 20,000 bytes.
func smallBlocks(t testing.TB) *apptest.Chain {
	return apptest.New(t, apptest.Options{Accounts: 3, ConsensusParams: func(cp *cmtproto.ConsensusParams) {
		cp.Block.MaxGas = testMaxGas
		cp.Block.MaxBytes = testMaxBytes
	}})
}

func send(c *apptest.Chain, from *apptest.Account, gas uint64) []byte {
	to := c.Accounts[len(c.Accounts)-1]
	return c.SignTx(from, gas, banktypes.NewMsgSend(from.Address, to.Address,
		sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewInt(1)))))
}

// TestProcessProposalRejects: a proposal with bytes that are not a tx, with summed gas limits over
// max_gas (Cosmos fee gas, or an Ethereum tx's gas that its wrapper under-declares), or with more
// bytes than max_bytes, is rejected; a proposal within the limits is accepted.
func TestProcessProposalRejects(t *testing.T) {
	c := smallBlocks(t)
	a, b := c.Accounts[0], c.Accounts[1]
	valid := [][]byte{send(c, a, 400_000), send(c, b, 400_000)}

	if got := c.ProcessProposal(valid...); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("a proposal of 800,000 gas under max_gas %d: %s, want ACCEPT", testMaxGas, got)
	}
	if got := c.ProcessProposal(); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("an empty proposal: %s, want ACCEPT", got)
	}

	overGas := append(append([][]byte{}, valid...), send(c, a, 400_000))
	rejects := map[string][][]byte{
		"undecodable bytes":             {valid[0], []byte("not a transaction")},
		"an empty tx":                   {{}},
		"1,200,000 gas over max_gas":    overGas,
		"one tx over max_gas":           {send(c, b, testMaxGas+1)},
		"ethereum gas under-declared":   {underDeclaredEthTx(t, c, testMaxGas+1)},
		"bytes over max_bytes":          {valid[0], make([]byte, testMaxBytes)},
		"txs whose total is over bytes": oversizedTxs(c, testMaxBytes),
	}
	for name, txs := range rejects {
		if got := c.ProcessProposal(txs...); got != abci.ResponseProcessProposal_REJECT {
			t.Errorf("%s: %s, want REJECT", name, got)
		}
	}
	// Nothing of the rejected proposals reached the state: the valid block still executes.
	res := c.FinalizeTxs(valid...)
	apptest.RequireTxOK(t, res, 0)
	apptest.RequireTxOK(t, res, 1)
}

// oversizedTxs returns valid-looking txs (each a signed send with a long memo is not needed: the
// decoder is not reached) whose sizes add up past maxBytes.
func oversizedTxs(c *apptest.Chain, maxBytes int) [][]byte {
	tx := send(c, c.Accounts[2], 100_000)
	var txs [][]byte
	for size := 0; size <= maxBytes; size += len(tx) {
		txs = append(txs, tx)
	}
	return txs
}

// underDeclaredEthTx is a signed Ethereum tx of gas gas in a Cosmos wrapper whose fee says 21,000.
func underDeclaredEthTx(t *testing.T, c *apptest.Chain, gas uint64) []byte {
	t.Helper()
	key, err := crypto.ToECDSA(c.Accounts[2].Key.Key)
	if err != nil {
		t.Fatal(err)
	}
	to := common.Address{1}
	signer := ethtypes.LatestSignerForChainID(big.NewInt(262144))
	ethTx, err := ethtypes.SignNewTx(key, signer, &ethtypes.DynamicFeeTx{
		ChainID: big.NewInt(262144), Gas: gas, GasFeeCap: big.NewInt(2 * app.MinGasPriceFloor),
		GasTipCap: big.NewInt(1), To: &to, Value: big.NewInt(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := &evmtypes.MsgEthereumTx{}
	if err := msg.FromSignedEthereumTx(ethTx, signer); err != nil {
		t.Fatal(err)
	}
	txConfig := c.App().TxConfig()
	b := txConfig.NewTxBuilder()
	tx, err := msg.BuildTx(b, params.BaseDenom)
	if err != nil {
		t.Fatal(err)
	}
	if got := app.TxGasLimit(tx); got != gas {
		t.Fatalf("TxGasLimit of the EVM tx = %d, want its gas %d", got, gas)
	}
	b.SetGasLimit(21_000)
	bz, err := txConfig.TxEncoder()(b.GetTx())
	if err != nil {
		t.Fatal(err)
	}
	return bz
}

// TestPrepareProposalWithinLimits: with more txs in the mempool than max_gas allows, the honest
// proposer's PrepareProposal picks only what fits, and every instance accepts and executes it.
func TestPrepareProposalWithinLimits(t *testing.T) {
	c := smallBlocks(t)
	var submitted int
	for _, acc := range c.Accounts[:2] {
		for range 2 {
			if res := c.CheckTx(send(c, acc, 300_000)); res.Code != 0 {
				t.Fatalf("CheckTx: code %d: %s", res.Code, res.Log)
			}
			submitted++
		}
	}
	txs := c.PrepareProposal(cmttypes.MaxDataBytesNoEvidence(testMaxBytes, 1))
	// 4 × 300,000 gas is over max_gas 1,000,000: three fit.
	if len(txs) != 3 {
		t.Fatalf("PrepareProposal chose %d of %d txs of 300,000 gas under max_gas %d, want 3", len(txs), submitted, testMaxGas)
	}
	var gas uint64
	for _, bz := range txs {
		tx, err := c.App().TxDecode(bz)
		if err != nil {
			t.Fatal(err)
		}
		gas += app.TxGasLimit(tx)
	}
	if gas > testMaxGas {
		t.Fatalf("proposal carries %d gas, over max_gas %d", gas, testMaxGas)
	}
	if got := c.ProcessProposal(txs...); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("the instance rejected its own proposal: %s", got)
	}
	res := c.FinalizeTxs(txs...)
	for i := range txs {
		apptest.RequireTxOK(t, res, i)
	}

	// Bytes: a tiny max_tx_bytes lets no tx in, and the empty proposal is accepted.
	if txs := c.PrepareProposal(100); len(txs) != 0 {
		t.Fatalf("PrepareProposal with max_tx_bytes 100 chose %d txs", len(txs))
	}
}

// FuzzProcessProposal: whatever the bytes, the ProcessProposal handler answers ACCEPT or REJECT,
// without an error or a panic (it runs here without the BaseApp's recovery).
func FuzzProcessProposal(f *testing.F) {
	c := smallBlocks(f)
	ctx := c.Context()
	f.Add([]byte{}, []byte("x"))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}, []byte{0x12, 0x00})
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00}, []byte{0x1a, 0x40})
	f.Add(send(c, c.Accounts[0], 100_000), make([]byte, testMaxBytes))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		res, err := c.App().ProcessProposalHandler(ctx, &abci.RequestProcessProposal{Txs: [][]byte{a, b}, Height: c.Height() + 1})
		if err != nil {
			t.Fatalf("ProcessProposal returned an error: %v", err)
		}
		if res.Status != abci.ResponseProcessProposal_ACCEPT && res.Status != abci.ResponseProcessProposal_REJECT {
			t.Fatalf("ProcessProposal answered %s", res.Status)
		}
	})
}
