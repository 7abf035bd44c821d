package rpc_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd processes")
	}
}

// TestRPCClientBtcd runs the client against a real btcd regtest node.
func TestRPCClientBtcd(t *testing.T) {
	skipShort(t)
	node := btcdtest.Start(t, nil)
	c := node.Client()
	ctx := testCtx(t)
	mined := node.Generate(120)

	t.Run("headers", func(t *testing.T) {
		count, err := c.GetBlockCount(ctx)
		if err != nil || count != 120 {
			t.Fatalf("GetBlockCount = %d, %v; want 120", count, err)
		}
		best, err := c.GetBestBlockHash(ctx)
		if err != nil || best != mined[119] {
			t.Fatalf("GetBestBlockHash = %s, %v; want %s", best, err, mined[119])
		}
		var prev chainhash.Hash
		for height := int64(0); height <= count; height++ {
			hash, err := c.GetBlockHash(ctx, height)
			if err != nil {
				t.Fatal(err)
			}
			if height > 0 && hash != mined[height-1] {
				t.Fatalf("height %d: GetBlockHash = %s, mined %s", height, hash, mined[height-1])
			}
			raw, err := c.GetBlockHeaderRaw(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := bitcoin.HeaderHash(raw); err != nil || got != hash {
				t.Fatalf("height %d: raw header hashes to %s, %v", height, got, err)
			}
			h, err := bitcoin.ParseHeader(raw)
			if err != nil {
				t.Fatal(err)
			}
			if height > 0 && h.PrevBlock != prev {
				t.Fatalf("height %d: header links to %s, previous block is %s", height, h.PrevBlock, prev)
			}
			info, err := c.GetBlockHeaderVerbose(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			if info.Height != height || info.Confirmations != count-height+1 || info.Header.BlockHash() != hash {
				t.Fatalf("height %d: verbose header says height %d, %d confirmations, hash %s",
					height, info.Height, info.Confirmations, info.Header.BlockHash())
			}
			prev = hash
		}
		// The genesis block must be regtest's.
		if h, _ := c.GetBlockHash(ctx, 0); h != *chaincfg.RegressionNetParams.GenesisHash {
			t.Fatalf("genesis %s is not regtest's", h)
		}
	})

	t.Run("block", func(t *testing.T) {
		block, err := c.GetBlock(ctx, mined[119])
		if err != nil {
			t.Fatal(err)
		}
		if block.BlockHash() != mined[119] || len(block.Transactions) != 1 {
			t.Fatalf("got block %s with %d transactions", block.BlockHash(), len(block.Transactions))
		}
		coinbase := block.Transactions[0]
		if in := coinbase.TxIn[0].PreviousOutPoint; in.Index != wire.MaxPrevOutIndex || in.Hash != (chainhash.Hash{}) {
			t.Fatalf("first transaction is not a coinbase: spends %s", in)
		}
		script, err := txscript.PayToAddrScript(node.MiningAddress())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(coinbase.TxOut[0].PkScript, script) {
			t.Fatalf("coinbase pays %x, want the mining address's script %x", coinbase.TxOut[0].PkScript, script)
		}
		tx, err := c.GetRawTransaction(ctx, coinbase.TxHash())
		if err != nil || tx.TxHash() != coinbase.TxHash() {
			t.Fatalf("GetRawTransaction(coinbase) = %v, %v", tx, err)
		}
	})

	t.Run("fee estimate", func(t *testing.T) {
		// btcd has no estimatesmartfee, and with no transactions seen its
		// estimatefee has no estimate: the client must fall back and say so.
		_, err := c.EstimateSmartFee(ctx, 6)
		if !errors.Is(err, rpc.ErrNoFeeEstimate) {
			t.Fatalf("EstimateSmartFee on an empty regtest chain: %v, want ErrNoFeeEstimate", err)
		}
	})

	t.Run("send", func(t *testing.T) {
		tx := spendCoinbase(t, c, node, mined[0])
		txid, err := c.SendRawTransaction(ctx, tx)
		if err != nil || txid != tx.TxHash() {
			t.Fatalf("SendRawTransaction = %s, %v; want %s", txid, err, tx.TxHash())
		}
		if _, err := c.SendRawTransaction(ctx, tx); !rpc.IsAlreadyKnown(err) {
			t.Fatalf("sending twice: %v, want an already-known error", err)
		}
		hash := node.Generate(1)[0]
		block, err := c.GetBlock(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if len(block.Transactions) != 2 || block.Transactions[1].TxHash() != txid {
			t.Fatalf("mined block has %d transactions, want the coinbase and %s", len(block.Transactions), txid)
		}
		if got, err := c.GetRawTransaction(ctx, txid); err != nil || got.WitnessHash() != tx.WitnessHash() {
			t.Fatalf("GetRawTransaction = %v, %v", got, err)
		}
	})

	t.Run("restart", func(t *testing.T) {
		before, err := c.GetBestBlockHash(ctx)
		if err != nil {
			t.Fatal(err)
		}
		node.Restart()
		after, err := c.GetBestBlockHash(ctx)
		if err != nil || after != before {
			t.Fatalf("after restart the tip is %s, %v; was %s", after, err, before)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		cfg := node.ClientConfig()
		cfg.Password = "wrong"
		bad, err := rpc.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.GetBlockCount(ctx)
		if !errors.Is(err, rpc.ErrAuth) || !strings.Contains(err.Error(), node.Name()) || !strings.Contains(err.Error(), "getblockcount") {
			t.Fatalf("wrong password: %v, want ErrRPCAuth naming the node and method", err)
		}
	})

	t.Run("stopped node", func(t *testing.T) {
		node.Stop()
		_, err := c.GetBlockCount(ctx)
		var rpcErr *rpc.Error
		if !errors.Is(err, rpc.ErrTransport) || errors.Is(err, rpc.ErrBadData) || errors.As(err, &rpcErr) {
			t.Fatalf("stopped node: %v, want only ErrRPCTransport", err)
		}
	})
}

// spendCoinbase signs a transaction spending the P2PKH coinbase output of
// block blockHash back to the same script.
func spendCoinbase(t *testing.T, c *rpc.Client, node *btcdtest.Node, blockHash chainhash.Hash) *wire.MsgTx {
	t.Helper()
	block, err := c.GetBlock(testCtx(t), blockHash)
	if err != nil {
		t.Fatal(err)
	}
	coinbase := block.Transactions[0]
	prev := coinbase.TxOut[0]
	key := node.MiningKey()
	if want, _ := txscript.PayToAddrScript(node.MiningAddress()); !bytes.Equal(prev.PkScript, want) {
		t.Fatalf("coinbase output %x is not P2PKH of the mining key", prev.PkScript)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: coinbase.TxHash(), Index: 0}, nil, nil))
	tx.AddTxOut(wire.NewTxOut(prev.Value-5000, prev.PkScript))
	if tx.TxIn[0].SignatureScript, err = txscript.SignatureScript(tx, 0, prev.PkScript, txscript.SigHashAll, key, true); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestRPCClientBtcdTLS talks to btcd over HTTPS with its own certificate.
func TestRPCClientBtcdTLS(t *testing.T) {
	skipShort(t)
	node := btcdtest.Start(t, &btcdtest.Options{TLS: true})
	ctx := testCtx(t)
	if _, err := node.Client().GetBlockCount(ctx); err != nil {
		t.Fatal(err)
	}
	// Without the CA file, btcd's self-signed certificate is not trusted.
	cfg := node.ClientConfig()
	cfg.CACertFile = ""
	c, err := rpc.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBlockCount(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("HTTPS without the node's CA: %v, want a certificate error", err)
	}
}

// TestRPCClientBtcdReorg: two nodes mine competing branches; once connected
// both end on the longer one, and the node that switched still serves the
// blocks and headers of the branch it left.
func TestRPCClientBtcdReorg(t *testing.T) {
	skipShort(t)
	a, b := btcdtest.Start(t, nil), btcdtest.Start(t, nil)
	ctx := testCtx(t)
	a.Connect(b)
	a.Generate(10)
	btcdtest.WaitSynced(t, a, b)

	r := btcdtest.Reorg(t, a, b, 3, 5)
	ca := a.Client()
	bestA, err := ca.GetBestBlockHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bestB, err := b.Client().GetBestBlockHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bestA != bestB || bestA != r.Winning[4] {
		t.Fatalf("best blocks: %s on a, %s on b; want the winner's tip %s", bestA, bestB, r.Winning[4])
	}
	if count, err := ca.GetBlockCount(ctx); err != nil || count != r.ForkHeight+5 {
		t.Fatalf("GetBlockCount = %d, %v; want %d", count, err, r.ForkHeight+5)
	}
	for i, orphan := range r.Orphaned {
		hash, err := ca.GetBlockHash(ctx, r.ForkHeight+1+int64(i))
		if err != nil || hash != r.Winning[i] || hash == orphan {
			t.Fatalf("height %d on a: %s, %v; want winner's %s", r.ForkHeight+1+int64(i), hash, err, r.Winning[i])
		}
		if _, err := ca.GetBlockHeader(ctx, orphan); err != nil {
			t.Fatalf("header of orphaned block %s: %v", orphan, err)
		}
		if _, err := ca.GetBlock(ctx, orphan); err != nil {
			t.Fatalf("orphaned block %s: %v", orphan, err)
		}
	}
}

// fakeNode serves JSON-RPC answers made by handle, to feed the client bad
// data a real node would not send.
func fakeNode(t *testing.T, handle func(method string, params []json.RawMessage) (any, *rpc.Error)) *rpc.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		result, rpcErr := handle(req.Method, req.Params)
		_ = json.NewEncoder(w).Encode(map[string]any{"result": result, "error": rpcErr, "id": req.ID})
	}))
	t.Cleanup(srv.Close)
	c, err := rpc.NewClient(rpc.Config{URL: srv.URL, User: "u", Password: "p", Name: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is a handler that gives the same result to every request.
func answer(result any) func(string, []json.RawMessage) (any, *rpc.Error) {
	return func(string, []json.RawMessage) (any, *rpc.Error) { return result, nil }
}

func TestRPCClientRejectsBadAnswers(t *testing.T) {
	ctx := testCtx(t)
	genesis := chaincfg.RegressionNetParams.GenesisBlock
	genesisHash := genesis.BlockHash()
	var hdr bytes.Buffer
	if err := genesis.Header.Serialize(&hdr); err != nil {
		t.Fatal(err)
	}
	rawHeader := hdr.Bytes()
	otherHash := *chaincfg.MainNetParams.GenesisHash

	// A block whose transaction list does not match its header's merkle
	// root: the genesis header (so the hash is right) with a second tx.
	tampered := *genesis
	extra := genesis.Transactions[0].Copy()
	extra.LockTime = 1
	tampered.Transactions = []*wire.MsgTx{genesis.Transactions[0], extra}
	var tamperedRaw bytes.Buffer
	if err := tampered.Serialize(&tamperedRaw); err != nil {
		t.Fatal(err)
	}

	verbose := func(mutate func(map[string]any)) map[string]any {
		h := genesis.Header
		v := map[string]any{
			"hash": genesisHash.String(), "confirmations": 1, "height": 0,
			"version": h.Version, "merkleroot": h.MerkleRoot.String(), "time": h.Timestamp.Unix(),
			"nonce": h.Nonce, "bits": "207fffff",
		}
		if mutate != nil {
			mutate(v)
		}
		return v
	}

	tests := []struct {
		name   string
		handle func(string, []json.RawMessage) (any, *rpc.Error)
		call   func(c *rpc.Client) error
		want   error
	}{
		{
			name:   "header for another block",
			handle: answer(hex.EncodeToString(rawHeader)),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeader(ctx, otherHash); return err },
			want:   rpc.ErrHashMismatch,
		},
		{
			name:   "header not hex",
			handle: answer("zz" + hex.EncodeToString(rawHeader[1:])),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeader(ctx, genesisHash); return err },
			want:   rpc.ErrBadHex,
		},
		{
			name:   "header not a string",
			handle: answer(42),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeader(ctx, genesisHash); return err },
			want:   rpc.ErrBadHex,
		},
		{
			name:   "header 79 bytes",
			handle: answer(hex.EncodeToString(rawHeader[:79])),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeader(ctx, genesisHash); return err },
			want:   bitcoin.ErrHeaderLength,
		},
		{
			name:   "header 81 bytes",
			handle: answer(hex.EncodeToString(append(append([]byte{}, rawHeader...), 0))),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeader(ctx, genesisHash); return err },
			want:   bitcoin.ErrHeaderLength,
		},
		{
			name:   "verbose header with a wrong field",
			handle: answer(verbose(func(v map[string]any) { v["nonce"] = genesis.Header.Nonce + 1 })),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeaderVerbose(ctx, genesisHash); return err },
			want:   rpc.ErrHashMismatch,
		},
		{
			name:   "verbose header for another block",
			handle: answer(verbose(func(v map[string]any) { v["hash"] = otherHash.String() })),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHeaderVerbose(ctx, genesisHash); return err },
			want:   rpc.ErrHashMismatch,
		},
		{
			name:   "block with a wrong merkle root",
			handle: answer(hex.EncodeToString(tamperedRaw.Bytes())),
			call:   func(c *rpc.Client) error { _, err := c.GetBlock(ctx, genesisHash); return err },
			want:   bitcoin.ErrMerkleRootMismatch,
		},
		{
			// 80 bytes of header, then a transaction count no data backs:
			// refused before anything is allocated for it.
			name:   "block declaring 400000 transactions in 5 bytes",
			handle: answer(hex.EncodeToString(append(append([]byte{}, rawHeader...), 0xfe, 0x80, 0x1a, 0x06, 0x00))),
			call:   func(c *rpc.Client) error { _, err := c.GetBlock(ctx, genesisHash); return err },
			want:   bitcoin.ErrBadBlock,
		},
		{
			name:   "block for another hash",
			handle: answer(hex.EncodeToString(tamperedRaw.Bytes())),
			call:   func(c *rpc.Client) error { _, err := c.GetBlock(ctx, otherHash); return err },
			want:   rpc.ErrHashMismatch,
		},
		{
			name:   "short block hash",
			handle: answer("abcd"),
			call:   func(c *rpc.Client) error { _, err := c.GetBlockHash(ctx, 1); return err },
			want:   rpc.ErrBadHex,
		},
		{
			name:   "transaction for another txid",
			handle: answer(hex.EncodeToString(mustSerializeTx(t, genesis.Transactions[0]))),
			call:   func(c *rpc.Client) error { _, err := c.GetRawTransaction(ctx, otherHash); return err },
			want:   rpc.ErrHashMismatch,
		},
		{
			name:   "wrong txid for a sent transaction",
			handle: answer(otherHash.String()),
			call: func(c *rpc.Client) error {
				_, err := c.SendRawTransaction(ctx, genesis.Transactions[0])
				return err
			},
			want: rpc.ErrHashMismatch,
		},
		{
			name:   "negative fee rate",
			handle: answer(map[string]any{"feerate": -1, "blocks": 2}),
			call:   func(c *rpc.Client) error { _, err := c.EstimateSmartFee(ctx, 2); return err },
			want:   rpc.ErrNoFeeEstimate,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(fakeNode(t, tc.handle))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want != rpc.ErrNoFeeEstimate && !errors.Is(err, rpc.ErrBadData) {
				t.Fatalf("%v is not ErrRPCBadData", err)
			}
			var nodeErr *rpc.NodeError
			if !errors.As(err, &nodeErr) || nodeErr.Node != "fake" || !strings.Contains(err.Error(), "fake") {
				t.Fatalf("%v does not name the node", err)
			}
		})
	}
}

