// Package rpc is the Bitcoin node client of hemi's daemons and CLI: JSON-RPC over HTTP(S) to btcd
// or Bitcoin Core, every answer checked before it is returned. The state machine never uses it.
package rpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// Errors of the RPC client. Every error a method of Client returns is a
// *NodeError (naming the node and the method) wrapping one of three classes,
// so a daemon can decide what to do with errors.Is / errors.As:
//
//   - ErrTransport: the request did not complete (node down, connection
//     refused or reset, timeout, HTTP 5xx without an answer). Retry later.
//   - *Error: the node answered with a JSON-RPC error (code and message),
//     e.g. "Block not found". ErrAuth is the HTTP-level variant for bad
//     credentials. Retrying the same request will not help.
//   - ErrBadData: the node answered, but the answer is malformed or fails
//     validation (bad hex, wrong length, wrong hash, wrong merkle root). The
//     node is broken or lying; do not use anything it sent for this request.
//     A more specific sentinel (ErrBadHex, ErrHashMismatch, bitcoin.ErrHeaderLength,
//     bitcoin.ErrMerkleRootMismatch, bitcoin.ErrBadTransaction, ...) is wrapped as well.
//
// EstimateSmartFee adds ErrNoFeeEstimate, which is not a failure of the node.
var (
	ErrTransport = errors.New("transport failure (node down or unreachable): retry later")
	ErrAuth      = errors.New("RPC credentials refused: check the RPC user and password")
	ErrBadData   = errors.New("invalid answer (the node is faulty or malicious)")

	ErrBadHex       = errors.New("not a hex string")
	ErrHashMismatch = errors.New("data does not hash to the requested hash")
	ErrBadWitness   = errors.New("block's witness data does not match its witness commitment")

	// ErrNoFeeEstimate means the node has no fee estimate yet (too few
	// blocks or transactions seen); the caller should use its fee floor.
	ErrNoFeeEstimate = errors.New("node has no fee estimate yet: use the fee floor")
)

// JSON-RPC error codes the client looks at. Bitcoin Core and btcd share them.
const (
	CodeMethodNotFound       = -32601
	CodeInvalidParams        = -32602
	CodeInvalidAddressOrKey  = -5 // "Block not found", "No such mempool or blockchain transaction"
	CodeVerifyAlreadyInChain = -27
)

// maxResponseSize bounds what the client reads from a node: a 4 MB block is
// 8 MB of hex, so this leaves ample room while stopping a node from making
// the daemon buffer without limit.
const maxResponseSize = 32 << 20

// Error is an error answer from the node.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("RPC error %d: %s", e.Code, e.Message)
}

