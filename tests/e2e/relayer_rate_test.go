package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// TestRelayerSyncRate measures how fast x/btclc catches up from btcd's genesis to a tip of
// HEMI_BENCH_HEADERS (default 20,000) headers, end to end (btcd RPC, CometBFT blocks of 1 s,
// x/btclc validation), three ways, each on a fresh single-validator network and in the same run:
//   - the relayer reading the headers one request per call (--btc-rpc-batch 1), the baseline;
//   - the relayer reading them in batched requests (the default);
//   - the node's own Bitcoin watcher, which injects them in its proposals (no relayer).
//
// It also reports the rate of reading the same headers over btcd's RPC alone, both ways. Run it
// with bench/relayer-sync.sh.
func TestRelayerSyncRate(t *testing.T) {
	if os.Getenv("HEMI_BENCH") == "" {
		t.Skip("a benchmark: run bench/relayer-sync.sh (sets HEMI_BENCH=1)")
	}
	headers := 20_000
	if v := os.Getenv("HEMI_BENCH_HEADERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		headers = n
	}
	btc := btcdtest.Start(t, nil)
	start := time.Now()
	for mined := 0; mined < headers; mined += 1000 {
		btc.Generate(min(1000, headers-mined))
	}
	height, hash := btc.BestBlock()
	t.Logf("btcd mined %d blocks in %s", headers, time.Since(start).Round(time.Millisecond))

	// Reading the headers alone: one getblockhash and one getblockheader call per height, then
	// the same in batched requests.
	client := btc.Client()
	ctx := context.Background()
	start = time.Now()
	for h := int64(1); h <= height; h++ {
		hash, err := client.GetBlockHash(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.GetBlockHeaderRaw(ctx, hash); err != nil {
			t.Fatal(err)
		}
	}
	fetchOne := float64(height) / time.Since(start).Seconds()
	start = time.Now()
	if _, err := client.GetHeaderRange(ctx, 1, height); err != nil {
		t.Fatal(err)
	}
	fetchBulk := float64(height) / time.Since(start).Seconds()

	// catchUp is the rate, in headers a second, at which x/btclc reaches btcd's tip, counted from
	// the first moment it answers (a watcher's first block may already hold headers).
	catchUp := func(lc btclctypes.QueryClient) float64 {
		t.Helper()
		first, from := time.Time{}, int64(0)
		deadline := time.Now().Add(15 * time.Minute)
		for time.Now().Before(deadline) {
			res, err := lc.Tip(ctx, &btclctypes.QueryTipRequest{})
			if err == nil {
				now := time.Now()
				if first.IsZero() {
					first, from = now, int64(res.Header.Height)
				}
				if int64(res.Header.Height) == height && res.Header.Hash == hash.String() {
					if from == height {
						return math.NaN()
					}
					return float64(height-from) / now.Sub(first).Seconds()
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("x/btclc did not reach btcd's tip %d in 15 minutes", height)
		return 0
	}
	relayed := func(batch int) float64 {
		t.Helper()
		net, lc := btcNetwork(t, btc)
		defer net.stopAll()
		cfg := btc.ClientConfig()
		relayer := startProcess(t, filepath.Join(net.root, "relayer.log"), hemidBin, "relayer",
			"--btc-rpc", cfg.URL, "--btc-user", cfg.User, "--btc-password", cfg.Password, "--btc-rpc-batch", strconv.Itoa(batch),
			"--hemid-grpc", net.nodes[0].GRPC, "--chain-id", testChainID,
			"--home", net.home(0), "--keyring-backend", "test", "--key", net.devs[0].Name,
			"--poll-interval", "300ms", "--metrics", "")
		defer relayer.stop()
		return catchUp(lc)
	}
	relayOne := relayed(1)
	relayBulk := relayed(0)
	net := newNetwork(t, 1, 1, btcEnv(btc)...)
	enableWatcher(t, net.home(0), btc.ClientConfig())
	net.start(0)
	watched := catchUp(btclctypes.NewQueryClient(grpcConn(t, net)))
	net.stopAll()

	// A watcher may bring every header in the first block it commits (so with few headers, as in
	// `make bench-short`): x/btclc then first answers at the tip and there is no rate to measure.
	watcher := "all in its first block"
	if !math.IsNaN(watched) {
		watcher = fmt.Sprintf("%.0f/s (%.2fx)", watched, watched/relayOne)
	}
	if math.IsNaN(relayOne) || math.IsNaN(relayBulk) {
		t.Fatal("x/btclc was at btcd's tip before a relayer started: the relayer runs measured nothing")
	}
	t.Logf("RESULT headers=%d relayer_one_per_call=%.0f/s relayer_batched=%.0f/s (%.2fx) watcher=%s; "+
		"rpc reads alone: one per call %.0f/s, batched %.0f/s (%.2fx)",
		height, relayOne, relayBulk, relayBulk/relayOne, watcher, fetchOne, fetchBulk, fetchBulk/fetchOne)
}
