package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hemi-appchain/hemi/testutil/btcdtest"
)

// TestRelayerSyncRate measures how fast the relayer brings x/btclc from btcd's genesis to a tip of
// HEMI_BENCH_HEADERS (default 5000) headers, end to end (btcd RPC, signing, CometBFT blocks of 1 s,
// x/btclc validation), against a baseline taken in the same run: fetching the same headers from
// btcd over RPC alone, one pair of calls per header. Run it with bench/relayer-sync.sh.
func TestRelayerSyncRate(t *testing.T) {
	if os.Getenv("HEMI_BENCH") == "" {
		t.Skip("a benchmark: run bench/relayer-sync.sh (sets HEMI_BENCH=1)")
	}
	headers := 5000
	if v := os.Getenv("HEMI_BENCH_HEADERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		headers = n
	}
	btc := btcdtest.Start(t, nil)
	net, lc := btcNetwork(t, btc)
	start := time.Now()
	for mined := 0; mined < headers; mined += 1000 {
		btc.Generate(min(1000, headers-mined))
	}
	t.Logf("btcd mined %d blocks in %s", headers, time.Since(start).Round(time.Millisecond))

	// Baseline: reading the same headers with one RPC pair per header (block hash, raw header).
	client := btc.Client()
	ctx := context.Background()
	start = time.Now()
	for h := int64(1); h <= int64(headers); h++ {
		hash, err := client.GetBlockHash(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.GetBlockHeaderRaw(ctx, hash); err != nil {
			t.Fatal(err)
		}
	}
	fetch := time.Since(start)

	relayer := startRelayer(t, net, btc, fmt.Sprintf("127.0.0.1:%d", freePortBase(t, 1)), 2016)
	t.Cleanup(relayer.stop)
	start = time.Now()
	height, hash := btc.BestBlock()
	waitLightClientTip(t, lc, height, hash, 10*time.Minute)
	sync := time.Since(start)

	fetchRate := float64(headers) / fetch.Seconds()
	syncRate := float64(headers) / sync.Seconds()
	t.Logf("RESULT headers=%d relayer_sync=%s (%.0f headers/s) rpc_fetch_baseline=%s (%.0f headers/s) ratio=%.2f of the fetch rate",
		headers, sync.Round(time.Millisecond), syncRate, fetch.Round(time.Millisecond), fetchRate, syncRate/fetchRate)
}