// NodeError is what every method of Client returns on failure: which node,
// which RPC method, and what went wrong (Err, one of the classes above).
type NodeError struct {
	Node   string
	Method string
	Err    error
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("bitcoin node %s: %s: %v", e.Node, e.Method, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

// IsAlreadyKnown reports whether a sendrawtransaction error means the node
// already has the transaction (in its mempool or in a block), which a
// restart-safe daemon treats as success. The codes and texts are those of
// Bitcoin Core and btcd.
func IsAlreadyKnown(err error) bool {
	var rpcErr *Error
	if !errors.As(err, &rpcErr) {
		return false
	}
	if rpcErr.Code == CodeVerifyAlreadyInChain {
		return true
	}
	msg := strings.ToLower(rpcErr.Message)
	for _, s := range []string{"txn-already-in-mempool", "txn-already-known", "already have transaction", "transaction already exists"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Config says how to reach a node.
type Config struct {
	// URL of the RPC endpoint, e.g. "http://127.0.0.1:18443" (bitcoind,
	// btcd --notls) or "https://127.0.0.1:18334" (btcd's default TLS). A
	// bare "host:port" means plain HTTP.
	URL      string
	User     string
	Password string
	// CACertFile is a PEM file holding the certificate to trust for HTTPS,
	// e.g. btcd's rpc.cert. Empty means the system's roots.
	CACertFile string
	// Name labels the node in errors and logs; the URL's host:port if empty.
	Name string
	// HTTPClient replaces the client the Client builds (CACertFile is then
	// ignored). Deadlines come from each call's context, not from here.
	HTTPClient *http.Client
	// MaxBatch is the most requests in one batched call, 1..MaxBatch; 0 is
	// MaxBatch. 1 sends every request alone, for a node or provider that
	// refuses batches.
	MaxBatch int
}

// Client speaks JSON-RPC 1.0 over HTTP(S) with basic auth, the dialect of
// both Bitcoin Core and btcd. It is safe for concurrent use. It does not
// retry: the caller owns timeouts (through the context) and retry policy.
type Client struct {
	url      string
	user     string
	password string
	name     string
	http     *http.Client
	maxBatch int
	nextID   atomic.Uint64
}

// NewClient checks cfg and builds a client. It does not contact the node.
func NewClient(cfg Config) (*Client, error) {
	raw := cfg.URL
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bitcoin rpc: bad node URL %q: %v", cfg.URL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bitcoin rpc: node URL %q must be http://host:port or https://host:port", cfg.URL)
	}
	if cfg.MaxBatch < 0 || cfg.MaxBatch > MaxBatch {
		return nil, fmt.Errorf("bitcoin rpc: batch size %d must be between 1 and %d (0 for %d)", cfg.MaxBatch, MaxBatch, MaxBatch)
	}
	c := &Client{user: cfg.User, password: cfg.Password, name: cfg.Name, maxBatch: cfg.MaxBatch}
	if c.maxBatch == 0 {
		c.maxBatch = MaxBatch
	}
	// Credentials in the URL are moved out of it so that they never appear
	// in error messages, which quote the URL.
	if u.User != nil {
		if c.user == "" {
			c.user = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && c.password == "" {
			c.password = p
		}
		u.User = nil
	}
	c.url = u.String()
	if c.name == "" {
		c.name = u.Host
	}

	c.http = cfg.HTTPClient
	if c.http == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		if cfg.CACertFile != "" {
			pem, err := os.ReadFile(cfg.CACertFile)
			if err != nil {
				return nil, fmt.Errorf("bitcoin rpc: reading CA certificate for %s: %v", c.name, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("bitcoin rpc: %s holds no PEM certificate", cfg.CACertFile)
			}
			transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		c.http = &http.Client{
			Transport: transport,
			// A JSON-RPC endpoint never redirects; following one would turn
			// the POST into a GET somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return c, nil
}

// Name is the label the client uses for its node in errors.
func (c *Client) Name() string { return c.name }

func (c *Client) fail(method string, err error) error {
	return &NodeError{Node: c.name, Method: method, Err: err}
}

// BadData is the error for an answer of Call that failed the caller's
// validation: a *NodeError wrapping ErrBadData and kind (a more specific
// sentinel, or nil), like the typed methods' own.
func (c *Client) BadData(method string, kind error, format string, args ...any) error {
	return c.badData(method, kind, format, args...)
}

// BadAnswer is BadData for a check that returned err.
func (c *Client) BadAnswer(method string, err error) error { return c.badAnswer(method, err) }

// badData reports an answer that failed validation; kind is a more specific
// sentinel or nil.
func (c *Client) badData(method string, kind error, format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	if kind != nil {
		return c.fail(method, fmt.Errorf("%w: %w: %s", ErrBadData, kind, detail))
	}
	return c.fail(method, fmt.Errorf("%w: %s", ErrBadData, detail))
}

// badAnswer reports an answer that failed a check returning err.
func (c *Client) badAnswer(method string, err error) error {
	return c.fail(method, fmt.Errorf("%w: %w", ErrBadData, err))
}

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	ID     json.RawMessage `json:"id"`
}

// Call sends one request and decodes the result into result (a pointer, or
// nil to ignore it). It is the building block of the typed methods and the
// way to reach any other method; it does no validation beyond JSON decoding.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	raw, err := c.call(ctx, method, params)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return c.badData(method, nil, "result %s does not decode as %T: %v", truncate(raw), result, err)
	}
	return nil
}

// call returns the raw "result" of a successful answer.
func (c *Client) call(ctx context.Context, method string, params []any) (json.RawMessage, error) {
	if params == nil {
		params = []any{} // some servers refuse "params": null
	}
	id := c.nextID.Add(1)
	body, err := json.Marshal(rpcRequest{JSONRPC: "1.0", ID: id, Method: method, Params: params})
	if err != nil {
		return nil, c.fail(method, fmt.Errorf("encoding request: %v", err))
	}
	data, status, err := c.post(ctx, method, body)
	if err != nil {
		return nil, err
	}
	// Bitcoin Core sends RPC errors with HTTP 404/500 and a JSON body, btcd
	// with HTTP 200, so the body decides, not the status.
	var r rpcResponse
	if err := json.Unmarshal(data, &r); err != nil || (r.Result == nil && r.Error == nil) {
		return nil, c.notAnAnswer(method, status, data)
	}
	return c.result(method, id, r)
}

// notAnAnswer is the error for a body that is not a JSON-RPC answer.
func (c *Client) notAnAnswer(method string, status int, data []byte) error {
	if status >= 500 {
		// E.g. Core's "Work queue depth exceeded" or a proxy in front
		// of a node that is down: temporary.
		return c.fail(method, fmt.Errorf("%w: HTTP %d: %s", ErrTransport, status, truncate(data)))
	}
	return c.badData(method, nil, "HTTP %d, body is not a JSON-RPC answer: %s", status, truncate(data))
}

// post sends one HTTP request of body and returns the answer's body and status.
func (c *Client) post(ctx context.Context, method string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, c.fail(method, fmt.Errorf("building request: %v", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.user, c.password)

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, c.fail(method, fmt.Errorf("%w: %w", ErrTransport, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, 0, c.fail(method, fmt.Errorf("%w: reading answer: %w", ErrTransport, err))
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, 0, c.fail(method, fmt.Errorf("%w (HTTP %d)", ErrAuth, resp.StatusCode))
	}
	if len(data) > maxResponseSize {
		return nil, 0, c.badData(method, nil, "answer is larger than %d bytes", maxResponseSize)
	}
	return data, resp.StatusCode, nil
}

// result checks that r answers request id and returns its result or its error.
func (c *Client) result(method string, id uint64, r rpcResponse) (json.RawMessage, error) {
	var gotID uint64
	if err := json.Unmarshal(r.ID, &gotID); err != nil || gotID != id {
		return nil, c.badData(method, nil, "answer has id %s, request had %d", truncate(r.ID), id)
	}
	if len(r.Error) > 0 && string(r.Error) != "null" {
		var rpcErr Error
		if err := json.Unmarshal(r.Error, &rpcErr); err != nil {
			return nil, c.badData(method, nil, "error field %s is not a JSON-RPC error", truncate(r.Error))
		}
		return nil, c.fail(method, &rpcErr)
	}
	return r.Result, nil
}

// truncate quotes at most 200 bytes of an answer for an error message.
func truncate(b []byte) string {
	const max = 200
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "..."
	}
	return strconv.Quote(string(b))
}

// hexResult decodes a result that must be a JSON string of hex digits.
func (c *Client) hexResult(method string, raw json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, c.badData(method, ErrBadHex, "result %s is not a JSON string", truncate(raw))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, c.badData(method, ErrBadHex, "%v in %s", err, truncate([]byte(s)))
	}
	return b, nil
}

// ParseHash is bitcoin.ParseDisplayHash for a node's answer, classified as
// bad hex.
func ParseHash(s string) (chainhash.Hash, error) { return parseHash(s) }

func parseHash(s string) (chainhash.Hash, error) {
	h, err := bitcoin.ParseDisplayHash(s)
	if err != nil {
		return h, fmt.Errorf("%w: %w", ErrBadHex, err)
	}
	return h, nil
}

// hashResult decodes a result that must be one hash in display order.
func (c *Client) hashResult(method string, raw json.RawMessage) (chainhash.Hash, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return chainhash.Hash{}, c.badData(method, ErrBadHex, "result %s is not a JSON string", truncate(raw))
	}
	h, err := parseHash(s)
	if err != nil {
		return h, c.badAnswer(method, err)
	}
	return h, nil
}

// GetBlockCount returns the height of the node's best chain.
func (c *Client) GetBlockCount(ctx context.Context) (int64, error) {
	var n int64
	if err := c.Call(ctx, "getblockcount", nil, &n); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, c.badData("getblockcount", nil, "negative height %d", n)
	}
	return n, nil
}

// GetBlockHash returns the hash of the best-chain block at height.
func (c *Client) GetBlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	raw, err := c.call(ctx, "getblockhash", []any{height})
	if err != nil {
		return chainhash.Hash{}, err
	}
	return c.hashResult("getblockhash", raw)
}

