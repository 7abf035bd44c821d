package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/ethereum/go-ethereum/crypto"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// rewardsAndFees adds up, over blocks 1..height, the EventPoPReward amounts paid to addr and the
// fees of the transactions addr paid for, from CometBFT's block results.
func rewardsAndFees(t *testing.T, net *network, addr string, height int64) (rewards, fees sdkmath.Int) {
	t.Helper()
	rewards, fees = sdkmath.ZeroInt(), sdkmath.ZeroInt()
	type event struct {
		Type       string                        `json:"type"`
		Attributes []struct{ Key, Value string } `json:"attributes"`
	}
	attr := func(e event, key string) string {
		for _, a := range e.Attributes {
			if a.Key == key {
				return strings.Trim(a.Value, `"`) // typed events quote their values as JSON
			}
		}
		return ""
	}
	coin := func(s string) sdkmath.Int {
		c, err := sdk.ParseCoinNormalized(s)
		if err != nil {
			t.Fatalf("coin %q: %v", s, err)
		}
		return c.Amount
	}
	for h := int64(1); h <= height; h++ {
		var res struct {
			Result struct {
				TxsResults []struct {
					Events []event `json:"events"`
				} `json:"txs_results"`
				FinalizeBlockEvents []event `json:"finalize_block_events"`
			} `json:"result"`
		}
		if err := getJSON(fmt.Sprintf("%s/block_results?height=%d", net.nodes[0].RPC, h), &res); err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Result.FinalizeBlockEvents {
			if e.Type == "hemi.pop.v1.EventPoPReward" && attr(e, "payee") == addr {
				rewards = rewards.Add(coin(attr(e, "amount")))
			}
		}
		for _, tx := range res.Result.TxsResults {
			for _, e := range tx.Events {
				if e.Type == "tx" && attr(e, "fee_payer") == addr && attr(e, "fee") != "" {
					fees = fees.Add(coin(attr(e, "fee")))
				}
			}
		}
	}
	return rewards, fees
}

// popMinerEnv imports the miner's key as node 0's "popminer" key and sets a keystone every 10
// blocks.
func popMinerEnv(minerKey *btcec.PrivateKey) []string {
	return []string{"IMPORTED_KEYS=popminer:" + hex.EncodeToString(minerKey.Serialize()), "KEYSTONE_INTERVAL=10"}
}