// TestGetBlockChecksWitnessCommitment: the txid merkle root does not cover
// witness data, so GetBlock checks the BIP141 commitment as well.
func TestGetBlockChecksWitnessCommitment(t *testing.T) {
	ctx := testCtx(t)
	reserved := make([]byte, 32)
	coinbase := wire.NewMsgTx(1)
	coinbase.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  []byte{0x51, 0x51},
		Witness:          wire.TxWitness{reserved},
	})
	coinbase.AddTxOut(wire.NewTxOut(50e8, []byte{0x51}))
	spend := wire.NewMsgTx(2)
	spend.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{1}}, Witness: wire.TxWitness{{1, 2, 3}}})
	spend.AddTxOut(wire.NewTxOut(1, []byte{0x51}))

	// makeBlock commits to the witnesses of txs as they are now (or not at
	// all) and returns the block with its header filled in.
	makeBlock := func(commit bool) *wire.MsgBlock {
		cb := coinbase.Copy()
		if commit {
			root, _ := bitcoin.MerkleRoot([]chainhash.Hash{{}, spend.WitnessHash()})
			commitment := chainhash.DoubleHashB(append(root[:], reserved...))
			cb.AddTxOut(wire.NewTxOut(0, append([]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}, commitment...)))
		}
		block := &wire.MsgBlock{Transactions: []*wire.MsgTx{cb, spend.Copy()}}
		block.Header.MerkleRoot, _ = bitcoin.MerkleRoot([]chainhash.Hash{cb.TxHash(), spend.TxHash()})
		block.Header.Bits = 0x207fffff
		return block
	}
	getBlock := func(block *wire.MsgBlock, stripWitness bool) error {
		var raw bytes.Buffer
		encode := block.Serialize
		if stripWitness {
			encode = block.SerializeNoWitness
		}
		if err := encode(&raw); err != nil {
			t.Fatal(err)
		}
		_, err := fakeNode(t, answer(hex.EncodeToString(raw.Bytes()))).GetBlock(ctx, block.BlockHash())
		return err
	}

	good := makeBlock(true)
	if err := getBlock(good, false); err != nil {
		t.Fatalf("block with a correct witness commitment: %v", err)
	}
	if err := getBlock(good, true); !errors.Is(err, rpc.ErrBadWitness) {
		t.Fatalf("block with its witnesses stripped: %v, want ErrBadWitness", err)
	}
	altered := makeBlock(true)
	altered.Transactions[1].TxIn[0].Witness = wire.TxWitness{{4, 5, 6}}
	if err := getBlock(altered, false); !errors.Is(err, rpc.ErrBadWitness) {
		t.Fatalf("block with an altered witness: %v, want ErrBadWitness", err)
	}
	if err := getBlock(makeBlock(false), false); !errors.Is(err, rpc.ErrBadWitness) {
		t.Fatalf("witness data without a commitment: %v, want ErrBadWitness", err)
	}
}