// GetBestBlockHash returns the hash of the node's best-chain tip.
func (c *Client) GetBestBlockHash(ctx context.Context) (chainhash.Hash, error) {
	raw, err := c.call(ctx, "getbestblockhash", nil)
	if err != nil {
		return chainhash.Hash{}, err
	}
	return c.hashResult("getbestblockhash", raw)
}

// GetBlockHeaderRaw returns the 80 serialized bytes of the header of block
// hash, checked to hash to hash.
func (c *Client) GetBlockHeaderRaw(ctx context.Context, hash chainhash.Hash) ([]byte, error) {
	const method = "getblockheader"
	raw, err := c.call(ctx, method, []any{hash.String(), false})
	if err != nil {
		return nil, err
	}
	b, err := c.hexResult(method, raw)
	if err != nil {
		return nil, err
	}
	if len(b) != bitcoin.HeaderSize {
		return nil, c.badData(method, bitcoin.ErrHeaderLength, "got %d bytes for block %s", len(b), hash)
	}
	if got := chainhash.DoubleHashH(b); got != hash {
		return nil, c.badData(method, ErrHashMismatch, "header hashes to %s, requested %s", got, hash)
	}
	return b, nil
}

// GetBlockHeader returns the header of block hash, checked to hash to hash.
func (c *Client) GetBlockHeader(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error) {
	b, err := c.GetBlockHeaderRaw(ctx, hash)
	if err != nil {
		return nil, err
	}
	return bitcoin.ParseHeader(b)
}

