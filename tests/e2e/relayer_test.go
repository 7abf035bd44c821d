package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// btcEnv is the environment for scripts/init-network.sh that bases x/btclc on btc's chain.
func btcEnv(btc *btcdtest.Node) []string {
	cfg := btc.ClientConfig()
	return []string{"BTC_RPC=" + cfg.URL, "BTC_RPC_USER=" + cfg.User, "BTC_RPC_PASSWORD=" + cfg.Password}
}

// btcNetwork starts one hemid validator with x/btclc based on btc's chain (plus any extra
// init-network.sh environment) and returns it with an x/btclc query client.
func btcNetwork(t *testing.T, btc *btcdtest.Node, env ...string) (*network, btclctypes.QueryClient) {
	t.Helper()
	net := newNetwork(t, 1, 1, append(btcEnv(btc), env...)...)
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)
	return net, btclctypes.NewQueryClient(grpcConn(t, net))
}

// grpcConn is a gRPC connection to node 0, closed when the test ends.
func grpcConn(t *testing.T, net *network) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(net.nodes[0].GRPC,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()).GRPCCodec())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// startRelayer runs the relayer process against btc, signing with node 0's dev0 key.
func startRelayer(t *testing.T, net *network, btc *btcdtest.Node, metricsAddr string, batchSize int) *process {
	t.Helper()
	cfg := btc.ClientConfig()
	return startProcess(t, filepath.Join(net.root, "relayer.log"), hemidBin, "relayer",
		"--btc-rpc", cfg.URL, "--btc-user", cfg.User, "--btc-password", cfg.Password,
		"--hemid-grpc", net.nodes[0].GRPC, "--chain-id", testChainID,
		"--home", net.home(0), "--keyring-backend", "test", "--key", net.devs[0].Name,
		"--batch-size", strconv.Itoa(batchSize), "--poll-interval", "300ms", "--metrics", metricsAddr)
}

