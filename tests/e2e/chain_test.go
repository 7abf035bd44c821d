package e2e

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/hemi-appchain/hemi/contracts"
)

// gasPrices pays 2 gwei per gas: above the 1 gwei base fee floor of the genesis.
const gasPrices = "2000000000ahemi"

var oneHemi = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// TestSingleNode starts one validator and checks what users and integrators do with it. The
// subtests share the node (starting one takes most of the time) and run in order.
func TestSingleNode(t *testing.T) {
	net := newNetwork(t, 1, 3)
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)

	eth := ethClient(t, net)
	conn := grpcConn(t, net)
	bank := banktypes.NewQueryClient(conn)

	t.Run("BlocksAdvance", func(t *testing.T) {
		s, err := net.status(0)
		if err != nil {
			t.Fatal(err)
		}
		net.waitHeight(0, s.Height+2, time.Minute)
	})

	t.Run("EVMChainIDFromChainID", func(t *testing.T) {
		id, err := eth.ChainID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if id.Uint64() != testEVMChainID {
			t.Fatalf("eth_chainId = %d, want %d (from chain id %s)", id, testEVMChainID, testChainID)
		}
	})

	t.Run("BankSendSameBalanceEverywhere", func(t *testing.T) {
		recipient := newKey(t, net, "recipient")
		amount := new(big.Int).Mul(big.NewInt(15), new(big.Int).Div(oneHemi, big.NewInt(10))) // 1.5 hemi
		res := net.sendTx("tx", "bank", "send", "dev0", recipient.Address, amount.String()+"ahemi", "--gas-prices", gasPrices)
		if res.Code != 0 {
			t.Fatalf("bank send failed in the block (code %d): %s", res.Code, res.RawLog)
		}

		var rest struct {
			Balances []struct{ Denom, Amount string } `json:"balances"`
		}
		if err := getJSON(net.nodes[0].API+"/cosmos/bank/v1beta1/balances/"+recipient.Address, &rest); err != nil {
			t.Fatal(err)
		}
		if len(rest.Balances) != 1 || rest.Balances[0].Denom != "ahemi" || rest.Balances[0].Amount != amount.String() {
			t.Fatalf("REST balances = %+v, want %sahemi", rest.Balances, amount)
		}

		grpcRes, err := bank.Balance(context.Background(), &banktypes.QueryBalanceRequest{Address: recipient.Address, Denom: "ahemi"})
		if err != nil {
			t.Fatal(err)
		}
		if grpcRes.Balance.Amount.BigInt().Cmp(amount) != 0 {
			t.Fatalf("gRPC balance = %s, want %s", grpcRes.Balance, amount)
		}

		ethBalance, err := eth.BalanceAt(context.Background(), common.HexToAddress(recipient.EthAddress), nil)
		if err != nil {
			t.Fatal(err)
		}
		if ethBalance.Cmp(amount) != 0 {
			t.Fatalf("eth_getBalance(%s) = %s, want %s", recipient.EthAddress, ethBalance, amount)
		}
		if !strings.EqualFold(common.BytesToAddress(sdk.MustAccAddressFromBech32(recipient.Address)).Hex(), recipient.EthAddress) {
			t.Fatalf("%s and %s are not the same 20 bytes", recipient.Address, recipient.EthAddress)
		}
	})

	t.Run("EIP1559ValueTransfer", func(t *testing.T) {
		key := devKey(t, net.devs[1])
		to := common.HexToAddress("0x00000000000000000000000000000000000a11ce")
		value := big.NewInt(123456789)
		receipt := sendEthTx(t, eth, key, &to, value, nil, 21000)
		if receipt.Status != ethtypes.ReceiptStatusSuccessful {
			t.Fatalf("receipt status %d", receipt.Status)
		}
		got, err := eth.BalanceAt(context.Background(), to, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Cmp(value) != 0 {
			t.Fatalf("balance of %s = %s, want %s", to, got, value)
		}
	})

	t.Run("ContractDeployAndCall", func(t *testing.T) {
		key := devKey(t, net.devs[2])
		counterABI, err := abi.JSON(strings.NewReader(contracts.CounterABI))
		if err != nil {
			t.Fatal(err)
		}
		ctorArgs, err := counterABI.Pack("", big.NewInt(41))
		if err != nil {
			t.Fatal(err)
		}
		deploy := sendEthTx(t, eth, key, nil, nil, append(contracts.CounterBytecode(), ctorArgs...), 500000)
		if deploy.Status != ethtypes.ReceiptStatusSuccessful || deploy.ContractAddress == (common.Address{}) {
			t.Fatalf("deploy receipt: status %d, contract %s", deploy.Status, deploy.ContractAddress)
		}
		if code, err := eth.CodeAt(context.Background(), deploy.ContractAddress, nil); err != nil || len(code) == 0 {
			t.Fatalf("no code at %s (err %v)", deploy.ContractAddress, err)
		}
		if got := callUint(t, eth, counterABI, deploy.ContractAddress, "count"); got != 41 {
			t.Fatalf("count() = %d after deploy, want 41", got)
		}

		input, err := counterABI.Pack("increment", big.NewInt(1))
		if err != nil {
			t.Fatal(err)
		}
		inc := sendEthTx(t, eth, key, &deploy.ContractAddress, nil, input, 100000)
		if inc.Status != ethtypes.ReceiptStatusSuccessful || len(inc.Logs) != 1 {
			t.Fatalf("increment receipt: status %d, %d logs", inc.Status, len(inc.Logs))
		}
		if inc.Logs[0].Topics[0] != counterABI.Events["Incremented"].ID {
			t.Fatalf("log topic %s is not Incremented", inc.Logs[0].Topics[0])
		}
		if got := callUint(t, eth, counterABI, deploy.ContractAddress, "count"); got != 42 {
			t.Fatalf("count() = %d after increment, want 42", got)
		}
	})

	t.Run("CreateValidatorAndDelegate", func(t *testing.T) {
		operator := newKey(t, net, "operator")
		net.sendTx("tx", "bank", "send", "dev0", operator.Address, "10"+strings.Repeat("0", 18)+"ahemi", "--gas-prices", gasPrices)

		// The new validator's consensus key comes from a fresh node home, as for a real operator.
		consHome := filepath.Join(net.root, "operator-node")
		if _, err := net.cli("init", "operator", "--chain-id", testChainID, "--home", consHome); err != nil {
			t.Fatal(err)
		}
		pubkey, err := net.cli("comet", "show-validator", "--home", consHome)
		if err != nil {
			t.Fatal(err)
		}
		validatorJSON := fmt.Sprintf(`{"pubkey": %s, "amount": "1%sahemi", "moniker": "operator",
			"commission-rate": "0.1", "commission-max-rate": "0.2", "commission-max-change-rate": "0.01",
			"min-self-delegation": "1"}`, strings.TrimSpace(pubkey), strings.Repeat("0", 18))
		file := filepath.Join(net.root, "validator.json")
		if err := os.WriteFile(file, []byte(validatorJSON), 0o600); err != nil {
			t.Fatal(err)
		}
		res := net.sendTx("tx", "staking", "create-validator", file, "--from", "operator", "--gas", "400000", "--gas-prices", gasPrices)
		if res.Code != 0 {
			t.Fatalf("create-validator failed (code %d): %s", res.Code, res.RawLog)
		}

		valoper := validatorAddress(t, net, operator.Address)
		var validator struct {
			Validator struct {
				Status string `json:"status"`
				Tokens string `json:"tokens"`
			} `json:"validator"`
		}
		queryJSON(t, net, &validator, "query", "staking", "validator", valoper)
		if validator.Validator.Status != "BOND_STATUS_BONDED" {
			t.Fatalf("new validator status %s, want BOND_STATUS_BONDED", validator.Validator.Status)
		}
		// It is in CometBFT's validator set from the next block on.
		waitForCometValidator(t, net, strings.TrimSpace(pubkey))

		res = net.sendTx("tx", "staking", "delegate", valoper, "5"+strings.Repeat("0", 18)+"ahemi", "--from", "dev1", "--gas", "300000", "--gas-prices", gasPrices)
		if res.Code != 0 {
			t.Fatalf("delegate failed (code %d): %s", res.Code, res.RawLog)
		}
		var delegation struct {
			DelegationResponse struct {
				Balance struct{ Amount string } `json:"balance"`
			} `json:"delegation_response"`
		}
		queryJSON(t, net, &delegation, "query", "staking", "delegation", net.devs[1].Address, valoper)
		if want := "5" + strings.Repeat("0", 18); delegation.DelegationResponse.Balance.Amount != want {
			t.Fatalf("delegation = %s, want %s", delegation.DelegationResponse.Balance.Amount, want)
		}
	})

	t.Run("BadInputRejectedWithoutStateChange", func(t *testing.T) {
		testBadInput(t, net, eth, bank)
	})
}

