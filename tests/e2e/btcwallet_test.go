package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/common"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

const erc20BalanceOfABI = `[{"type":"function","name":"balanceOf","stateMutability":"view","inputs":[{"name":"a","type":"address"}],"outputs":[{"name":"","type":"uint256"}]}]`

// btcWalletFlags are the flags every `hemid btc` wallet command takes: btc's node, node 0 and
// its test keyring, as the relayer and the popminer take them.
func btcWalletFlags(net *network, btc *btcdtest.Node, key string) []string {
	cfg := btc.ClientConfig()
	return []string{
		"--btc-rpc", cfg.URL, "--btc-user", cfg.User, "--btc-password", cfg.Password, "--network", bitcoin.RegTest,
		"--hemid-grpc", net.nodes[0].GRPC, "--chain-id", testChainID,
		"--home", net.home(0), "--keyring-backend", "test", "--key", key, "--poll-interval", "300ms",
	}
}

// btcStatus runs `hemid btc status` and returns its line(s).
func btcStatus(t *testing.T, net *network, what string) string {
	t.Helper()
	out, err := net.cli("btc", "status", what, "--hemid-grpc", net.nodes[0].GRPC)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitBTCStatus waits until `hemid btc status` starts with prefix.
func waitBTCStatus(t *testing.T, net *network, what, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var out string
	for time.Now().Before(deadline) {
		if out = btcStatus(t, net, what); strings.HasPrefix(out, prefix) {
			return out
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("status of %s is %q after %s, want %q", what, out, timeout, prefix)
	return ""
}

// TestBTCWallet runs btcd regtest, hemid (with a vault whose key is imported as "custodian", a
// keystone every 10 blocks), the relayer and the popminer as processes, with a Bitcoin block mined
// every second, and drives x/tunnel through the `hemid btc` commands: a deposit made with
// `hemid btc deposit --prove` prints its outpoint and its status lines from unproven through
// pending k/6 to minted, and the minted sat show in bank REST and in hemiBTC's ERC-20 balanceOf
// over JSON-RPC; its provenance, followed from then on, gives its lock proof, the hemi blocks that
// proved and minted it, and its covering keystone, first unpublished, then published in Bitcoin
// and flipping to superfinal; a withdrawal is paid once by
// `hemid btc pay-withdrawals`, which proves it, and completes; a second withdrawal, left unpaid,
// passes its deadline and is refunded; a deposit fee-bumped with `hemid btc bump` before it is
// mined is minted once, under the replacement's txid.
//
// The deposit is proven by the wallet itself (--prove): the relayer proves headers and PoP
// publications here, not vault outputs.
func TestBTCWallet(t *testing.T) {
	depositorKey, custodianKey, minerKey := datagen.KeyFromSeed(31), datagen.KeyFromSeed(32), datagen.KeyFromSeed(34)
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: depositorKey})
	// btcd's regtest enforces segwit, which spending the P2WPKH vault needs, from height 432.
	btc.Generate(440)
	fundPoPMiner(t, btc, depositorKey, minerKey)
	net := newNetwork(t, 1, 2, append(btcEnv(btc), "KEYSTONE_INTERVAL=10",
		"IMPORTED_KEYS=depositor:"+hex.EncodeToString(depositorKey.Serialize())+" custodian:"+hex.EncodeToString(custodianKey.Serialize())+
			" popminer:"+hex.EncodeToString(minerKey.Serialize()))...)
	gs := tunneltypes.DefaultGenesis()
	gs.Params.VaultScript = datagen.P2WPKHScript(t, custodianKey.PubKey())
	gs.Params.WithdrawalTimeoutBlocks = 20
	genesis := filepath.Join(net.home(0), "config", "genesis.json")
	setModuleGenesis(t, genesis, tunneltypes.ModuleName, gs)
	if _, err := net.cli("genesis", "validate", "--home", net.home(0)); err != nil {
		t.Fatal(err)
	}
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)
	startRelayer(t, net, btc, "", 500)
	// The popminer anchors the chain in Bitcoin, for the deposit's provenance; it is stopped
	// before the RBF case, which needs a mempool of the deposit alone.
	miner := startPoPMiner(t, net, btc)
	t.Cleanup(miner.stop)

	var mining atomic.Bool // the RBF case pauses mining
	mining.Store(true)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				if mining.Load() {
					var hashes []string
					_ = btc.Client().Call(context.Background(), "generate", []any{1}, &hashes)
				}
			}
		}
	}()

	dev := net.devs[1] // dev0 signs the relayer's transactions
	var outpoint string
	t.Run("deposit", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, hemidBin, append([]string{"btc", "deposit", "--to", dev.EthAddress, "--amount", "50000", "--prove",
			"--timeout", "4m", "--address-kind", "p2pkh"}, btcWalletFlags(net, btc, "depositor")...)...)
		out, err := cmd.CombinedOutput()
		t.Logf("hemid btc deposit:\n%s", out)
		if err != nil {
			t.Fatalf("hemid btc deposit: %v", err)
		}
		m := regexp.MustCompile(`(?m)^outpoint ([0-9a-f]{64}:0)$`).FindSubmatch(out)
		if m == nil {
			t.Fatal("no outpoint printed")
		}
		outpoint = string(m[1])
		// The status lines, in order: unproven, pending k/6 (blocks come every second, so which k
		// are seen varies), minted.
		lines := string(out)
		unproven := strings.Index(lines, " unproven: ")
		pending := regexp.MustCompile(` pending [1-6]/6 confirmations: 50000 sat to `).FindStringIndex(lines)
		minted := strings.Index(lines, " minted at hemi height ")
		if unproven < 0 || pending == nil || minted < 0 || !(unproven < pending[0] && pending[0] < minted) {
			t.Fatalf("want the status lines unproven, pending k/6, minted, in that order")
		}
		if status := btcStatus(t, net, outpoint); !strings.HasPrefix(status, "minted at hemi height ") || !strings.Contains(status, "50000 sat to "+dev.Address) {
			t.Fatalf("hemid btc status %s: %q", outpoint, status)
		}
		var bal struct {
			Balance struct{ Amount string } `json:"balance"`
		}
		if err := getJSON(net.nodes[0].API+"/cosmos/bank/v1beta1/balances/"+dev.Address+"/by_denom?denom="+tunneltypes.Denom, &bal); err != nil || bal.Balance.Amount != "50000" {
			t.Fatalf("bank REST: %+v, %v; want 50000 sat", bal, err)
		}
		token := abiClient{eth: ethClient(t, net), abi: mustABI(t, erc20BalanceOfABI), addr: common.HexToAddress(params.HemiBTCAddress)}
		var erc20 *big.Int
		token.mustCall(t, nil, &erc20, "balanceOf", common.HexToAddress(dev.EthAddress))
		if erc20.Int64() != 50_000 {
			t.Fatalf("hemiBTC balanceOf = %s, want 50000", erc20)
		}
	})
	if outpoint == "" {
		t.FailNow()
	}
	// From the mint on, the deposit's provenance is watched while the withdrawals run: its
	// covering keystone appears, is published, and flips to superfinal.
	tunnelQuery := tunneltypes.NewQueryClient(grpcConn(t, net))
	watched := watchProvenance(tunnelQuery, outpoint, 6*time.Minute)

	payee := hex.EncodeToString(datagen.P2WPKHScript(t, datagen.KeyFromSeed(33).PubKey()))
	t.Run("withdrawals", func(t *testing.T) {
		for _, amount := range []string{"30000", "15000"} {
			if res := net.sendTx("tx", "tunnel", "withdraw", amount, payee, "--from", dev.Name, "--gas", "300000", "--gas-prices", gasPrices); res.Code != 0 {
				t.Fatalf("withdraw %s: code %d: %s", amount, res.Code, res.RawLog)
			}
		}
		if s := btcStatus(t, net, "2"); !strings.HasPrefix(s, "queued: 15000 sat") {
			t.Fatalf("withdrawal 2: %q", s)
		}
		logPath := filepath.Join(net.root, "custodian.log")
		custodian := startProcess(t, logPath, hemidBin, append([]string{"btc", "pay-withdrawals", "--id", "1"}, btcWalletFlags(net, btc, "custodian")...)...)
		completed := waitBTCStatus(t, net, "1", "completed at hemi height ", 3*time.Minute)
		custodian.stop()
		log, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(log), "withdrawal 1: paid "); n != 1 {
			t.Fatalf("the custodian paid withdrawal 1 %d times:\n%s", n, log)
		}
		if strings.Contains(string(log), "withdrawal 2") {
			t.Fatalf("the custodian touched withdrawal 2, which --id leaves out:\n%s", log)
		}
		txid := regexp.MustCompile(`by Bitcoin transaction ([0-9a-f]{64})`).FindStringSubmatch(completed)
		if txid == nil || !strings.Contains(string(log), txid[1]) {
			t.Fatalf("completed by %v, which the custodian did not send:\n%s", txid, log)
		}

		// Withdrawal 2 is not paid: once x/btclc passes its deadline, anyone refunds it.
		waitBTCStatus(t, net, "2", "queued: 15000 sat", time.Second)
		deadline := time.Now().Add(3 * time.Minute)
		for !strings.Contains(btcStatus(t, net, "2"), "(passed:") {
			if time.Now().After(deadline) {
				t.Fatalf("withdrawal 2's deadline did not pass: %q", btcStatus(t, net, "2"))
			}
			time.Sleep(time.Second)
		}
		if res := net.sendTx("tx", "tunnel", "refund-withdrawal", "2", "--from", dev.Name, "--gas", "300000", "--gas-prices", gasPrices); res.Code != 0 {
			t.Fatalf("refund: code %d: %s", res.Code, res.RawLog)
		}
		if s := btcStatus(t, net, "2"); !strings.HasPrefix(s, "refunded at hemi height ") {
			t.Fatalf("withdrawal 2 after the refund: %q", s)
		}
		var bal struct {
			Balance struct{ Amount string } `json:"balance"`
		}
		if err := getJSON(net.nodes[0].API+"/cosmos/bank/v1beta1/balances/"+dev.Address+"/by_denom?denom="+tunneltypes.Denom, &bal); err != nil ||
			bal.Balance.Amount != fmt.Sprint(50_000-30_000) {
			t.Fatalf("after a completed 30000 and a refunded 15000: %+v, %v; want 20000 sat", bal, err)
		}
	})

	t.Run("provenance", func(t *testing.T) {
		w := <-watched
		if w.err != nil {
			t.Fatal(w.err)
		}
		if w.anchored == nil || w.anchored.Anchoring.Status.Superfinal {
			t.Fatal("the covering keystone was never seen before it was superfinal")
		}
		t.Logf("first seen: keystone %d, %d publications, %d confirmations, not superfinal", w.anchored.Anchoring.Keystone.Height,
			len(w.anchored.Anchoring.Status.Publications), w.anchored.Anchoring.Status.Confirmations)
		prov := w.superfinal
		if prov.Deposit.Status != tunneltypes.DEPOSIT_STATUS_MINTED || prov.Deposit.Amount != 50_000 || prov.Deposit.Recipient != dev.Address {
			t.Fatalf("provenance deposit: %+v", prov.Deposit)
		}
		// (1) the lock proof, which verifies again: the txid of the recorded transaction is the
		// outpoint's, in the recorded block, canonical and deep.
		lock := prov.Lock
		if lock.Txid+":0" != outpoint || !lock.OnMainChain || lock.Confirmations < 6 || lock.Proof.BtcBlockHash != lock.BtcBlockHash {
			t.Fatalf("provenance lock: %+v", lock)
		}
		if txid, err := bitcoin.TxID(lock.Proof.Tx); err != nil || txid.String() != lock.Txid {
			t.Fatalf("the lock proof's transaction has txid %v (%v), want %s", txid, err, lock.Txid)
		}
		if hash, err := btc.Client().GetBlockHash(context.Background(), int64(lock.BtcHeight)); err != nil || hash.String() != lock.BtcBlockHash {
			t.Fatalf("btcd's block at %d is %v (%v), the lock proof's %s", lock.BtcHeight, hash, err, lock.BtcBlockHash)
		}
		// (2) the hemi blocks that proved and minted it.
		if m := prov.Minting; m.ProvenHeight == 0 || m.MintedHeight <= m.ProvenHeight || len(m.ProvenTxHash) != 64 {
			t.Fatalf("provenance minting: %+v", m)
		}
		// (3) the covering keystone, with its own publications in canonical Bitcoin blocks, their
		// confirmations, and superfinal.
		a := prov.Anchoring
		if a.Keystone.Height <= prov.Minting.MintedHeight || a.Status.KeystoneHeight != a.Keystone.Height {
			t.Fatalf("covering keystone %d for a deposit minted at %d", a.Keystone.Height, prov.Minting.MintedHeight)
		}
		if len(a.Status.Publications) == 0 || a.Status.FirstBtcHeight == 0 || a.Status.Confirmations == 0 {
			t.Fatalf("covering keystone %d: no publication of its own: %+v", a.Keystone.Height, a.Status)
		}
		for _, p := range a.Status.Publications {
			if !p.OnMainChain || p.Publication.BtcHeight < a.Status.FirstBtcHeight {
				t.Fatalf("publication %+v of keystone %d", p, a.Keystone.Height)
			}
		}
		t.Logf("deposit %s minted at hemi height %d; keystone %d: %d publications, first in Bitcoin block %d, %d confirmations, superfinal",
			outpoint, prov.Minting.MintedHeight, a.Keystone.Height, len(a.Status.Publications), a.Status.FirstBtcHeight, a.Status.Confirmations)
		// The query as a user runs it, and the wallet's status line, say the same.
		out, err := net.cli("query", "tunnel", "provenance", outpoint, "--node", net.nodes[0].RPC, "-o", "json")
		if err != nil || !regexp.MustCompile(`"superfinal":\s*true`).MatchString(out) {
			t.Fatalf("hemid query tunnel provenance %s: %v\n%s", outpoint, err, out)
		}
		if s := btcStatus(t, net, outpoint); !strings.Contains(s, fmt.Sprintf("anchoring: keystone %d published in Bitcoin block %d ", a.Keystone.Height, a.Status.FirstBtcHeight)) || !strings.Contains(s, ", superfinal") {
			t.Fatalf("hemid btc status %s: %q", outpoint, s)
		}
	})
	if miner.exited() {
		t.Fatal("the popminer exited")
	}
	miner.stop()
	waitMempoolEmpty(t, btc, time.Minute)

	t.Run("bumped deposit", func(t *testing.T) {
		mining.Store(false)
		time.Sleep(1500 * time.Millisecond) // a generate under way ends
		flags := btcWalletFlags(net, btc, "depositor")
		out, err := net.cli(append([]string{"btc", "deposit", "--to", dev.Address, "--amount", "20000", "--fee-rate", "1", "--wait=false",
			"--address-kind", "p2pkh"}, flags...)...)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^outpoint ([0-9a-f]{64}):0$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no outpoint printed:\n%s", out)
		}
		original := m[1]
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		bump := exec.CommandContext(ctx, hemidBin, append([]string{"btc", "bump", original, "--fee-rate", "5", "--wait", "--prove", "--timeout", "3m",
			"--address-kind", "p2pkh"}, flags...)...)
		done := make(chan []byte)
		go func() {
			out, err := bump.CombinedOutput()
			if err != nil {
				out = append(out, []byte("\nexit: "+err.Error())...)
			}
			done <- out
		}()
		// Mining resumes once the replacement is the mempool's only transaction.
		deadline := time.Now().Add(time.Minute)
		for {
			var pool []string
			if err := btc.Client().Call(context.Background(), "getrawmempool", nil, &pool); err == nil && len(pool) == 1 && pool[0] != original {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the replacement did not reach btcd's mempool")
			}
			time.Sleep(200 * time.Millisecond)
		}
		mining.Store(true)
		bumpOut := string(<-done)
		t.Logf("hemid btc bump:\n%s", bumpOut)
		m = regexp.MustCompile(`(?m)^outpoint ([0-9a-f]{64}:0)$`).FindStringSubmatch(bumpOut)
		if m == nil || strings.Contains(bumpOut, "exit: ") || !strings.Contains(bumpOut, " minted at hemi height ") {
			t.Fatal("hemid btc bump did not follow the replacement to minted")
		}
		replacement := m[1]
		if s := btcStatus(t, net, replacement); !strings.HasPrefix(s, "minted at hemi height ") {
			t.Fatalf("the replacement %s: %q", replacement, s)
		}
		if s := btcStatus(t, net, original+":0"); !strings.HasPrefix(s, "unproven: ") {
			t.Fatalf("the original %s:0: %q, want unproven", original, s)
		}
		var bal struct {
			Balance struct{ Amount string } `json:"balance"`
		}
		if err := getJSON(net.nodes[0].API+"/cosmos/bank/v1beta1/balances/"+dev.Address+"/by_denom?denom="+tunneltypes.Denom, &bal); err != nil ||
			bal.Balance.Amount != fmt.Sprint(20_000+20_000) {
			t.Fatalf("after the bumped deposit: %+v, %v; want 40000 sat (minted once)", bal, err)
		}
	})
}