// startPoPMiner runs the popminer process with node 0's "popminer" key.
func startPoPMiner(t *testing.T, net *network, btc *btcdtest.Node) *process {
	t.Helper()
	cfg := btc.ClientConfig()
	// The password comes from a file, as in production, not from the command line.
	passwordFile := filepath.Join(net.root, "btc-rpc-password")
	if err := os.WriteFile(passwordFile, []byte(cfg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return startProcess(t, filepath.Join(net.root, "popminer.log"), hemidBin, "popminer",
		"--btc-rpc", cfg.URL, "--btc-user", cfg.User, "--btc-password-file", passwordFile,
		"--network", bitcoin.RegTest, "--address-kind", "p2pkh",
		"--hemid-grpc", net.nodes[0].GRPC, "--chain-id", testChainID,
		"--home", net.home(0), "--keyring-backend", "test", "--key", "popminer",
		"--state-file", filepath.Join(net.root, "popminer-state.json"),
		"--poll-interval", "300ms", "--bump-after", "3", "--metrics", "")
}

// TestPoPMinerReachesSuperfinality runs btcd, hemid (a keystone every 10 blocks), the relayer and
// the popminer as processes, with a Bitcoin block mined every second: keystones are published,
// proven and become superfinal, and the miner's hemi account receives PoP rewards.
func TestPoPMinerReachesSuperfinality(t *testing.T) {
	minerKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e popminer key, 32 bytes!"))
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey}) // coinbases fund the miner
	btc.Generate(110)                                                // 10 mature coinbases
	net, _ := btcNetwork(t, btc, popMinerEnv(minerKey)...)
	conn := grpcConn(t, net)
	pop := poptypes.NewQueryClient(conn)
	bank := banktypes.NewQueryClient(conn)
	payee := sdk.AccAddress(crypto.PubkeyToAddress(minerKey.ToECDSA().PublicKey).Bytes()).String()
	before, err := bank.Balance(context.Background(), &banktypes.QueryBalanceRequest{Address: payee, Denom: "ahemi"})
	if err != nil {
		t.Fatal(err)
	}

	relayer := startRelayer(t, net, btc, fmt.Sprintf("127.0.0.1:%d", freePortBase(t, 1)), 200)
	t.Cleanup(relayer.stop)
	miner := startPoPMiner(t, net, btc)
	t.Cleanup(miner.stop)

	// Killed right after it signed and broadcast its first publication (before any proof), the
	// miner comes back from its state file and publishes nothing twice (checked at the end).
	logPath := filepath.Join(net.root, "popminer.log")
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if b, _ := os.ReadFile(logPath); strings.Contains(string(b), "publishing keystone") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the miner published nothing in 2 minutes")
		}
	}
	miner.kill()
	miner = startPoPMiner(t, net, btc)
	t.Cleanup(miner.stop)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // Bitcoin keeps going: a block a second
		for ctx.Err() == nil {
			btc.Generate(1)
			time.Sleep(time.Second)
		}
	}()

	deadline := time.Now().Add(4 * time.Minute)
	var fin *poptypes.QueryFinalityResponse
	for time.Now().Before(deadline) {
		fin, err = pop.Finality(context.Background(), &poptypes.QueryFinalityRequest{})
		if err == nil && fin.LatestSuperfinal != nil {
			break
		}
		time.Sleep(time.Second)
	}
	if fin == nil || fin.LatestSuperfinal == nil {
		t.Fatalf("no keystone became superfinal in 4 minutes (last answer %v, err %v)", fin, err)
	}
	t.Logf("keystone %d is superfinal", fin.LatestSuperfinal.Height)

	status, err := pop.KeystoneStatus(context.Background(), &poptypes.QueryKeystoneStatusRequest{Height: fin.LatestSuperfinal.Height})
	if err != nil {
		t.Fatal(err)
	}
	if !status.Status.Superfinal || status.Status.Confirmations < 6 {
		t.Fatalf("keystone-status of the final keystone: %+v", status.Status)
	}
	if miner.exited() || relayer.exited() {
		t.Fatal("a daemon exited")
	}

	// The payee's balance is exactly what the chain says it earned and paid: once everything
	// stops, balance = before + every EventPoPReward to it - the fees of its proof transactions.
	miner.stop()
	relayer.stop()
	cancel()
	net.waitHeight(0, mustHeight(t, net)+3, time.Minute)
	after, err := bank.Balance(context.Background(), &banktypes.QueryBalanceRequest{Address: payee, Denom: "ahemi"})
	if err != nil {
		t.Fatal(err)
	}
	rewards, fees := rewardsAndFees(t, net, payee, mustHeight(t, net))
	want := before.Balance.Amount.Add(rewards).Sub(fees)
	if !after.Balance.Amount.Equal(want) {
		t.Fatalf("payee balance %s, want %s = %s + rewards %s - fees %s", after.Balance.Amount, want, before.Balance.Amount, rewards, fees)
	}
	if !rewards.IsPositive() {
		t.Fatal("no EventPoPReward paid the miner")
	}
	t.Logf("payee %s: +%s ahemi in rewards, -%s ahemi in proof fees, balance %s exactly", payee, rewards, fees, after.Balance.Amount)

	// Every keystone was published at most once: one mined HEMI transaction per keystone height.
	client := btc.Client()
	tip, err := client.GetBlockCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	published := map[uint32]string{}
	for h := int64(1); h <= tip; h++ {
		for _, tx := range btc.BlockAt(h).Transactions {
			payload, err := bitcoin.FindPoPPayload(tx)
			if err != nil {
				continue
			}
			if first, dup := published[payload.KeystoneHeight]; dup {
				t.Fatalf("keystone %d published twice: %s and %s", payload.KeystoneHeight, first, tx.TxHash())
			}
			published[payload.KeystoneHeight] = tx.TxHash().String()
		}
	}
	if len(published) == 0 {
		t.Fatal("no publication found in Bitcoin's chain")
	}
	t.Logf("%d keystones published, each once", len(published))
}
