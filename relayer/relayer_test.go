package relayer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	dto "github.com/prometheus/client_model/go"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// fakeBitcoin serves a header chain from genesis like a Bitcoin node's RPC.
type fakeBitcoin struct {
	chain []wire.BlockHeader // chain[h] is the block at height h
	down  bool
}

func (f *fakeBitcoin) GetBlockCount(context.Context) (int64, error) {
	if f.down {
		return 0, fmt.Errorf("connection refused")
	}
	return int64(len(f.chain) - 1), nil
}

func (f *fakeBitcoin) GetBlockHash(_ context.Context, h int64) (chainhash.Hash, error) {
	if h < 0 || h >= int64(len(f.chain)) {
		return chainhash.Hash{}, fmt.Errorf("no block at %d", h)
	}
	return f.chain[h].BlockHash(), nil
}

func (f *fakeBitcoin) GetBlock(_ context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	for i := range f.chain {
		if f.chain[i].BlockHash() == hash {
			return &wire.MsgBlock{Header: f.chain[i]}, nil
		}
	}
	return nil, fmt.Errorf("no block %s", hash)
}

func (f *fakeBitcoin) GetRawTransaction(_ context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	return nil, fmt.Errorf("no transaction %s", txid)
}

func (f *fakeBitcoin) GetHeaderRange(_ context.Context, from, to int64) ([][]byte, error) {
	if f.down {
		return nil, fmt.Errorf("connection refused")
	}
	if from < 0 || to >= int64(len(f.chain)) || to < from {
		return nil, fmt.Errorf("no blocks %d..%d", from, to)
	}
	return datagen.SerializeHeaders(f.chain[from : to+1]), nil
}

// fakeLightClient applies x/btclc's rules with the real validation core: known headers at the
// start of a batch are skipped; the rest must build on a canonical or side-chain header and
// validate on its branch; a branch replaces the canonical chain only with more work, and is kept
// as a side chain otherwise.
type fakeLightClient struct {
	t        *testing.T
	params   *bitcoin.Params
	headers  []wire.BlockHeader // the canonical chain; headers[h] is at height h
	side     map[chainhash.Hash]wire.BlockHeader
	maxBatch int
	index    map[chainhash.Hash]int // hash -> canonical height
	inserts  int                    // accepted batches
	batches  []int
}

func newFakeLightClient(t *testing.T, base wire.BlockHeader) *fakeLightClient {
	p, err := bitcoin.NetworkByName(bitcoin.RegTest)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeLightClient{t: t, params: p, headers: []wire.BlockHeader{base}, side: map[chainhash.Hash]wire.BlockHeader{}, maxBatch: 2016}
}

func (f *fakeLightClient) Tip(context.Context) (int64, chainhash.Hash, error) {
	return int64(len(f.headers) - 1), f.headers[len(f.headers)-1].BlockHash(), nil
}

func (f *fakeLightClient) BaseHeight(context.Context) (int64, error) { return 0, nil }

func (f *fakeLightClient) HashAt(_ context.Context, h int64) (chainhash.Hash, error) {
	if h < 0 || h >= int64(len(f.headers)) {
		return chainhash.Hash{}, fmt.Errorf("no header at %d", h)
	}
	return f.headers[h].BlockHash(), nil
}

func (f *fakeLightClient) MaxHeadersPerMsg(context.Context) (int, error) { return f.maxBatch, nil }

func (f *fakeLightClient) canonicalHeight(hash chainhash.Hash) int {
	if len(f.index) != len(f.headers) || f.index[f.headers[len(f.headers)-1].BlockHash()] != len(f.headers)-1 {
		f.index = make(map[chainhash.Hash]int, len(f.headers))
		for h := range f.headers {
			f.index[f.headers[h].BlockHash()] = h
		}
	}
	if h, ok := f.index[hash]; ok {
		return h
	}
	return -1
}

func (f *fakeLightClient) Known(_ context.Context, hash chainhash.Hash) (bool, error) {
	_, side := f.side[hash]
	return side || f.canonicalHeight(hash) >= 0, nil
}