// fundPoPMiner pays minerKey's regtest P2PKH address five coins from from's mature coinbases and
// mines them, so the popminer has confirmed coins of its own that no other wallet spends.
func fundPoPMiner(t *testing.T, btc *btcdtest.Node, from, minerKey *btcec.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	w, err := wallet.New(from, &chaincfg.RegressionNetParams, wallet.P2PKH, btc.Client())
	if err != nil {
		t.Fatal(err)
	}
	utxos, err := w.UTXOs(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := btcdtest.RegtestAddress(minerKey)
	if err != nil {
		t.Fatal(err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		t.Fatal(err)
	}
	var outputs []*wire.TxOut
	for range 5 {
		outputs = append(outputs, wire.NewTxOut(100_000_000, script))
	}
	tx, _, err := w.BuildTx(utxos, outputs, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Broadcast(ctx, tx); err != nil {
		t.Fatal(err)
	}
	btc.Generate(1)
}

// provenanceWatch is what watchProvenance saw of a deposit's provenance.
type provenanceWatch struct {
	// anchored is the first answer with a covering keystone that was not superfinal yet.
	anchored *tunneltypes.QueryProvenanceResponse
	// superfinal is the first answer whose covering keystone is superfinal.
	superfinal *tunneltypes.QueryProvenanceResponse
	err        error
}

// watchProvenance polls x/tunnel's provenance of outpoint every half second until its covering
// keystone is superfinal, checking on the way that the answer only moves forward: once found,
// it stays found with the same keystone, and its confirmations never drop.
func watchProvenance(q tunneltypes.QueryClient, outpoint string, timeout time.Duration) <-chan provenanceWatch {
	done := make(chan provenanceWatch, 1)
	go func() {
		var w provenanceWatch
		defer func() { done <- w }()
		var last *tunneltypes.QueryProvenanceResponse
		for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			res, err := q.Provenance(context.Background(), &tunneltypes.QueryProvenanceRequest{Outpoint: outpoint})
			if err != nil {
				w.err = err
				return
			}
			if last != nil && last.Anchoring.Found && (!res.Anchoring.Found || res.Anchoring.Keystone.Height != last.Anchoring.Keystone.Height ||
				res.Anchoring.Status.Confirmations < last.Anchoring.Status.Confirmations) {
				w.err = fmt.Errorf("provenance went back: %+v after %+v", res.Anchoring, last.Anchoring)
				return
			}
			last = res
			switch {
			case res.Anchoring.Found && res.Anchoring.Status.Superfinal:
				w.superfinal = res
				return
			case res.Anchoring.Found && w.anchored == nil:
				w.anchored = res
			}
		}
		w.err = fmt.Errorf("the provenance of %s did not reach superfinal in %s: %+v", outpoint, timeout, last)
	}()
	return done
}

// waitMempoolEmpty waits until btcd's mempool is empty (blocks are being mined).
func waitMempoolEmpty(t *testing.T, btc *btcdtest.Node, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(500 * time.Millisecond) {
		var pool []string
		if err := btc.Client().Call(context.Background(), "getrawmempool", nil, &pool); err == nil && len(pool) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("btcd's mempool did not empty")
		}
	}
}
