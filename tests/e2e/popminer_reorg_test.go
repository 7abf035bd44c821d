package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestPoPPublicationSurvivesBitcoinReorg: a Bitcoin reorg that drops the block holding a proven
// publication takes the keystone's anchoring back at once; when the transaction is mined again on
// the winning branch, the miner proves it there and the anchoring comes back.
func TestPoPPublicationSurvivesBitcoinReorg(t *testing.T) {
	minerKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e popminer reorg key, 32b"))
	btcA := btcdtest.Start(t, &btcdtest.Options{MiningKey: minerKey})
	btcB := btcdtest.Start(t, nil)
	btcA.Connect(btcB)
	btcA.Generate(110)
	btcdtest.WaitSynced(t, btcA, btcB)
	btcA.Disconnect(btcB) // B will not see the PoP transaction

	net, lc := btcNetwork(t, btcA, popMinerEnv(minerKey)...)
	pop := poptypes.NewQueryClient(grpcConn(t, net))
	relayer := startRelayer(t, net, btcA, "", 200)
	t.Cleanup(relayer.stop)
	miner := startPoPMiner(t, net, btcA)
	t.Cleanup(miner.stop)

	// Mine on A until a publication is proven and on the main chain.
	ctx := context.Background()
	var keystone uint64
	var pubBlock string
	for deadline := time.Now().Add(3 * time.Minute); keystone == 0; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("no publication proven in 3 minutes")
		}
		btcA.Generate(1)
		fin, err := pop.Finality(ctx, &poptypes.QueryFinalityRequest{})
		if err != nil || fin.LatestKeystoneHeight == 0 {
			continue
		}
		for h := fin.LatestKeystoneHeight; h > 0; h -= 10 {
			st, err := pop.KeystoneStatus(ctx, &poptypes.QueryKeystoneStatusRequest{Height: h})
			if err == nil && len(st.Status.Publications) > 0 && st.Status.Publications[0].OnMainChain {
				keystone, pubBlock = h, st.Status.Publications[0].Publication.BtcBlockHash
				break
			}
		}
	}
	t.Logf("keystone %d published in Bitcoin block %s", keystone, pubBlock)

	// B outmines A from before the publication; A reorgs to B's branch, which lacks the transaction.
	heightA, _ := btcA.BestBlock()
	heightB, _ := btcB.BestBlock()
	btcB.Generate(int(heightA-heightB) + 3)
	btcA.Connect(btcB)
	_, bestB := btcB.BestBlock()
	btcdtest.WaitSynced(t, btcA, btcB)
	height, _ := btcA.BestBlock()
	waitLightClientTip(t, lc, height, bestB, 2*time.Minute)
	st, err := pop.KeystoneStatus(ctx, &poptypes.QueryKeystoneStatusRequest{Height: keystone})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Status.Publications) == 0 || st.Status.Publications[0].OnMainChain || st.Status.FirstBtcHeight != 0 {
		t.Fatalf("after the reorg, keystone %d still counts its publication: %+v", keystone, st.Status)
	}
	t.Logf("after the reorg keystone %d has no publication on the main chain (confirmations %d)", keystone, st.Status.Confirmations)

	// A mines the transaction again (it went back to A's mempool); the miner proves it there.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("keystone %d's publication did not come back", keystone)
		}
		btcA.Generate(1)
		st, err := pop.KeystoneStatus(ctx, &poptypes.QueryKeystoneStatusRequest{Height: keystone})
		if err == nil && len(st.Status.Publications) > 0 && st.Status.Publications[0].OnMainChain {
			if got := st.Status.Publications[0].Publication.BtcBlockHash; got == pubBlock {
				t.Fatalf("the publication is back in its old block %s, which the reorg removed", got)
			}
			t.Logf("keystone %d anchored again in block %s (first BTC height %d)", keystone,
				st.Status.Publications[0].Publication.BtcBlockHash, st.Status.FirstBtcHeight)
			break
		}
	}
}