func (f *fakeLightClient) Insert(ctx context.Context, raw [][]byte) (bool, error) {
	if len(raw) > f.maxBatch {
		return false, fmt.Errorf("%d headers, max_headers_per_msg %d", len(raw), f.maxBatch)
	}
	for len(raw) > 0 {
		known, _ := f.Known(ctx, chainhash.DoubleHashH(raw[0]))
		if !known {
			break
		}
		raw = raw[1:]
	}
	if len(raw) == 0 {
		return false, nil
	}
	first, err := bitcoin.ParseHeader(raw[0])
	if err != nil {
		return false, err
	}
	// The branch: side-chain headers down to a canonical fork point.
	var branch []wire.BlockHeader
	prev := first.PrevBlock
	fork := f.canonicalHeight(prev)
	for fork < 0 {
		h, ok := f.side[prev]
		if !ok {
			return false, fmt.Errorf("%w: %s", ErrUnknownParent, prev)
		}
		branch = append([]wire.BlockHeader{h}, branch...)
		prev = h.PrevBlock
		fork = f.canonicalHeight(prev)
	}
	view := bitcoin.NewMemChain(0, f.headers[0])
	for _, h := range append(append([]wire.BlockHeader{}, f.headers[1:fork+1]...), branch...) {
		if err := view.Extend(f.params, &h); err != nil {
			return false, err
		}
	}
	overlay, err := bitcoin.ConnectHeaders(f.params, view, view.TipHeight(), raw)
	if err != nil {
		return false, err
	}
	added := overlay.AddedWork()
	for _, h := range branch {
		added.Add(added, bitcoin.CalcWork(h.Bits))
	}
	replaced := new(big.Int)
	for _, h := range f.headers[fork+1:] {
		replaced.Add(replaced, bitcoin.CalcWork(h.Bits))
	}
	f.inserts++
	f.batches = append(f.batches, len(raw))
	var fresh []wire.BlockHeader
	for _, r := range raw {
		h, _ := bitcoin.ParseHeader(r)
		fresh = append(fresh, *h)
	}
	if fork < len(f.headers)-1 && added.Cmp(replaced) <= 0 {
		for _, h := range fresh {
			f.side[h.BlockHash()] = h
		}
		return true, nil
	}
	for _, h := range branch {
		delete(f.side, h.BlockHash())
	}
	f.headers = append(append(f.headers[:fork+1:fork+1], branch...), fresh...)
	return false, nil
}

