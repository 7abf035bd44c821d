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

func (f *fakeBitcoin) GetBlockHeaderRaw(_ context.Context, hash chainhash.Hash) ([]byte, error) {
	for i := range f.chain {
		if f.chain[i].BlockHash() == hash {
			return datagen.SerializeHeader(&f.chain[i]), nil
		}
	}
	return nil, fmt.Errorf("no block %s", hash)
}

// fakeLightClient applies x/btclc's fork rule with the real validation core: a batch must connect
// to the canonical chain and validate, and a fork must have more work than what it replaces.
type fakeLightClient struct {
	t       *testing.T
	params  *bitcoin.Params
	headers []wire.BlockHeader // the canonical chain; headers[h] is at height h
	inserts int                // accepted batches
}

func newFakeLightClient(t *testing.T, base wire.BlockHeader) *fakeLightClient {
	p, err := bitcoin.NetworkByName(bitcoin.RegTest)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeLightClient{t: t, params: p, headers: []wire.BlockHeader{base}}
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

func (f *fakeLightClient) Insert(_ context.Context, raw [][]byte) error {
	first, err := bitcoin.ParseHeader(raw[0])
	if err != nil {
		return err
	}
	fork := -1
	for h := range f.headers {
		if f.headers[h].BlockHash() == first.PrevBlock {
			fork = h
		}
	}
	if fork < 0 {
		return fmt.Errorf("unknown parent %s", first.PrevBlock)
	}
	view := bitcoin.NewMemChain(0, f.headers[0])
	for i := 1; i <= fork; i++ {
		if err := view.Extend(f.params, &f.headers[i]); err != nil {
			return err
		}
	}
	overlay, err := bitcoin.ConnectHeaders(f.params, view, uint64(fork), raw)
	if err != nil {
		return err
	}
	replaced := new(big.Int)
	for _, h := range f.headers[fork+1:] {
		replaced.Add(replaced, bitcoin.CalcWork(h.Bits))
	}
	if fork < len(f.headers)-1 && overlay.AddedWork().Cmp(replaced) <= 0 {
		return ErrForkNotHeavier
	}
	f.headers = f.headers[:fork+1]
	for _, r := range raw {
		h, _ := bitcoin.ParseHeader(r)
		f.headers = append(f.headers, *h)
	}
	f.inserts++
	return nil
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

	// The node switches to a fork from height 25 with the same length: equal work, no reorg.
	fork := append(append([]wire.BlockHeader{}, main[:26]...), datagen.RegtestChain(t, main[25], 5, 2)...)
	btc.chain = fork
	syncAll(t, r)
	if _, hash, _ := lc.Tip(context.Background()); hash != main[30].BlockHash() {
		t.Fatalf("an equal-work fork replaced the tip")
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