func mustSerializeTx(t *testing.T, tx *wire.MsgTx) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRPCClientAcceptsGoodAnswers(t *testing.T) {
	ctx := testCtx(t)
	genesis := chaincfg.RegressionNetParams.GenesisBlock
	var raw bytes.Buffer
	if err := genesis.Serialize(&raw); err != nil {
		t.Fatal(err)
	}

	// A node that only takes the boolean form of getblock's second argument.
	c := fakeNode(t, func(method string, params []json.RawMessage) (any, *rpc.Error) {
		if string(params[1]) != "false" {
			return nil, &rpc.Error{Code: rpc.CodeInvalidParams, Message: "verbose must be a bool"}
		}
		return hex.EncodeToString(raw.Bytes()), nil
	})
	block, err := c.GetBlock(ctx, genesis.BlockHash())
	if err != nil || block.BlockHash() != genesis.BlockHash() {
		t.Fatalf("GetBlock with the boolean fallback: %v", err)
	}

	// Chain work is reported by Bitcoin Core, not by btcd.
	h := genesis.Header
	c = fakeNode(t, answer(map[string]any{
		"hash": h.BlockHash().String(), "confirmations": 3, "height": 0, "version": h.Version,
		"merkleroot": h.MerkleRoot.String(), "time": h.Timestamp.Unix(), "nonce": h.Nonce,
		"bits": "207fffff", "chainwork": "0000000000000000000000000000000000000000000000000000000000000002",
	}))
	info, err := c.GetBlockHeaderVerbose(ctx, h.BlockHash())
	if err != nil || info.Confirmations != 3 || info.ChainWork == nil || info.ChainWork.Int64() != 2 {
		t.Fatalf("GetBlockHeaderVerbose = %+v, %v", info, err)
	}
}