// HeaderInfo is the node's view of a block header (getblockheader verbose).
type HeaderInfo struct {
	Header *wire.BlockHeader
	Hash   chainhash.Hash
	Height int64
	// Confirmations is 1 for the tip; Bitcoin Core reports -1 for a block
	// that is not on its best chain.
	Confirmations int64
	// ChainWork is the total work of the chain up to this block, or nil if
	// the node does not report it (btcd does not).
	ChainWork *big.Int
}

type verboseHeader struct {
	Hash          string  `json:"hash"`
	Confirmations *int64  `json:"confirmations"`
	Height        *int64  `json:"height"`
	Version       *int32  `json:"version"`
	MerkleRoot    string  `json:"merkleroot"`
	Time          *uint32 `json:"time"`
	Nonce         *uint32 `json:"nonce"`
	Bits          string  `json:"bits"`
	PreviousHash  string  `json:"previousblockhash"`
	ChainWork     string  `json:"chainwork"`
}

// GetBlockHeaderVerbose returns the header of block hash with its height,
// confirmations and (when reported) chain work. The header is rebuilt from
// the reported fields and must hash to hash, so the fields are checked too;
// height, confirmations and chain work are the node's word.
func (c *Client) GetBlockHeaderVerbose(ctx context.Context, hash chainhash.Hash) (*HeaderInfo, error) {
	const method = "getblockheader"
	var v verboseHeader
	if err := c.Call(ctx, method, []any{hash.String(), true}, &v); err != nil {
		return nil, err
	}
	if v.Confirmations == nil || v.Height == nil || v.Version == nil || v.Time == nil || v.Nonce == nil {
		return nil, c.badData(method, nil, "answer for block %s lacks confirmations, height, version, time or nonce", hash)
	}
	if *v.Height < 0 {
		return nil, c.badData(method, nil, "negative height %d for block %s", *v.Height, hash)
	}
	got, err := parseHash(v.Hash)
	if err != nil {
		return nil, c.badAnswer(method, fmt.Errorf("field hash: %w", err))
	}
	if got != hash {
		return nil, c.badData(method, ErrHashMismatch, "answer is for block %s, requested %s", got, hash)
	}
	h := &wire.BlockHeader{Version: *v.Version, Nonce: *v.Nonce}
	h.Timestamp = time.Unix(int64(*v.Time), 0)
	if h.MerkleRoot, err = parseHash(v.MerkleRoot); err != nil {
		return nil, c.badAnswer(method, fmt.Errorf("field merkleroot: %w", err))
	}
	if v.PreviousHash != "" { // absent for the genesis block
		if h.PrevBlock, err = parseHash(v.PreviousHash); err != nil {
			return nil, c.badAnswer(method, fmt.Errorf("field previousblockhash: %w", err))
		}
	}
	bits, err := strconv.ParseUint(v.Bits, 16, 32)
	if err != nil || len(v.Bits) != 8 {
		return nil, c.badData(method, ErrBadHex, "field bits %q is not 8 hex digits", v.Bits)
	}
	h.Bits = uint32(bits)
	if got := h.BlockHash(); got != hash {
		return nil, c.badData(method, ErrHashMismatch, "reported header fields hash to %s, requested %s", got, hash)
	}
	info := &HeaderInfo{Header: h, Hash: hash, Height: *v.Height, Confirmations: *v.Confirmations}
	if v.ChainWork != "" {
		work, ok := new(big.Int).SetString(v.ChainWork, 16)
		if !ok || work.Sign() < 0 {
			return nil, c.badData(method, ErrBadHex, "field chainwork %q is not a hex number", v.ChainWork)
		}
		info.ChainWork = work
	}
	return info, nil
}

