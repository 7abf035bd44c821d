package popminer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/hemiclient"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// fakeNode is a Bitcoin node: a chain from regtest's genesis and a mempool.
type fakeNode struct {
	blocks  []*wire.MsgBlock
	mempool []*wire.MsgTx
	// refuse, while set, is the node's answer to every broadcast (a node that is down).
	refuse error
}

var _ BitcoinNode = (*fakeNode)(nil)

func newFakeNode() *fakeNode {
	return &fakeNode{blocks: []*wire.MsgBlock{chaincfg.RegressionNetParams.GenesisBlock}}
}

func (n *fakeNode) GetBlockCount(context.Context) (int64, error) {
	return int64(len(n.blocks) - 1), nil
}

func (n *fakeNode) GetBlockHash(_ context.Context, height int64) (chainhash.Hash, error) {
	if height < 0 || height >= int64(len(n.blocks)) {
		return chainhash.Hash{}, fmt.Errorf("no block at height %d", height)
	}
	return n.blocks[height].BlockHash(), nil
}

func (n *fakeNode) height(hash chainhash.Hash) (int64, bool) {
	for h, b := range n.blocks {
		if b.BlockHash() == hash {
			return int64(h), true
		}
	}
	return 0, false
}

func (n *fakeNode) GetBlock(_ context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	h, ok := n.height(hash)
	if !ok {
		return nil, fmt.Errorf("block %s not found", hash)
	}
	return n.blocks[h], nil
}

func (n *fakeNode) GetBlockHeaderVerbose(_ context.Context, hash chainhash.Hash) (*rpc.HeaderInfo, error) {
	h, ok := n.height(hash)
	if !ok {
		return nil, fmt.Errorf("block %s not found", hash)
	}
	return &rpc.HeaderInfo{Header: &n.blocks[h].Header, Hash: hash, Height: h, Confirmations: int64(len(n.blocks)) - h}, nil
}

// mine appends a block holding txs (taken out of the mempool).
func (n *fakeNode) mine(txs ...*wire.MsgTx) *wire.MsgBlock {
	height := len(n.blocks)
	coinbase := wire.NewMsgTx(1)
	coinbase.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, []byte(strconv.Itoa(height)), nil))
	coinbase.AddTxOut(wire.NewTxOut(50e8, []byte{0x51}))
	block := &wire.MsgBlock{Header: wire.BlockHeader{Version: 4, PrevBlock: n.blocks[height-1].BlockHash(),
		Timestamp: time.Unix(int64(1_700_000_000+600*height), 0), Bits: 0x207fffff}}
	block.Transactions = append([]*wire.MsgTx{coinbase}, txs...)
	txids := make([]chainhash.Hash, len(block.Transactions))
	for i, tx := range block.Transactions {
		txids[i] = tx.TxHash()
	}
	block.Header.MerkleRoot, _ = bitcoin.MerkleRoot(txids)
	n.blocks = append(n.blocks, block)
	n.mempool = slices.DeleteFunc(n.mempool, func(m *wire.MsgTx) bool {
		return slices.ContainsFunc(txs, func(tx *wire.MsgTx) bool { return tx.TxHash() == m.TxHash() })
	})
	return block
}

// mineEmpty appends k blocks without transactions.
func (n *fakeNode) mineEmpty(k int) {
	for range k {
		n.mine()
	}
}

func (n *fakeNode) inMempool(txid chainhash.Hash) bool {
	return slices.ContainsFunc(n.mempool, func(tx *wire.MsgTx) bool { return tx.TxHash() == txid })
}

// fakeWallet is the real wallet (building, signing, bumping) over fake coins and the fake node.
type fakeWallet struct {
	*wallet.Wallet
	node      *fakeNode
	coins     []wallet.UTXO
	rate      int64
	bumpCalls int
	sent      []chainhash.Hash
}

var _ Wallet = (*fakeWallet)(nil)

func minerKey() *btcec.PrivateKey {
	seed := sha256.Sum256([]byte("popminer test key"))
	key, _ := btcec.PrivKeyFromBytes(seed[:])
	return key
}

