package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// btcProxy stands in front of a btcd node's JSON-RPC, for one validator's watcher: it passes
// every call through, or, told to, serves one block with a header of bad proof of work, as a
// lying or broken Bitcoin node would, consistently (getblockhash gives the forged header's hash,
// getblockheader and getblock of that hash give the forged header), or it goes down (its port
// closes).
type btcProxy struct {
	t      *testing.T
	btc    *btcdtest.Node
	ln     net.Listener
	srv    *http.Server
	client http.Client

	mu     sync.Mutex
	forged *forgery
}

// forgery is the block the proxy lies about.
type forgery struct {
	height     int64
	real, fake chainhash.Hash
	header     []byte // the forged 80 bytes
}

func startBtcProxy(t *testing.T, btc *btcdtest.Node) *btcProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &btcProxy{t: t, btc: btc, ln: ln, client: http.Client{Timeout: time.Minute}}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(p.down)
	return p
}

// ClientConfig is btc's RPC configuration with the proxy's address.
func (p *btcProxy) ClientConfig() rpc.Config {
	cfg := p.btc.ClientConfig()
	cfg.URL = "http://" + p.ln.Addr().String()
	return cfg
}

// forge makes the proxy serve the best-chain block at height (which must exist) with its header's
// nonce changed so that its proof of work fails, and returns the forged hash.
func (p *btcProxy) forge(height int64) chainhash.Hash {
	p.t.Helper()
	ctx := context.Background()
	real, err := p.btc.Client().GetBlockHash(ctx, height)
	if err != nil {
		p.t.Fatal(err)
	}
	h, err := p.btc.Client().GetBlockHeader(ctx, real)
	if err != nil {
		p.t.Fatal(err)
	}
	bad := datagen.BadPoW(p.t, *h)
	f := &forgery{height: height, real: real, fake: bad.BlockHash(), header: datagen.SerializeHeader(&bad)}
	p.mu.Lock()
	p.forged = f
	p.mu.Unlock()
	return f.fake
}

// honest makes the proxy pass every call through again.
func (p *btcProxy) honest() {
	p.mu.Lock()
	p.forged = nil
	p.mu.Unlock()
}

// down closes the proxy's port: the watcher behind it finds its Bitcoin node gone.
func (p *btcProxy) down() { _ = p.srv.Close() }

type proxyRequest struct {
	JSONRPC string            `json:"jsonrpc,omitempty"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type proxyResponse struct {
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	ID     json.RawMessage `json:"id"`
}

func (p *btcProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	f := p.forged
	p.mu.Unlock()
	batch := bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
	var reqs []proxyRequest
	if f != nil {
		if reqs, err = decodeRPC[proxyRequest](body, batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Calls about the forged hash go to btcd about the real block.
		for i := range reqs {
			if (reqs[i].Method == "getblockheader" || reqs[i].Method == "getblock") && len(reqs[i].Params) > 0 &&
				jsonString(reqs[i].Params[0]) == f.fake.String() {
				reqs[i].Params[0] = jsonQuote(f.real.String())
			}
		}
		body = encodeRPC(reqs, batch)
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.btc.ClientConfig().URL, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	req.Header = r.Header.Clone()
	res, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if f != nil && res.StatusCode == http.StatusOK {
		answer = f.rewrite(reqs, batch, answer)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(answer)
}

// rewrite puts the forgery into btcd's answers to reqs.
func (f *forgery) rewrite(reqs []proxyRequest, batch bool, answer []byte) []byte {
	ress, err := decodeRPC[proxyResponse](answer, batch)
	if err != nil {
		return answer // not JSON: the client reports it
	}
	byID := make(map[string]proxyRequest, len(reqs))
	for _, r := range reqs {
		byID[string(r.ID)] = r
	}
	for i := range ress {
		r, ok := byID[string(ress[i].ID)]
		if !ok || len(ress[i].Result) == 0 || string(ress[i].Result) == "null" {
			continue
		}
		result := jsonString(ress[i].Result)
		switch {
		case r.Method == "getblockhash" && len(r.Params) == 1 && string(r.Params[0]) == strconv.FormatInt(f.height, 10) && result == f.real.String(),
			r.Method == "getbestblockhash" && result == f.real.String():
			ress[i].Result = jsonQuote(f.fake.String())
		case r.Method == "getblockheader" && len(r.Params) > 1 && jsonString(r.Params[0]) == f.real.String() && string(r.Params[1]) == "false":
			ress[i].Result = jsonQuote(hex.EncodeToString(f.header))
		case r.Method == "getblock" && len(r.Params) > 1 && jsonString(r.Params[0]) == f.real.String() && len(result) > 2*bitcoin.HeaderSize:
			ress[i].Result = jsonQuote(hex.EncodeToString(f.header) + result[2*bitcoin.HeaderSize:])
		}
	}
	return encodeRPC(ress, batch)
}

// decodeRPC reads a JSON-RPC body: a batch (an array) or one object.
func decodeRPC[T any](body []byte, batch bool) ([]T, error) {
	if batch {
		var all []T
		return all, json.Unmarshal(body, &all)
	}
	one := make([]T, 1)
	return one, json.Unmarshal(body, &one[0])
}

// encodeRPC writes what decodeRPC read, in the same shape.
func encodeRPC[T any](items []T, batch bool) []byte {
	var out []byte
	if batch {
		out, _ = json.Marshal(items)
	} else {
		out, _ = json.Marshal(items[0])
	}
	return out
}

func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func jsonQuote(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