// GetBlock returns block hash, checked: it hashes to hash, its transactions
// produce its merkle root, and its witness data matches its witness
// commitment. It asks for raw hex (verbosity 0); a node that only takes the
// old boolean form ("getblock hash false") is asked again that way.
func (c *Client) GetBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	const method = "getblock"
	raw, err := c.call(ctx, method, []any{hash.String(), 0})
	var rpcErr *Error
	if errors.As(err, &rpcErr) && rpcErr.Code != CodeInvalidAddressOrKey {
		if raw2, err2 := c.call(ctx, method, []any{hash.String(), false}); err2 == nil {
			raw, err = raw2, nil
		}
	}
	if err != nil {
		return nil, err
	}
	b, err := c.hexResult(method, raw)
	if err != nil {
		return nil, err
	}
	block, err := bitcoin.DecodeBlock(b)
	if err != nil {
		return nil, c.badData(method, err, "block %s", hash)
	}
	if err := checkBlock(block, hash); err != nil {
		return nil, c.badAnswer(method, err)
	}
	return block, nil
}

// checkBlock checks that block is the block hash and that its transactions
// are the ones its header commits to.
func checkBlock(block *wire.MsgBlock, hash chainhash.Hash) error {
	if got := block.BlockHash(); got != hash {
		return fmt.Errorf("%w: block hashes to %s, requested %s", ErrHashMismatch, got, hash)
	}
	if len(block.Transactions) == 0 {
		return fmt.Errorf("%w: block %s", bitcoin.ErrNoTransactions, hash)
	}
	txids := make([]chainhash.Hash, len(block.Transactions))
	seen := make(map[chainhash.Hash]struct{}, len(txids))
	for i, tx := range block.Transactions {
		txids[i] = tx.TxHash()
		// A repeated txid would let a different transaction list produce
		// the same merkle root (CVE-2012-2459); no valid block has one.
		if _, dup := seen[txids[i]]; dup {
			return fmt.Errorf("%w: block %s lists transaction %s twice", bitcoin.ErrMerkleRootMismatch, hash, txids[i])
		}
		seen[txids[i]] = struct{}{}
	}
	root, _ := bitcoin.MerkleRoot(txids)
	if root != block.Header.MerkleRoot {
		return fmt.Errorf("%w: transactions of block %s give %s, header has %s", bitcoin.ErrMerkleRootMismatch, hash, root, block.Header.MerkleRoot)
	}
	return checkWitnessCommitment(block)
}

// witnessMagic starts a BIP141 witness commitment output:
// OP_RETURN, push 36 bytes, 0xaa21a9ed, then the 32-byte commitment.
var witnessMagic = []byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}

// checkWitnessCommitment checks the BIP141 commitment, as the txid merkle
// root does not cover witness data: without this a node could alter or strip
// witnesses undetected.
func checkWitnessCommitment(block *wire.MsgBlock) error {
	coinbase := block.Transactions[0]
	var commitment []byte
	for _, out := range coinbase.TxOut { // the last matching output counts
		if len(out.PkScript) >= 38 && bytes.Equal(out.PkScript[:6], witnessMagic) {
			commitment = out.PkScript[6:38]
		}
	}
	if commitment == nil {
		for _, tx := range block.Transactions {
			if tx.HasWitness() {
				return fmt.Errorf("%w: transaction %s has witness data but the block has no witness commitment", ErrBadWitness, tx.TxHash())
			}
		}
		return nil
	}
	if len(coinbase.TxIn) != 1 || len(coinbase.TxIn[0].Witness) != 1 || len(coinbase.TxIn[0].Witness[0]) != 32 {
		return fmt.Errorf("%w: coinbase witness must be one 32-byte reserved value", ErrBadWitness)
	}
	wtxids := make([]chainhash.Hash, len(block.Transactions))
	for i, tx := range block.Transactions[1:] { // the coinbase's wtxid counts as zero
		wtxids[i+1] = tx.WitnessHash()
	}
	root, _ := bitcoin.MerkleRoot(wtxids)
	want := chainhash.DoubleHashB(append(root[:], coinbase.TxIn[0].Witness[0]...))
	if !bytes.Equal(want, commitment) {
		return fmt.Errorf("%w: witness data gives %x, coinbase commits to %x", ErrBadWitness, want, commitment)
	}
	return nil
}