func newFakeWallet(t *testing.T, node *fakeNode, feeCap int64, values ...int64) *fakeWallet {
	t.Helper()
	w, err := wallet.New(minerKey(), &chaincfg.RegressionNetParams, wallet.P2WPKH, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetFeeLimits(1, feeCap); err != nil {
		t.Fatal(err)
	}
	f := &fakeWallet{Wallet: w, node: node, rate: 2}
	for i, v := range values {
		f.coins = append(f.coins, f.newCoin(v, byte(i)))
	}
	return f
}

// newCoin is a confirmed coin of value paying the wallet, output 0 of a source transaction unique
// per tag.
func (w *fakeWallet) newCoin(value int64, tag byte) wallet.UTXO {
	source := wire.NewMsgTx(2)
	source.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{0xc0, tag}}, []byte{0x51}, nil))
	source.AddTxOut(wire.NewTxOut(value, w.PkScript()))
	return wallet.UTXO{OutPoint: wire.OutPoint{Hash: source.TxHash(), Index: 0},
		Value: value, PkScript: w.PkScript(), Confirmations: 10, SourceTx: source}
}

// UTXOs are the coins no transaction in the mempool or the chain spends.
func (w *fakeWallet) UTXOs(context.Context, int64) ([]wallet.UTXO, error) {
	spent := map[wire.OutPoint]bool{}
	txs := slices.Clone(w.node.mempool)
	for _, b := range w.node.blocks {
		txs = append(txs, b.Transactions...)
	}
	for _, tx := range txs {
		for _, in := range tx.TxIn {
			spent[in.PreviousOutPoint] = true
		}
	}
	coins := slices.Clone(w.coins)
	for _, b := range w.node.blocks { // change of mined transactions
		for _, tx := range b.Transactions {
			for i, out := range tx.TxOut {
				if bytes.Equal(out.PkScript, w.PkScript()) {
					coins = append(coins, wallet.UTXO{OutPoint: wire.OutPoint{Hash: tx.TxHash(), Index: uint32(i)}, Value: out.Value,
						PkScript: out.PkScript, Confirmations: 1, SourceTx: tx})
				}
			}
		}
	}
	var out []wallet.UTXO
	for _, c := range coins {
		if !spent[c.OutPoint] {
			out = append(out, c)
		}
	}
	return out, nil
}

func (w *fakeWallet) FeeRate(context.Context, int64) (int64, error) {
	floor, cap := w.FeeLimits()
	return max(floor, min(cap, w.rate)), nil
}

func (w *fakeWallet) BumpFee(tx *wire.MsgTx, spent []wallet.UTXO, rate int64) (*wire.MsgTx, int64, error) {
	w.bumpCalls++
	return w.Wallet.BumpFee(tx, spent, rate)
}

// Broadcast puts tx in the mempool, replacing the transactions it conflicts with (RBF).
func (w *fakeWallet) Broadcast(_ context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	if w.node.refuse != nil {
		return chainhash.Hash{}, w.node.refuse
	}
	w.sent = append(w.sent, tx.TxHash())
	if w.node.inMempool(tx.TxHash()) {
		return tx.TxHash(), nil
	}
	w.node.mempool = slices.DeleteFunc(w.node.mempool, func(m *wire.MsgTx) bool {
		for _, a := range m.TxIn {
			for _, b := range tx.TxIn {
				if a.PreviousOutPoint == b.PreviousOutPoint {
					return true
				}
			}
		}
		return false
	})
	w.node.mempool = append(w.node.mempool, tx)
	return tx.TxHash(), nil
}

// fakeHemi is x/pop and x/btclc.
type fakeHemi struct {
	keystones []poptypes.Keystone // oldest first
	published map[uint64]bool
	btclc     map[chainhash.Hash]bool
	recorded  map[chainhash.Hash]bool     // publications x/pop holds, by txid
	payees    map[chainhash.Hash][20]byte // their payees, bound as x/pop binds them
	proofs    []chainhash.Hash            // every proof submitted, duplicates included
	funded    map[chainhash.Hash]bool     // the proofs that carried a funding transaction
	settled   map[uint64]bool             // keystones whose reward is settled
	chain     BitcoinChain
}

var _ Hemi = (*fakeHemi)(nil)

func newFakeHemi() *fakeHemi {
	return &fakeHemi{published: map[uint64]bool{}, btclc: map[chainhash.Hash]bool{}, recorded: map[chainhash.Hash]bool{},
		payees: map[chainhash.Hash][20]byte{}, funded: map[chainhash.Hash]bool{}, settled: map[uint64]bool{}, chain: BitcoinChain{Network: bitcoin.RegTest, BaseHash: *chaincfg.RegressionNetParams.GenesisHash}}
}