func TestRPCClientErrorClasses(t *testing.T) {
	ctx := testCtx(t)

	// The node's own error answers come back as *RPCError, not as bad data.
	c := fakeNode(t, func(string, []json.RawMessage) (any, *rpc.Error) {
		return nil, &rpc.Error{Code: -5, Message: "Block not found"}
	})
	_, err := c.GetBlockHeader(ctx, chainhash.Hash{})
	var rpcErr *rpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != -5 || errors.Is(err, rpc.ErrBadData) || errors.Is(err, rpc.ErrTransport) {
		t.Fatalf("RPC error answer: %v", err)
	}

	serve := func(h http.HandlerFunc) *rpc.Client {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		c, err := rpc.NewClient(rpc.Config{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Bitcoin Core answers bad credentials with an empty 401.
	c = serve(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
	if _, err := c.GetBlockCount(ctx); !errors.Is(err, rpc.ErrAuth) {
		t.Fatalf("HTTP 401: %v, want ErrRPCAuth", err)
	}
	// An answer to another request.
	c = serve(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"result": 5, "error": null, "id": 999}`))
	})
	if _, err := c.GetBlockCount(ctx); !errors.Is(err, rpc.ErrBadData) {
		t.Fatalf("wrong id: %v, want ErrRPCBadData", err)
	}
	// Overloaded or proxied node: temporary.
	c = serve(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Work queue depth exceeded", http.StatusServiceUnavailable)
	})
	if _, err := c.GetBlockCount(ctx); !errors.Is(err, rpc.ErrTransport) {
		t.Fatalf("HTTP 503: %v, want ErrRPCTransport", err)
	}
	// Nothing listening.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, _ = rpc.NewClient(rpc.Config{URL: srv.URL, Name: "gone"})
	if _, err := c.GetBlockCount(ctx); !errors.Is(err, rpc.ErrTransport) || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("closed server: %v, want ErrRPCTransport naming the node", err)
	}
}

func TestEstimateSmartFee(t *testing.T) {
	ctx := testCtx(t)
	notFound := &rpc.Error{Code: rpc.CodeMethodNotFound, Message: "Method not found"}
	tests := []struct {
		name    string
		answers map[string]any // method -> result or *RPCError
		want    float64
		noEst   bool
	}{
		{"core", map[string]any{"estimatesmartfee": map[string]any{"feerate": 0.00012, "blocks": 2}}, 12, false},
		{"core without data", map[string]any{"estimatesmartfee": map[string]any{"errors": []string{"Insufficient data or no feerate found"}, "blocks": 0}}, 0, true},
		{"btcd", map[string]any{"estimatesmartfee": notFound, "estimatefee": 0.0002}, 20, false},
		{"btcd without transactions", map[string]any{"estimatesmartfee": notFound, "estimatefee": 0}, 0, true},
		{"btcd without blocks", map[string]any{"estimatesmartfee": notFound,
			"estimatefee": &rpc.Error{Code: -32603, Message: "not enough blocks have been observed"}}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeNode(t, func(method string, _ []json.RawMessage) (any, *rpc.Error) {
				if e, ok := tc.answers[method].(*rpc.Error); ok {
					return nil, e
				}
				return tc.answers[method], nil
			})
			got, err := c.EstimateSmartFee(ctx, 2)
			if tc.noEst {
				if !errors.Is(err, rpc.ErrNoFeeEstimate) {
					t.Fatalf("got %v, %v; want ErrNoFeeEstimate", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v sat/vB", got, err, tc.want)
			}
		})
	}
}

func TestBTCPerKvBToSatPerVB(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"0.00001", 1}, // the usual minimum relay fee: exactly 1, not 0.99999...
		{"0.00001000", 1},
		{"1e-05", 1},
		{"0.0002", 20},
		{"0.00001234", 1.234},
		{"0.001", 100},
		{"0", 0},
		{"-1", -100000},
	} {
		got, err := rpc.BTCPerKvBToSatPerVB(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("BTCPerKvBToSatPerVB(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3"} {
		if _, err := rpc.BTCPerKvBToSatPerVB(bad); err == nil {
			t.Errorf("BTCPerKvBToSatPerVB(%q) succeeded", bad)
		}
	}
}
