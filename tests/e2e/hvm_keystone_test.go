package e2e

import (
	"context"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/hemi-appchain/hemi/contracts"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/x/hvm/precompiles/ibitcoin"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// cliKeystone is what `hemid query pop keystone-status k --height h` reports, as the IBitcoin
// answer it stands for: an unknown keystone is None; otherwise the status follows the
// confirmations (0: Unpublished; below the depth: Published) and superfinality.
func cliKeystone(t *testing.T, net *network, k uint64, h int64) keystoneAnswer {
	t.Helper()
	out, err := net.cli("query", "pop", "keystone-status", strconv.FormatUint(k, 10),
		"--height", strconv.FormatInt(h, 10), "--node", net.nodes[0].RPC, "--output", "json")
	if err != nil {
		if strings.Contains(err.Error(), poptypes.ErrUnknownKeystone.Error()) {
			return keystoneAnswer{Status: ibitcoin.KeystoneNone}
		}
		t.Fatal(err)
	}
	var res struct {
		Status struct {
			Confirmations string `json:"confirmations"` // 64-bit integers are strings; 0 is left out
			Superfinal    bool   `json:"superfinal"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("keystone-status answer is not JSON: %v\n%s", err, out)
	}
	a := keystoneAnswer{Superfinal: res.Status.Superfinal}
	if res.Status.Confirmations != "" {
		if a.Confirmations, err = strconv.ParseUint(res.Status.Confirmations, 10, 64); err != nil {
			t.Fatalf("keystone-status confirmations %q: %v", res.Status.Confirmations, err)
		}
	}
	switch {
	case a.Superfinal:
		a.Status = ibitcoin.KeystoneSuperfinal
	case a.Confirmations > 0:
		a.Status = ibitcoin.KeystonePublished
	default:
		a.Status = ibitcoin.KeystoneUnpublished
	}
	return a
}

// TestHVMKeystone follows a live keystone with btcd regtest, the relayer and the PoP miner as
// processes, Bitcoin blocks mined one at a time by the test: at every step IBitcoin.keystone(k),
// with eth_call at hemi block h, reports what `hemid query pop keystone-status k --height h`
// reports: unpublished, then 1, 2, … confirmations, then superfinal.
func TestHVMKeystone(t *testing.T) {
	minerKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e hvm keystone key 32 by!"))
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey})
	btc.Generate(110) // mature coinbases pay the miner's fees
	net, lc := btcNetwork(t, btc, popMinerEnv(minerKey)...)
	relayer := startRelayer(t, net, btc, "", 200)
	t.Cleanup(relayer.stop)
	pop := poptypes.NewQueryClient(grpcConn(t, net))
	eth := ethClient(t, net)
	ibtc := abiClient{eth: eth, abi: mustABI(t, contracts.IBitcoinABI), addr: ibitcoin.Address}
	ctx := context.Background()

	// same checks keystone(k) against the CLI at the latest hemi height and returns the answer.
	same := func(k uint64) keystoneAnswer {
		t.Helper()
		h := mustHeight(t, net)
		var got keystoneAnswer
		ibtc.mustCall(t, big.NewInt(h), &got, "keystone", k)
		want := cliKeystone(t, net, k, h)
		if got != want {
			t.Fatalf("at hemi height %d keystone(%d) = %+v, keystone-status says %+v", h, k, got, want)
		}
		t.Logf("hemi height %d: keystone(%d) = %+v, as keystone-status says", h, k, got)
		return got
	}

	const k = 10 // the first keystone (KEYSTONE_INTERVAL=10)
	net.waitHeight(0, k+1, time.Minute)
	waitLightClientHeight(t, lc, 110, time.Minute)
	if a := same(k); a.Status != ibitcoin.KeystoneUnpublished {
		t.Fatalf("keystone %d before any PoP miner runs: %+v, want Unpublished", k, a)
	}
	for _, notKeystone := range []uint64{0, k - 1, k + 5, 1 << 40} {
		if a := same(notKeystone); a.Status != ibitcoin.KeystoneNone {
			t.Fatalf("keystone(%d) = %+v, want None", notKeystone, a)
		}
	}
	var latest uint64
	ibtc.mustCall(t, nil, &latest, "latestSuperfinal")
	if latest != 0 {
		t.Fatalf("latestSuperfinal() = %d before any publication, want 0", latest)
	}

	// The miner publishes the newest keystone (which anchors k too); each Bitcoin block adds one
	// confirmation once the relayer has brought it to x/btclc.
	miner := startPoPMiner(t, net, btc)
	t.Cleanup(miner.stop)
	logPath := filepath.Join(net.root, "popminer.log")
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		var mempool []string
		if err := btc.Client().Call(ctx, "getrawmempool", nil, &mempool); err != nil {
			t.Fatal(err)
		}
		if len(mempool) > 0 {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("the miner's publication is not in btcd's mempool after 2 minutes; popminer.log:\n%s", tail(b, 2000))
		}
	}
	params, err := pop.Params(ctx, &poptypes.QueryParamsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	depth := uint64(params.Params.SuperfinalityDepth)
	for want := uint64(1); ; want++ {
		btc.Generate(1)
		height, _ := btc.BestBlock()
		waitLightClientHeight(t, lc, height, time.Minute)
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(300 * time.Millisecond) {
			st, err := pop.KeystoneStatus(ctx, &poptypes.QueryKeystoneStatusRequest{Height: k})
			if err == nil && st.Status.Confirmations >= want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("keystone %d did not reach %d confirmations (Bitcoin tip %d): %v %v", k, want, height, st, err)
			}
		}
		a := same(k)
		if a.Confirmations != want {
			t.Fatalf("keystone %d has %d confirmations after Bitcoin block %d, want %d", k, a.Confirmations, height, want)
		}
		if want < depth && a.Status != ibitcoin.KeystonePublished {
			t.Fatalf("keystone %d with %d of %d confirmations: %+v, want Published", k, want, depth, a)
		}
		if want == depth {
			if a.Status != ibitcoin.KeystoneSuperfinal || !a.Superfinal {
				t.Fatalf("keystone %d with %d confirmations: %+v, want Superfinal", k, want, a)
			}
			break
		}
	}

	// latestSuperfinal() is the finality query's latest superfinal keystone, and a contract reads
	// keystone(k) in a transaction as the CLI reports it at the transaction's block.
	h := mustHeight(t, net)
	ibtc.mustCall(t, big.NewInt(h), &latest, "latestSuperfinal")
	var fin struct {
		LatestSuperfinal struct {
			Height string `json:"height"`
		} `json:"latest_superfinal"`
	}
	queryJSON(t, net, &fin, "query", "pop", "finality", "--height", strconv.FormatInt(h, 10))
	if strconv.FormatUint(latest, 10) != fin.LatestSuperfinal.Height || latest < k {
		t.Fatalf("at hemi height %d latestSuperfinal() = %d, hemid query pop finality says %q", h, latest, fin.LatestSuperfinal.Height)
	}
	// The relayer signs with dev0, the only dev account: stop it before dev0 sends transactions.
	miner.stop()
	relayer.stop()
	net.waitHeight(0, mustHeight(t, net)+2, time.Minute)
	probeABI := mustABI(t, contracts.BitcoinProbeABI)
	probeAddr := deployProbe(t, eth, net, 0)
	probe := abiClient{eth: eth, abi: probeABI, addr: probeAddr}
	receipt := sendEthTx(t, eth, devKey(t, net.devs[0]), &probeAddr, nil, probe.pack(t, "probeKeystone", uint64(k)), 300_000)
	var read struct {
		Height        uint64
		Status        uint8
		Confirmations uint64
		Superfinal    bool
	}
	probeEvent(t, probeABI, receipt, "KeystoneRead", &read)
	got := keystoneAnswer{Status: read.Status, Confirmations: read.Confirmations, Superfinal: read.Superfinal}
	if want := cliKeystone(t, net, k, receipt.BlockNumber.Int64()); got != want || read.Height != k {
		t.Fatalf("BitcoinProbe.probeKeystone(%d) in block %d logged %+v, keystone-status there says %+v", k, receipt.BlockNumber, read, want)
	}
	t.Logf("keystone %d superfinal; latestSuperfinal() = %d; a contract read it in block %d", k, latest, receipt.BlockNumber)
}