func testKeystone(height uint64) poptypes.Keystone {
	hash := func(tag byte) []byte { return bytes.Repeat([]byte{tag, byte(height)}, 16) }
	return poptypes.Keystone{Height: height, BlockHash: hash(1), ParentHash: hash(2), AppHash: hash(3), PrevKeystoneHash: hash(4),
		BtcHeight: 1, BtcHash: chaincfg.RegressionNetParams.GenesisHash[:]}
}

func (h *fakeHemi) addKeystone(height uint64) {
	h.keystones = append(h.keystones, testKeystone(height))
}

func (h *fakeHemi) NewestKeystone(context.Context) (poptypes.Keystone, bool, error) {
	if len(h.keystones) == 0 {
		return poptypes.Keystone{}, false, nil
	}
	return h.keystones[len(h.keystones)-1], true, nil
}

func (h *fakeHemi) Published(_ context.Context, height uint64) (bool, error) {
	return h.published[height], nil
}

func (h *fakeHemi) HasBitcoinBlock(_ context.Context, hash chainhash.Hash) (bool, error) {
	return h.btclc[hash], nil
}

// SubmitPoPProof records the publication, and binds its payee as x/pop does: the signer of the
// first input through the funding transaction, if the proof carries it; a proof that binds the
// payee of a publication recorded without one succeeds, unless the keystone's reward is settled.
func (h *fakeHemi) SubmitPoPProof(_ context.Context, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (hemiclient.ProofOutcome, error) {
	h.proofs = append(h.proofs, txid)
	if !h.btclc[block.BlockHash()] {
		return 0, errors.New("block not in x/btclc")
	}
	if funding != nil {
		h.funded[txid] = true
	}
	var payee [20]byte
	bound, keystone := false, uint64(0)
	for _, tx := range block.Transactions {
		if tx.TxHash() != txid {
			continue
		}
		if k, err := bitcoin.FindPoPPayload(tx); err == nil {
			keystone = uint64(k.KeystoneHeight)
		}
		if funding != nil {
			var err error
			payee, err = bitcoin.InputSignerAccount(tx, funding)
			bound = err == nil
		}
	}
	_, hasPayee := h.payees[txid]
	if h.recorded[txid] && (hasPayee || !bound) {
		return hemiclient.ProofAlreadyRecorded, nil
	}
	if h.recorded[txid] && h.settled[keystone] {
		return hemiclient.ProofRewardSettled, nil
	}
	h.recorded[txid] = true
	if bound {
		h.payees[txid] = payee
	}
	return hemiclient.ProofRecorded, nil
}

func (h *fakeHemi) BitcoinChain(context.Context) (BitcoinChain, error) { return h.chain, nil }

// logBuffer collects the miner's log lines.
type logBuffer struct{ bytes.Buffer }

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&b.Buffer, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// harness is a miner over fakes, with its state file in a temporary directory.
type harness struct {
	t     *testing.T
	node  *fakeNode
	w     *fakeWallet
	hemi  *fakeHemi
	path  string
	log   logBuffer
	miner *Miner
}

func newHarness(t *testing.T, feeCap int64, coins ...int64) *harness {
	node := newFakeNode()
	node.mineEmpty(10)
	h := &harness{t: t, node: node, w: newFakeWallet(t, node, feeCap, coins...), hemi: newFakeHemi(),
		path: filepath.Join(t.TempDir(), "state.json")}
	h.restart()
	return h
}

// restart makes a new miner from the state file, as a restarted process would.
func (h *harness) restart() {
	h.t.Helper()
	file, err := NewStateFile(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.miner, err = New(Config{ConfTarget: 2, BumpAfterBlocks: 3}, h.node, h.w, h.hemi, file, h.log.logger(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) step() {
	h.t.Helper()
	if err := h.miner.Step(context.Background()); err != nil {
		h.t.Fatalf("step: %v\nlog:\n%s", err, h.log.String())
	}
}

// pending is the pending publication, which must exist.
func (h *harness) pending() *Publication {
	h.t.Helper()
	p := h.miner.state.Pending()
	if p == nil {
		h.t.Fatalf("no pending publication; state %+v", h.miner.state)
	}
	return p
}

// publishedKeystone is the keystone height tx publishes.
func publishedKeystone(t *testing.T, tx *wire.MsgTx) uint64 {
	t.Helper()
	k, err := bitcoin.FindPoPPayload(tx)
	if err != nil {
		t.Fatalf("transaction %s publishes nothing: %v", tx.TxHash(), err)
	}
	return uint64(k.KeystoneHeight)
}
