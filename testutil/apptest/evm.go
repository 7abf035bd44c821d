package apptest

import (
	"crypto/ecdsa"
	"encoding/json"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	evmtypes "github.com/cosmos/evm/x/vm/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/params"
)

// EVMChainID is the EVM chain id of ChainID.
const EVMChainID = 262144

// CallGasCap is the gas an EthCall may use when the call names none: the block gas limit.
const CallGasCap = app.BlockMaxGas

// EthCall runs an eth_call of data on to from the zero address against the committed state.
// A revert is not an error: the response's VmError says it and Ret holds the revert data.
func (c *Chain) EthCall(to common.Address, data []byte) (*evmtypes.MsgEthereumTxResponse, error) {
	input := hexutil.Bytes(data)
	return c.EthCallArgs(evmtypes.TransactionArgs{From: &common.Address{}, To: &to, Input: &input})
}

// EthCallArgs runs an eth_call with args as JSON-RPC takes them, through the EVM keeper's query
// (what the JSON-RPC server runs), on a cache of the committed state.
func (c *Chain) EthCallArgs(args evmtypes.TransactionArgs) (*evmtypes.MsgEthereumTxResponse, error) {
	c.t.Helper()
	ctx, _ := c.Context().CacheContext()
	return c.App().EVMKeeper.EthCall(ctx, c.callRequest(args))
}

// EstimateGas runs an eth_estimateGas with args against the committed state.
func (c *Chain) EstimateGas(args evmtypes.TransactionArgs) (uint64, error) {
	c.t.Helper()
	ctx, _ := c.Context().CacheContext()
	res, err := c.App().EVMKeeper.EstimateGas(ctx, c.callRequest(args))
	if err != nil {
		return 0, err
	}
	return res.Gas, nil
}

func (c *Chain) callRequest(args evmtypes.TransactionArgs) *evmtypes.EthCallRequest {
	c.t.Helper()
	bz, err := json.Marshal(args)
	if err != nil {
		c.t.Fatal(err)
	}
	return &evmtypes.EthCallRequest{Args: bz, GasCap: CallGasCap, ChainId: EVMChainID}
}

// EthAddress is the account's Ethereum address.
func (a *Account) EthAddress() common.Address { return common.BytesToAddress(a.Address) }

// SignEthTx returns the encoded Cosmos tx of a signed Ethereum transaction (EIP-1559) from acc
// to to (nil: a contract creation) with data and gas limit gas, paying GasPrice per gas; acc's
// sequence, which is its Ethereum nonce, advances.
func (c *Chain) SignEthTx(acc *Account, to *common.Address, data []byte, gas uint64) []byte {
	c.t.Helper()
	return c.SignEthTxValue(acc, to, nil, data, gas)
}

// SignEthTxValue is SignEthTx with value wei (nil: none) sent along.
func (c *Chain) SignEthTxValue(acc *Account, to *common.Address, value *big.Int, data []byte, gas uint64) []byte {
	c.t.Helper()
	key, err := acc.ecdsa()
	if err != nil {
		c.t.Fatal(err)
	}
	signer := ethtypes.LatestSignerForChainID(big.NewInt(EVMChainID))
	ethTx, err := ethtypes.SignNewTx(key, signer, &ethtypes.DynamicFeeTx{
		ChainID: big.NewInt(EVMChainID), Nonce: acc.Sequence, Gas: gas,
		GasFeeCap: GasPrice.BigInt(), GasTipCap: big.NewInt(1), To: to, Value: value, Data: data,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	msg := &evmtypes.MsgEthereumTx{}
	if err := msg.FromSignedEthereumTx(ethTx, signer); err != nil {
		c.t.Fatal(err)
	}
	txConfig := c.App().TxConfig()
	tx, err := msg.BuildTx(txConfig.NewTxBuilder(), params.BaseDenom)
	if err != nil {
		c.t.Fatal(err)
	}
	bz, err := txConfig.TxEncoder()(tx)
	if err != nil {
		c.t.Fatal(err)
	}
	acc.Sequence++
	return bz
}

func (a *Account) ecdsa() (*ecdsa.PrivateKey, error) { return crypto.ToECDSA(a.Key.Key) }