func newTestRelayer(btc BitcoinNode, lc LightClient, batch int) *Relayer {
	return New(Config{BatchSize: batch}, btc, lc, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
}

// syncAll steps until the relayer reports nothing to do, failing on any error.
func syncAll(t *testing.T, r *Relayer) {
	t.Helper()
	for range 1000 {
		progressed, err := r.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !progressed {
			return
		}
	}
	t.Fatal("relayer did not settle")
}

func assertSameTip(t *testing.T, btc *fakeBitcoin, lc *fakeLightClient) {
	t.Helper()
	height, hash, _ := lc.Tip(context.Background())
	want := btc.chain[len(btc.chain)-1].BlockHash()
	if height != int64(len(btc.chain)-1) || hash != want {
		t.Fatalf("x/btclc tip %d %s, Bitcoin tip %d %s", height, hash, len(btc.chain)-1, want)
	}
}

func TestRelayerSyncsInBatches(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	btc := &fakeBitcoin{chain: append([]wire.BlockHeader{genesis}, datagen.RegtestChain(t, genesis, 250, 1)...)}
	lc := newFakeLightClient(t, genesis)
	syncAll(t, newTestRelayer(btc, lc, 100))
	assertSameTip(t, btc, lc)
	if lc.inserts != 3 {
		t.Fatalf("%d batches for 250 headers with batch size 100, want 3", lc.inserts)
	}

	// A new relayer (a restart) finds nothing to do, then follows new blocks.
	r := newTestRelayer(btc, lc, 100)
	if progressed, err := r.Step(context.Background()); err != nil || progressed {
		t.Fatalf("restarted relayer in sync: progressed %v, err %v", progressed, err)
	}
	btc.chain = append(btc.chain, datagen.RegtestChain(t, btc.chain[len(btc.chain)-1], 5, 1)...)
	syncAll(t, r)
	assertSameTip(t, btc, lc)
}

func TestRelayerFollowsHeavierForkOnly(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	main := append([]wire.BlockHeader{genesis}, datagen.RegtestChain(t, genesis, 30, 1)...)
	btc := &fakeBitcoin{chain: main}
	lc := newFakeLightClient(t, genesis)
	r := newTestRelayer(btc, lc, 100)
	syncAll(t, r)

	// The node switches to a fork from height 25 with the same length: equal work, no reorg;
	// x/btclc keeps it as a side chain, and the relayer does not send it again.
	fork := append(append([]wire.BlockHeader{}, main[:26]...), datagen.RegtestChain(t, main[25], 5, 2)...)
	btc.chain = fork
	syncAll(t, r)
	if _, hash, _ := lc.Tip(context.Background()); hash != main[30].BlockHash() {
		t.Fatalf("an equal-work fork replaced the tip")
	}
	if len(lc.side) != 5 || lc.inserts != 2 {
		t.Fatalf("side chain of %d headers after %d batches, want 5 after 2", len(lc.side), lc.inserts)
	}

	// One more block on the fork makes it heavier: the relayer submits it from the ancestor.
	btc.chain = append(fork, datagen.RegtestChain(t, fork[30], 1, 2)...)
	syncAll(t, r)
	assertSameTip(t, btc, lc)
	if got := testutilCounter(r.metrics.Reorgs); got != 1 {
		t.Fatalf("reorgs metric %v, want 1", got)
	}
}

func TestRelayerRetriesWhenBitcoinNodeIsDown(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	btc := &fakeBitcoin{chain: append([]wire.BlockHeader{genesis}, datagen.RegtestChain(t, genesis, 10, 1)...), down: true}
	lc := newFakeLightClient(t, genesis)
	r := newTestRelayer(btc, lc, 100)
	if _, err := r.Step(context.Background()); err == nil {
		t.Fatal("a step with the Bitcoin node down succeeded")
	}
	btc.down = false
	syncAll(t, r)
	assertSameTip(t, btc, lc)
}

func testutilCounter(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// Finding 4: the node's chain is a fork 3,100 headers long from height 100, while x/btclc holds
// 3,050 other headers there. The chain's max_headers_per_msg (500 here) sets the batch size, the
// fork goes in pieces from the common ancestor, each piece after the last one x/btclc holds, and
// it wins with its last piece.
func TestRelayerSubmitsLongForkInPieces(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	common := append([]wire.BlockHeader{genesis}, datagen.RegtestChain(t, genesis, 100, 1)...)
	lc := newFakeLightClient(t, genesis)
	lc.headers = append(append([]wire.BlockHeader{}, common...), datagen.RegtestChain(t, common[100], 3050, 2)...)
	lc.maxBatch = 500
	btc := &fakeBitcoin{chain: append(append([]wire.BlockHeader{}, common...), datagen.RegtestChain(t, common[100], 3100, 3)...)}

	r := newTestRelayer(btc, lc, 0)
	syncAll(t, r)
	assertSameTip(t, btc, lc)
	want := []int{500, 500, 500, 500, 500, 500, 100}
	if fmt.Sprint(lc.batches) != fmt.Sprint(want) {
		t.Fatalf("batches %v, want %v", lc.batches, want)
	}
	if len(lc.side) != 0 {
		t.Fatalf("%d headers left in the side chain", len(lc.side))
	}
	if got := testutilCounter(r.metrics.Reorgs); got != 1 {
		t.Fatalf("reorgs metric %v, want 1", got)
	}

	// A configured batch size only lowers the chain's.
	lc2 := newFakeLightClient(t, genesis)
	lc2.maxBatch = 50
	syncAll(t, newTestRelayer(&fakeBitcoin{chain: common}, lc2, 500))
	if fmt.Sprint(lc2.batches) != "[50 50]" {
		t.Fatalf("batches %v with max_headers_per_msg 50 and --batch-size 500", lc2.batches)
	}
	lc3 := newFakeLightClient(t, genesis)
	syncAll(t, newTestRelayer(&fakeBitcoin{chain: common}, lc3, 30))
	if fmt.Sprint(lc3.batches) != "[30 30 30 10]" {
		t.Fatalf("batches %v with --batch-size 30", lc3.batches)
	}
}

// A side chain whose lower part x/btclc no longer holds is sent again from the common ancestor.
func TestRelayerResendsPrunedSideChain(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	common := append([]wire.BlockHeader{genesis}, datagen.RegtestChain(t, genesis, 10, 1)...)
	lc := newFakeLightClient(t, genesis)
	lc.headers = append(append([]wire.BlockHeader{}, common...), datagen.RegtestChain(t, common[10], 40, 2)...)
	lc.maxBatch = 20
	forkChain := datagen.RegtestChain(t, common[10], 41, 3)
	btc := &fakeBitcoin{chain: append(append([]wire.BlockHeader{}, common...), forkChain...)}
	r := newTestRelayer(btc, lc, 0)
	if _, err := r.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	delete(lc.side, forkChain[0].BlockHash()) // the fork's first header was evicted
	syncAll(t, r)
	assertSameTip(t, btc, lc)
}