// waitLightClientTip waits until x/btclc's tip is the given block.
func waitLightClientTip(t *testing.T, lc btclctypes.QueryClient, height int64, hash chainhash.Hash, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		res, err := lc.Tip(context.Background(), &btclctypes.QueryTipRequest{})
		if err == nil {
			last = fmt.Sprintf("%d %s", res.Header.Height, res.Header.Hash)
			if res.Header.Hash == hash.String() && int64(res.Header.Height) == height {
				return
			}
		} else {
			last = err.Error()
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("x/btclc tip is %s after %s, want %d %s", last, timeout, height, hash)
}

// waitLightClientHeight waits until x/btclc's tip is at least at height.
func waitLightClientHeight(t *testing.T, lc btclctypes.QueryClient, height int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if res, err := lc.Tip(context.Background(), &btclctypes.QueryTipRequest{}); err == nil && int64(res.Header.Height) >= height {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("x/btclc did not reach height %d in %s", height, timeout)
}

// assertSameChain checks every x/btclc header against the Bitcoin node's block at that height.
func assertSameChain(t *testing.T, lc btclctypes.QueryClient, btc *rpc.Client) {
	t.Helper()
	ctx := context.Background()
	count := 0
	for from := uint64(0); ; {
		res, err := lc.MainChain(ctx, &btclctypes.QueryMainChainRequest{From: from, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Headers {
			want, err := btc.GetBlockHash(ctx, int64(h.Height))
			if err != nil {
				t.Fatal(err)
			}
			if h.Hash != want.String() {
				t.Fatalf("x/btclc has %s at height %d, btcd has %s", h.Hash, h.Height, want)
			}
			count++
		}
		if len(res.Headers) < 1000 {
			break
		}
		from = res.Headers[len(res.Headers)-1].Height + 1
	}
	tip, err := btc.GetBlockCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if int64(count) != tip+1 {
		t.Fatalf("x/btclc holds %d headers, btcd's chain has %d", count, tip+1)
	}
}

// TestRelayerFollowsBtcd runs btcd regtest nodes, hemid and the relayer as processes: the relayer
// brings x/btclc to btcd's tip, loses nothing across a restart, and follows a Bitcoin reorg.
func TestRelayerFollowsBtcd(t *testing.T) {
	btcA := btcdtest.Start(t, nil)
	btcB := btcdtest.Start(t, nil)
	btcA.Connect(btcB)
	btcA.Generate(150)
	btcdtest.WaitSynced(t, btcA, btcB)

	net, lc := btcNetwork(t, btcA)

	// Headers can be relayed by hand too, with the CLI.
	var hexHeaders []string
	for h := int64(1); h <= 3; h++ {
		hash, err := btcA.Client().GetBlockHash(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := btcA.Client().GetBlockHeaderRaw(context.Background(), hash)
		if err != nil {
			t.Fatal(err)
		}
		hexHeaders = append(hexHeaders, hex.EncodeToString(raw))
	}
	res := net.sendTx(append(append([]string{"tx", "btclc", "insert-headers"}, hexHeaders...), "--from", net.devs[0].Name, "--gas", "300000", "--gas-prices", gasPrices)...)
	if res.Code != 0 {
		t.Fatalf("insert-headers failed (code %d): %s", res.Code, res.RawLog)
	}
	var tip struct {
		Header struct{ Height, Hash string } `json:"header"` // the CLI prints 64-bit integers as strings
	}
	queryJSON(t, net, &tip, "query", "btclc", "tip")
	if want, _ := btcA.Client().GetBlockHash(context.Background(), 3); tip.Header.Height != "3" || tip.Header.Hash != want.String() {
		t.Fatalf("after inserting 3 headers with the CLI, hemid query btclc tip = %s %s, want 3 %s", tip.Header.Height, tip.Header.Hash, want)
	}

	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePortBase(t, 1))
	relayer := startRelayer(t, net, btcA, metricsAddr, 200)
	t.Cleanup(relayer.stop)

	height, hash := btcA.BestBlock()
	waitLightClientTip(t, lc, height, hash, 2*time.Minute)
	t.Logf("x/btclc reached btcd's tip %d %s", height, hash)

	// The relayer updates its metrics once it has seen its transaction in a block.
	want := fmt.Sprintf("relayer_btclc_tip_height %d", height)
	var metrics string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if metrics = httpGet(t, "http://"+metricsAddr+"/metrics"); strings.Contains(metrics, want) {
			break
		}
	}
	if !strings.Contains(metrics, want) {
		t.Fatalf("metrics do not report the x/btclc tip %d:\n%s", height, metrics)
	}

	// Killed in the middle of a sync (SIGKILL, no chance to clean up), the relayer loses nothing
	// when it comes back: it starts from what the chain holds.
	btcA.Generate(600)
	waitLightClientHeight(t, lc, height+50, time.Minute)
	relayer.kill()
	relayer = startRelayer(t, net, btcA, metricsAddr, 50)
	t.Cleanup(relayer.stop)
	height, hash = btcA.BestBlock()
	waitLightClientTip(t, lc, height, hash, 3*time.Minute)
	assertSameChain(t, lc, btcA.Client())

	// Restarts of hemid and of the Bitcoin node: the relayer retries until both are back.
	net.stop(0)
	btcA.Restart()
	btcA.Connect(btcB)
	btcA.Generate(5)
	net.start(0)
	height, hash = btcA.BestBlock()
	waitLightClientTip(t, lc, height, hash, 3*time.Minute)

	// B outmines A on a competing branch; once connected, A reorgs and x/btclc follows.
	btcdtest.WaitSynced(t, btcA, btcB)
	reorg := btcdtest.Reorg(t, btcA, btcB, 2, 4)
	winner := reorg.Winning[len(reorg.Winning)-1]
	waitLightClientTip(t, lc, reorg.ForkHeight+4, winner, 2*time.Minute)
	for _, orphan := range reorg.Orphaned {
		res, err := lc.Contains(context.Background(), &btclctypes.QueryContainsRequest{Hash: orphan.String()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Contains {
			t.Fatalf("x/btclc still holds block %s that the reorg orphaned", orphan)
		}
	}
	assertSameChain(t, lc, btcA.Client())
	if relayer.exited() {
		t.Fatal("the relayer exited")
	}
	t.Logf("x/btclc followed the reorg at %d to %s", reorg.ForkHeight, winner)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