// SendRawTransaction submits tx and returns its txid. See IsAlreadyKnown for
// a node that already has it.
func (c *Client) SendRawTransaction(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	const method = "sendrawtransaction"
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return chainhash.Hash{}, c.fail(method, fmt.Errorf("serializing transaction: %v", err))
	}
	raw, err := c.call(ctx, method, []any{hex.EncodeToString(buf.Bytes())})
	if err != nil {
		return chainhash.Hash{}, err
	}
	got, err := c.hashResult(method, raw)
	if err != nil {
		return got, err
	}
	if want := tx.TxHash(); got != want {
		return got, c.badData(method, ErrHashMismatch, "node reports txid %s for transaction %s", got, want)
	}
	return got, nil
}

// GetRawTransaction returns transaction txid, checked to hash to txid. The
// node needs a transaction index (or the transaction in its mempool).
func (c *Client) GetRawTransaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	const method = "getrawtransaction"
	// No verbosity argument: raw hex is the default of Core and btcd, which
	// disagree on the argument's type.
	raw, err := c.call(ctx, method, []any{txid.String()})
	if err != nil {
		return nil, err
	}
	b, err := c.hexResult(method, raw)
	if err != nil {
		return nil, err
	}
	tx, err := bitcoin.DecodeTx(b)
	if err != nil {
		return nil, c.badData(method, err, "transaction %s", txid)
	}
	if got := tx.TxHash(); got != txid {
		return nil, c.badData(method, ErrHashMismatch, "transaction hashes to %s, requested %s", got, txid)
	}
	return tx, nil
}

// EstimateSmartFee returns the node's fee-rate estimate in sat/vB for
// confirmation within confTarget blocks. It uses estimatesmartfee (Bitcoin
// Core) and falls back to estimatefee on nodes without it (btcd). With no
// estimate available the error wraps ErrNoFeeEstimate.
func (c *Client) EstimateSmartFee(ctx context.Context, confTarget int64) (float64, error) {
	var res struct {
		FeeRate json.Number `json:"feerate"`
		Errors  []string    `json:"errors"`
	}
	err := c.Call(ctx, "estimatesmartfee", []any{confTarget}, &res)
	var rpcErr *Error
	if errors.As(err, &rpcErr) && rpcErr.Code == CodeMethodNotFound {
		return c.estimateFee(ctx, confTarget)
	}
	if err != nil {
		return 0, err
	}
	if res.FeeRate == "" {
		return 0, c.fail("estimatesmartfee", fmt.Errorf("%w: %s", ErrNoFeeEstimate, strings.Join(res.Errors, "; ")))
	}
	return c.feeRate("estimatesmartfee", res.FeeRate)
}

// estimateFee is btcd's estimatefee: BTC/kB, 0 or -1 (or an RPC error) when
// it has not seen enough blocks or transactions.
func (c *Client) estimateFee(ctx context.Context, confTarget int64) (float64, error) {
	const method = "estimatefee"
	var rate json.Number
	err := c.Call(ctx, method, []any{confTarget}, &rate)
	var rpcErr *Error
	if errors.As(err, &rpcErr) {
		return 0, c.fail(method, fmt.Errorf("%w: %w", ErrNoFeeEstimate, rpcErr))
	}
	if err != nil {
		return 0, err
	}
	return c.feeRate(method, rate)
}

func (c *Client) feeRate(method string, btcPerKvB json.Number) (float64, error) {
	rate, err := BTCPerKvBToSatPerVB(string(btcPerKvB))
	if err != nil {
		return 0, c.badAnswer(method, err)
	}
	if rate <= 0 {
		return 0, c.fail(method, fmt.Errorf("%w: node reports %s BTC/kvB", ErrNoFeeEstimate, btcPerKvB))
	}
	return rate, nil
}

// BTCPerKvBToSatPerVB converts a fee rate as nodes report it (a decimal
// number of BTC per 1000 virtual bytes) to satoshis per virtual byte. It
// works on the decimal text, so "0.00001" is exactly 1, not 0.9999999.
func BTCPerKvBToSatPerVB(btcPerKvB string) (float64, error) {
	r, ok := new(big.Rat).SetString(btcPerKvB)
	if !ok {
		return 0, fmt.Errorf("fee rate %q is not a decimal number", btcPerKvB)
	}
	// 1 BTC/kvB = 1e8 sat / 1000 vB = 1e5 sat/vB.
	f, _ := r.Mul(r, big.NewRat(100_000, 1)).Float64()
	return f, nil
}