// ethClient is a JSON-RPC client of node 0, closed when the test ends.
func ethClient(t *testing.T, net *network) *ethclient.Client {
	t.Helper()
	eth, err := ethclient.Dial(net.nodes[0].JSONRPC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eth.Close)
	return eth
}

// newKey adds a key to node 0's keyring and returns its addresses.
func newKey(t *testing.T, net *network, name string) account {
	t.Helper()
	if _, err := net.cli("keys", "add", name, "--home", net.home(0), "--keyring-backend", "test", "--output", "json"); err != nil {
		t.Fatal(err)
	}
	out, err := net.cli("keys", "show", name, "-a", "--home", net.home(0), "--keyring-backend", "test")
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSpace(out)
	return account{Name: name, Address: addr, EthAddress: common.BytesToAddress(sdk.MustAccAddressFromBech32(addr)).Hex()}
}

func devKey(t *testing.T, a account) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.HexToECDSA(strings.TrimPrefix(a.PrivateKey, "0x"))
	if err != nil {
		t.Fatalf("private key of %s: %v", a.Name, err)
	}
	if got := crypto.PubkeyToAddress(key.PublicKey).Hex(); !strings.EqualFold(got, a.EthAddress) {
		t.Fatalf("private key of %s is for %s, want %s", a.Name, got, a.EthAddress)
	}
	return key
}

