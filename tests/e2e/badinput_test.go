package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
)

// testBadInput sends transactions with a wrong chain id, a bad signature and too little fee on
// the Cosmos path (CLI) and the Ethereum path (eth_sendRawTransaction). Each must be refused with
// an error that names the problem, and no balance or nonce may change.
func testBadInput(t *testing.T, net *network, eth *ethclient.Client, bank banktypes.QueryClient) {
	sender, recipient := net.devs[0], net.devs[1]
	ctx := context.Background()
	balance := func(a account) string {
		res, err := bank.Balance(ctx, &banktypes.QueryBalanceRequest{Address: a.Address, Denom: "ahemi"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Balance.Amount.String()
	}
	nonce := func(a account) uint64 {
		n, err := eth.NonceAt(ctx, common.HexToAddress(a.EthAddress), nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	type snapshot struct {
		senderBalance, recipientBalance string
		senderNonce                     uint64
	}
	take := func() snapshot { return snapshot{balance(sender), balance(recipient), nonce(sender)} }
	// The chain is idle between the subtests' transactions, so nothing else moves these values.
	assertUnchanged := func(t *testing.T, before snapshot) {
		t.Helper()
		net.waitHeight(0, mustHeight(t, net)+2, 30*time.Second) // let a would-be inclusion happen first
		if after := take(); after != before {
			t.Fatalf("state changed: before %+v, after %+v", before, after)
		}
	}

	send := []string{"tx", "bank", "send", sender.Name, recipient.Address, "1000ahemi"}
	// cosmosRejected runs a CLI send that must be refused in CheckTx with the given error text.
	cosmosRejected := func(t *testing.T, wantErr string, args ...string) {
		t.Helper()
		out, err := net.cli(args...)
		var res txResult
		if err == nil {
			if jerr := json.Unmarshal([]byte(lastJSONLine(out)), &res); jerr != nil {
				t.Fatalf("answer is not JSON: %v\n%s", jerr, out)
			}
			if res.Code == 0 {
				t.Fatalf("accepted, want rejection with %q: %s", wantErr, out)
			}
			out = res.RawLog
		} else {
			out = err.Error()
		}
		if !strings.Contains(out, wantErr) {
			t.Fatalf("error %q does not say %q", out, wantErr)
		}
		t.Logf("rejected: %s", out)
	}

	t.Run("CosmosWrongChainID", func(t *testing.T) {
		before := take()
		args := append(append([]string{}, send...), "--gas-prices", gasPrices)
		flags := net.txFlags()
		for i := range flags {
			if flags[i] == testChainID {
				flags[i] = "hemitest_74304-1"
			}
		}
		cosmosRejected(t, "signature verification failed", append(args, flags...)...)
		assertUnchanged(t, before)
	})

	t.Run("CosmosBadSignature", func(t *testing.T) {
		before := take()
		dir := t.TempDir()
		unsigned, err := net.cli(append(append(append([]string{}, send...), "--gas-prices", gasPrices, "--generate-only"), net.txFlags()...)...)
		if err != nil {
			t.Fatal(err)
		}
		unsignedFile := filepath.Join(dir, "unsigned.json")
		writeFile(t, unsignedFile, unsigned)
		signed, err := net.cli("tx", "sign", unsignedFile, "--from", sender.Name, "--home", net.home(0), "--keyring-backend", "test",
			"--chain-id", testChainID, "--node", net.nodes[0].RPC, "--output", "json")
		if err != nil {
			t.Fatal(err)
		}
		var tx map[string]any
		if err := json.Unmarshal([]byte(signed), &tx); err != nil {
			t.Fatalf("signed tx is not JSON: %v", err)
		}
		sigs := tx["signatures"].([]any)
		sig, err := base64.StdEncoding.DecodeString(sigs[0].(string))
		if err != nil || len(sig) == 0 {
			t.Fatalf("signature: %v", err)
		}
		sig[len(sig)/2] ^= 0x01
		sigs[0] = base64.StdEncoding.EncodeToString(sig)
		tampered, _ := json.Marshal(tx)
		tamperedFile := filepath.Join(dir, "tampered.json")
		writeFile(t, tamperedFile, string(tampered))
		cosmosRejected(t, "signature verification failed", "tx", "broadcast", tamperedFile, "--node", net.nodes[0].RPC, "--output", "json")
		assertUnchanged(t, before)
	})

	t.Run("CosmosFeeTooLow", func(t *testing.T) {
		before := take()
		cosmosRejected(t, "insufficient fee", append(append(append([]string{}, send...), "--fees", "1ahemi"), net.txFlags()...)...)
		assertUnchanged(t, before)
	})

	key := devKey(t, sender)
	to := common.HexToAddress(recipient.EthAddress)
	ethRejected := func(t *testing.T, tx *ethtypes.Transaction, wantErr string) {
		t.Helper()
		err := eth.SendTransaction(ctx, tx)
		if err == nil {
			t.Fatalf("eth_sendRawTransaction accepted tx %s, want rejection with %q", tx.Hash(), wantErr)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %q does not say %q", err, wantErr)
		}
		t.Logf("rejected: %v", err)
	}

	t.Run("EthereumWrongChainID", func(t *testing.T) {
		before := take()
		ethRejected(t, signEthTx(t, eth, key, big.NewInt(testEVMChainID+1), &to, big.NewInt(1000), nil, 21000), "chain")
		assertUnchanged(t, before)
	})

	t.Run("EthereumBadSignature", func(t *testing.T) {
		before := take()
		tx := signEthTx(t, eth, key, big.NewInt(testEVMChainID), &to, big.NewInt(1000), nil, 21000)
		// An s above half the curve order is invalid since Homestead (EIP-2).
		v, r, _ := tx.RawSignatureValues()
		highS := new(big.Int).Sub(crypto.S256().Params().N, big.NewInt(1))
		sig := make([]byte, 65)
		r.FillBytes(sig[:32])
		highS.FillBytes(sig[32:64])
		sig[64] = byte(v.Uint64())
		bad, err := tx.WithSignature(ethtypes.LatestSignerForChainID(big.NewInt(testEVMChainID)), sig)
		if err != nil {
			t.Fatal(err)
		}
		ethRejected(t, bad, "invalid transaction v, r, s values")
		assertUnchanged(t, before)
	})

	t.Run("EthereumFeeTooLow", func(t *testing.T) {
		before := take()
		n := nonce(sender)
		tx, err := ethtypes.SignTx(ethtypes.NewTx(&ethtypes.DynamicFeeTx{
			ChainID: big.NewInt(testEVMChainID), Nonce: n, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(1),
			Gas: 21000, To: &to, Value: big.NewInt(1000),
		}), ethtypes.LatestSignerForChainID(big.NewInt(testEVMChainID)), key)
		if err != nil {
			t.Fatal(err)
		}
		ethRejected(t, tx, "fee")
		assertUnchanged(t, before)
	})
}

// mustHeight is node 0's last height the app has committed (ABCI Info), the newest a query may
// name: CometBFT's /status counts a block once it is stored, which can be before the app has
// committed it, and a query at that height is then "in the future".
func mustHeight(t *testing.T, net *network) int64 {
	t.Helper()
	var res struct {
		Result struct {
			Response struct {
				LastBlockHeight string `json:"last_block_height"`
			} `json:"response"`
		} `json:"result"`
	}
	if err := getJSON(net.nodes[0].RPC+"/abci_info", &res); err != nil {
		t.Fatal(err)
	}
	h, err := strconv.ParseInt(res.Result.Response.LastBlockHeight, 10, 64)
	if err != nil {
		t.Fatalf("abci_info last_block_height %q: %v", res.Result.Response.LastBlockHeight, err)
	}
	return h
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
