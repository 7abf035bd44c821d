package rpc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
)

// TestGetHeaderRangeBtcd: the batched reads of a real btcd regtest node return, in order, the
// same headers as one getblockhash and getblockheader per height, across more than one batch.
func TestGetHeaderRangeBtcd(t *testing.T) {
	skipShort(t)
	node := btcdtest.Start(t, nil)
	c := node.Client()
	ctx := testCtx(t)
	node.Generate(30)

	got, err := c.GetHeaderRange(ctx, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 31 {
		t.Fatalf("GetHeaderRange(0, 30) returned %d headers", len(got))
	}
	for h := int64(0); h <= 30; h++ {
		hash, err := c.GetBlockHash(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.GetBlockHeaderRaw(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[h]) != string(want) {
			t.Fatalf("header %d of the range differs from getblockheader's", h)
		}
	}
	if hs, err := c.GetBlockHashes(ctx, 31, 31); err == nil {
		t.Fatalf("GetBlockHashes above the tip returned %v", hs)
	}

	// A client with a lower batch size reads the same range in more, smaller batches, and refuses
	// one batch over its size.
	cfg := node.ClientConfig()
	cfg.MaxBatch = 7
	small, err := rpc.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := small.GetHeaderRange(ctx, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again) != fmt.Sprint(got) {
		t.Fatal("GetHeaderRange in batches of 7 differs from one batch")
	}
	if hs, err := small.GetBlockHashes(ctx, 0, 7); err == nil {
		t.Fatalf("a batch of 8 on a client of batch size 7 returned %v", hs)
	}
	for _, bad := range []int{-1, rpc.MaxBatch + 1} {
		cfg.MaxBatch = bad
		if _, err := rpc.NewClient(cfg); err == nil {
			t.Fatalf("NewClient took batch size %d", bad)
		}
	}
}

// TestBatchRejectsBadAnswers: a batch answer with fewer answers than requests, an id that is not
// one of the batch's, a repeated id, or a header that does not hash to the requested block is
// bad data; an error answer is the node's error.
func TestBatchRejectsBadAnswers(t *testing.T) {
	type answer struct {
		Result any             `json:"result"`
		Error  *rpc.Error      `json:"error"`
		ID     json.RawMessage `json:"id"`
	}
	cases := map[string]struct {
		edit func(reqIDs []json.RawMessage) []answer
		want error
	}{
		"one answer short": {func(ids []json.RawMessage) []answer {
			return []answer{{Result: chainhash.Hash{}.String(), ID: ids[0]}}
		}, rpc.ErrBadData},
		"a foreign id": {func(ids []json.RawMessage) []answer {
			return []answer{{Result: chainhash.Hash{}.String(), ID: ids[0]}, {Result: chainhash.Hash{}.String(), ID: json.RawMessage("999999")}}
		}, rpc.ErrBadData},
		"a repeated id": {func(ids []json.RawMessage) []answer {
			return []answer{{Result: chainhash.Hash{}.String(), ID: ids[0]}, {Result: chainhash.Hash{}.String(), ID: ids[0]}}
		}, rpc.ErrBadData},
		"an error answer": {func(ids []json.RawMessage) []answer {
			return []answer{{Result: chainhash.Hash{}.String(), ID: ids[0]}, {Error: &rpc.Error{Code: -8, Message: "Block height out of range"}, ID: ids[1]}}
		}, &rpc.Error{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var reqs []struct {
					ID json.RawMessage `json:"id"`
				}
				if err := json.Unmarshal(body, &reqs); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				ids := make([]json.RawMessage, len(reqs))
				for i, r := range reqs {
					ids[i] = r.ID
				}
				_ = json.NewEncoder(w).Encode(tc.edit(ids))
			}))
			t.Cleanup(srv.Close)
			c, err := rpc.NewClient(rpc.Config{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetBlockHashes(testCtx(t), 1, 2)
			var rpcErr *rpc.Error
			switch want := tc.want.(type) {
			case *rpc.Error:
				if !errors.As(err, &rpcErr) {
					t.Fatalf("got %v, want the node's error", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, fmt.Sprint(want))
				}
			}
		})
	}
}

// BenchmarkHeaderRange reads 2,000 headers from a btcd regtest node in batched requests and, in the
// same run, one getblockhash and one getblockheader per height, and reports the batched reads'
// speed-up ("x_vs_per_header").
func BenchmarkHeaderRange(b *testing.B) {
	const n = 2000
	node := btcdtest.Start(b, nil)
	node.Generate(n)
	c := node.Client()
	ctx := b.Context()
	var bulk, single time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := c.GetHeaderRange(ctx, 1, n); err != nil {
			b.Fatal(err)
		}
		bulk += time.Since(start)
		start = time.Now()
		for h := int64(1); h <= n; h++ {
			hash, err := c.GetBlockHash(ctx, h)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.GetBlockHeaderRaw(ctx, hash); err != nil {
				b.Fatal(err)
			}
		}
		single += time.Since(start)
	}
	b.ReportMetric(single.Seconds()/bulk.Seconds(), "x_vs_per_header")
	b.ReportMetric(float64(n)*float64(b.N)/bulk.Seconds(), "headers/s_batched")
	b.ReportMetric(float64(n)*float64(b.N)/single.Seconds(), "headers/s_per_header")
}
