package rpc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// MaxBatch is the most requests one batched call carries: 2,000 header answers are about 400 kB.
// Config.MaxBatch lowers it for a node or provider that caps or refuses batches.
const MaxBatch = 2000

// callBatch sends one JSON-RPC batch of method with each of params (at most the client's batch
// size) and returns
// the results in the order of params. Btcd and Bitcoin Core answer a batch in one HTTP exchange;
// the answers may come in any order and are matched by id. The first error answer fails the call.
func (c *Client) callBatch(ctx context.Context, method string, params [][]any) ([]json.RawMessage, error) {
	if len(params) == 0 {
		return nil, nil
	}
	if len(params) > c.maxBatch {
		return nil, c.fail(method, fmt.Errorf("batch of %d requests, at most %d", len(params), c.maxBatch))
	}
	first := c.nextID.Add(uint64(len(params))) - uint64(len(params)) + 1
	reqs := make([]rpcRequest, len(params))
	for i, p := range params {
		if p == nil {
			p = []any{}
		}
		reqs[i] = rpcRequest{JSONRPC: "2.0", ID: first + uint64(i), Method: method, Params: p}
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, c.fail(method, fmt.Errorf("encoding request: %v", err))
	}
	data, status, err := c.post(ctx, method, body)
	if err != nil {
		return nil, err
	}
	var answers []rpcResponse
	if err := json.Unmarshal(data, &answers); err != nil {
		return nil, c.notAnAnswer(method, status, data)
	}
	if len(answers) != len(params) {
		return nil, c.badData(method, nil, "batch of %d requests got %d answers", len(params), len(answers))
	}
	results := make([]json.RawMessage, len(params))
	for _, a := range answers {
		var id uint64
		if err := json.Unmarshal(a.ID, &id); err != nil || id < first || id >= first+uint64(len(params)) || results[id-first] != nil {
			return nil, c.badData(method, nil, "batch answer has id %s, not one of the batch's requests", truncate(a.ID))
		}
		res, err := c.result(method, id, a)
		if err != nil {
			return nil, err
		}
		if res == nil {
			res = json.RawMessage("null")
		}
		results[id-first] = res
	}
	return results, nil
}

// GetBlockHashes returns the hashes of the best-chain blocks at heights from..to (at most the
// client's batch size of them) in one batched request.
func (c *Client) GetBlockHashes(ctx context.Context, from, to int64) ([]chainhash.Hash, error) {
	const method = "getblockhash"
	if to < from {
		return nil, nil
	}
	params := make([][]any, 0, to-from+1)
	for h := from; h <= to; h++ {
		params = append(params, []any{h})
	}
	results, err := c.callBatch(ctx, method, params)
	if err != nil {
		return nil, err
	}
	hashes := make([]chainhash.Hash, len(results))
	for i, raw := range results {
		if hashes[i], err = c.hashResult(method, raw); err != nil {
			return nil, err
		}
	}
	return hashes, nil
}

// GetBlockHeadersRaw returns the 80-byte headers of blocks hashes (at most the client's batch size) in one
// batched request, each checked to hash to its hash.
func (c *Client) GetBlockHeadersRaw(ctx context.Context, hashes []chainhash.Hash) ([][]byte, error) {
	const method = "getblockheader"
	params := make([][]any, len(hashes))
	for i, h := range hashes {
		params[i] = []any{h.String(), false}
	}
	results, err := c.callBatch(ctx, method, params)
	if err != nil {
		return nil, err
	}
	headers := make([][]byte, len(results))
	for i, raw := range results {
		b, err := c.hexResult(method, raw)
		if err != nil {
			return nil, err
		}
		if len(b) != bitcoin.HeaderSize {
			return nil, c.badData(method, bitcoin.ErrHeaderLength, "got %d bytes for block %s", len(b), hashes[i])
		}
		if got := chainhash.DoubleHashH(b); got != hashes[i] {
			return nil, c.badData(method, ErrHashMismatch, "header hashes to %s, requested %s", got, hashes[i])
		}
		headers[i] = b
	}
	return headers, nil
}

// GetHeaderRange returns the raw headers of the best chain at heights from..to, oldest first, in
// batched requests of at most the client's batch size, checked to link to each other (a reorg between two
// requests fails the call: ask again).
func (c *Client) GetHeaderRange(ctx context.Context, from, to int64) ([][]byte, error) {
	var out [][]byte
	for lo := from; lo <= to; lo += int64(c.maxBatch) {
		hi := min(to, lo+int64(c.maxBatch)-1)
		hashes, err := c.GetBlockHashes(ctx, lo, hi)
		if err != nil {
			return nil, err
		}
		headers, err := c.GetBlockHeadersRaw(ctx, hashes)
		if err != nil {
			return nil, err
		}
		for _, h := range headers {
			if n := len(out); n > 0 && chainhash.DoubleHashH(out[n-1]) != chainhash.Hash(h[4:36]) {
				return nil, c.badData("getblockheader", nil, "header at height %d does not build on the one before: the best chain changed meanwhile", from+int64(n))
			}
			out = append(out, h)
		}
	}
	return out, nil
}