// signEthTx builds and signs an EIP-1559 transaction paying twice the current base fee.
func signEthTx(t *testing.T, eth *ethclient.Client, key *ecdsa.PrivateKey, chainID *big.Int, to *common.Address, value *big.Int, data []byte, gas uint64) *ethtypes.Transaction {
	t.Helper()
	ctx := context.Background()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := eth.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	head, err := eth.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if head.BaseFee == nil {
		t.Fatal("latest block has no base fee: EIP-1559 is not active")
	}
	tip := big.NewInt(1_000_000_000)
	tx := ethtypes.NewTx(&ethtypes.DynamicFeeTx{
		ChainID:   chainID,
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip),
		Gas:       gas,
		To:        to,
		Value:     value,
		Data:      data,
	})
	signed, err := ethtypes.SignTx(tx, ethtypes.LatestSignerForChainID(chainID), key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// sendEthTx signs an EIP-1559 transaction for this chain, sends it with eth_sendRawTransaction and
// waits for its receipt.
func sendEthTx(t *testing.T, eth *ethclient.Client, key *ecdsa.PrivateKey, to *common.Address, value *big.Int, data []byte, gas uint64) *ethtypes.Receipt {
	t.Helper()
	tx := signEthTx(t, eth, key, big.NewInt(testEVMChainID), to, value, data, gas)
	if err := eth.SendTransaction(context.Background(), tx); err != nil {
		t.Fatalf("eth_sendRawTransaction: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		receipt, err := eth.TransactionReceipt(context.Background(), tx.Hash())
		if err == nil {
			return receipt
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("no receipt for %s after 30 s", tx.Hash())
	return nil
}

func callUint(t *testing.T, eth *ethclient.Client, contractABI abi.ABI, addr common.Address, method string) uint64 {
	t.Helper()
	input, err := contractABI.Pack(method)
	if err != nil {
		t.Fatal(err)
	}
	out, err := eth.CallContract(context.Background(), ethereum.CallMsg{To: &addr, Data: input}, nil)
	if err != nil {
		t.Fatalf("eth_call %s: %v", method, err)
	}
	values, err := contractABI.Unpack(method, out)
	if err != nil || len(values) != 1 {
		t.Fatalf("decoding %s: %v (%d values)", method, err, len(values))
	}
	return values[0].(*big.Int).Uint64()
}

func queryJSON(t *testing.T, net *network, v any, args ...string) {
	t.Helper()
	out, err := net.cli(append(args, "--node", net.nodes[0].RPC, "--output", "json")...)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: answer is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// validatorAddress converts an account address to its hemivaloper form with the CLI.
func validatorAddress(t *testing.T, net *network, addr string) string {
	t.Helper()
	out, err := net.cli("debug", "addr", addr)
	if err != nil {
		t.Fatal(err)
	}
	hex := ""
	for _, line := range strings.Split(out, "\n") {
		if after, ok := strings.CutPrefix(line, "Address hex: "); ok {
			hex = after
		}
	}
	out, err = net.cli("debug", "addr", hex)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if after, ok := strings.CutPrefix(line, "Bech32 Val "); ok {
			return strings.TrimSpace(after)
		}
	}
	t.Fatalf("no validator address in:\n%s", out)
	return ""
}

// waitForCometValidator waits until CometBFT's validator set holds the given consensus key.
func waitForCometValidator(t *testing.T, net *network, pubkeyJSON string) {
	t.Helper()
	var pk struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal([]byte(pubkeyJSON), &pk); err != nil {
		t.Fatalf("consensus pubkey %q: %v", pubkeyJSON, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var res struct {
			Result struct {
				Validators []struct {
					PubKey struct {
						Value string `json:"value"`
					} `json:"pub_key"`
				} `json:"validators"`
			} `json:"result"`
		}
		if err := getJSON(net.nodes[0].RPC+"/validators", &res); err == nil {
			for _, v := range res.Result.Validators {
				if v.PubKey.Value == pk.Key {
					return
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("consensus key %s not in CometBFT's validator set after 30 s", pk.Key)
}
