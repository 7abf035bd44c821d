package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"cosmossdk.io/core/header"
	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	abci "github.com/cometbft/cometbft/abci/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/keeper"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// testBlockTime is the block time of every test block.
var testBlockTime = testkeeper.BlockTime

// testInterval is the keystone interval of the fixtures: short, as in the
// demo, so a test reaches several keystones in a few blocks.
const testInterval = 10

var addrCodec = testkeeper.AddressCodec

func mustAddr(tb testing.TB, b []byte) string {
	tb.Helper()
	s, err := addrCodec.BytesToString(b)
	require.NoError(tb, err)
	return s
}

// fixture is x/pop on top of a real x/btclc keeper (regtest from its genesis
// block), from testutil/keeper: each on its own in-memory IAVL store, with a
// fake bank and community pool. It drives hemi blocks (BeginBlock, EndBlock
// of x/btclc then x/pop) and mines regtest blocks holding real transactions.
type fixture struct {
	tb        testing.TB
	env       *testkeeper.Env
	ctx       sdk.Context
	popKey    *storetypes.KVStoreKey
	btclcKey  *storetypes.KVStoreKey
	k         keeper.Keeper
	btclc     btclckeeper.Keeper
	msgs      types.MsgServer
	query     keeper.Querier
	btclcMsgs btclctypes.MsgServer
	bank      fakeBank
	authority string
	submitter string
	height    int64 // last hemi block begun

	// btcTip is x/btclc's canonical tip header; btcBlocks every block mined.
	btcTip    wire.BlockHeader
	btcBlocks map[chainhash.Hash]*btcBlock
	// funding holds the funding transaction of every transaction the
	// fixture's PoP miners signed, by the spending txid: proofs carry it.
	funding map[chainhash.Hash][]byte
	nonce   uint32
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	gs := types.DefaultGenesis()
	gs.Params.KeystoneInterval = testInterval
	return newFixtureFrom(tb, btclctypes.DefaultGenesis(), gs, 0)
}

// newFixtureFrom starts from the given genesis states, as InitChain does
// with initialHeight (0 for a chain that starts at 1).
func newFixtureFrom(tb testing.TB, btclcGenesis *btclctypes.GenesisState, popGenesis *types.GenesisState, initialHeight int64) *fixture {
	tb.Helper()
	env, btclcK, k, bank := testkeeper.BTCLCAndPop(tb)
	f := &fixture{
		tb:        tb,
		env:       env,
		ctx:       env.Ctx.WithBlockHeight(initialHeight),
		popKey:    env.Key(types.StoreKey),
		btclcKey:  env.Key(btclctypes.StoreKey),
		k:         k,
		btclc:     btclcK,
		msgs:      keeper.NewMsgServerImpl(k),
		query:     keeper.NewQuerier(k),
		btclcMsgs: btclckeeper.NewMsgServerImpl(btclcK),
		bank:      fakeBank{bank},
		authority: env.Authority,
		submitter: mustAddr(tb, bytes.Repeat([]byte{0x42}, 20)),
		btcTip:    datagen.RegtestGenesis(),
		btcBlocks: make(map[chainhash.Hash]*btcBlock),
		funding:   make(map[chainhash.Hash][]byte),
	}
	require.NoError(tb, btclcK.InitGenesis(f.ctx, btclcGenesis))
	require.NoError(tb, k.InitGenesis(f.ctx, popGenesis))
	f.commit() // as InitChain's state is, before the first block runs
	f.height = max(initialHeight, 1) - 1
	if tip, err := btclcK.Tip(f.ctx); err == nil {
		h, err := tip.BlockHeader()
		require.NoError(tb, err)
		f.btcTip = *h
	}
	return f
}

// blockHash and appHash are what CometBFT would give block h of the test
// chain: distinct, deterministic 32-byte hashes.
func blockHash(h int64) []byte { s := sha256.Sum256(fmt.Appendf(nil, "block %d", h)); return s[:] }
func appHash(h int64) []byte   { s := sha256.Sum256(fmt.Appendf(nil, "app %d", h)); return s[:] }

// beginBlock starts hemi block height+1 as FinalizeBlock does: height,
// block hash and app hash in the context, a fresh event manager.
func (f *fixture) beginBlock() {
	f.tb.Helper()
	f.height++
	h := f.height
	f.ctx = f.ctx.WithBlockHeight(h).
		WithHeaderHash(blockHash(h)).
		WithHeaderInfo(header.Info{Height: h, Hash: blockHash(h), AppHash: appHash(h), Time: testBlockTime}).
		WithEventManager(sdk.NewEventManager())
	require.NoError(f.tb, f.k.BeginBlocker(f.ctx))
}

// endBlock ends the block as the app orders it: x/btclc (hooks), then x/pop,
// and commits it.
func (f *fixture) endBlock() {
	f.tb.Helper()
	require.NoError(f.tb, f.btclc.EndBlocker(f.ctx))
	require.NoError(f.tb, f.k.EndBlocker(f.ctx))
	f.commit()
}

// commit commits the stores, as the end of a block does: IAVL iterators over
// a block's uncommitted writes cost in proportion to them.
func (f *fixture) commit() { f.env.Commit() }

// advanceTo runs empty hemi blocks up to and including height.
func (f *fixture) advanceTo(height int64) {
	f.tb.Helper()
	for f.height < height {
		f.beginBlock()
		f.endBlock()
	}
}

// keystone returns the recorded keystone at height.
func (f *fixture) keystone(height uint64) types.Keystone {
	f.tb.Helper()
	ks, err := f.k.Keystones.Get(f.ctx, height)
	require.NoError(f.tb, err)
	return ks
}

func (f *fixture) abbrev(height uint64) bitcoin.AbbreviatedKeystone {
	f.tb.Helper()
	a, err := f.keystone(height).Abbreviate()
	require.NoError(f.tb, err)
	return a
}

func (f *fixture) status(height uint64) types.KeystoneStatus {
	f.tb.Helper()
	st, err := f.k.KeystoneStatus(f.ctx, height)
	require.NoError(f.tb, err)
	return st
}

func (f *fixture) finality() types.FinalityState {
	f.tb.Helper()
	fs, err := f.k.Finality.Get(f.ctx)
	require.NoError(f.tb, err)
	return fs
}

func (f *fixture) params() types.Params {
	f.tb.Helper()
	p, err := f.k.Params.Get(f.ctx)
	require.NoError(f.tb, err)
	return p
}

func (f *fixture) rewardsPaused() bool {
	f.tb.Helper()
	paused, err := f.k.Paused(f.ctx)
	require.NoError(f.tb, err)
	return paused
}

func (f *fixture) setParams(p types.Params) {
	f.tb.Helper()
	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, p))
	require.NoError(f.tb, err)
}

// --- Bitcoin side ---

// btcBlock is a mined regtest block: its header and transactions.
type btcBlock struct {
	header wire.BlockHeader
	height uint64
	txs    [][]byte
	txids  []chainhash.Hash
}

func (b *btcBlock) hash() chainhash.Hash { return b.header.BlockHash() }

// mineBlock mines a regtest block on parent (at parentHeight) holding a
// coinbase, then txs, then filler transactions up to at least minTxs. It is
// not inserted into x/btclc.
func (f *fixture) mineBlock(parent wire.BlockHeader, parentHeight uint64, minTxs int, txs ...[]byte) *btcBlock {
	f.tb.Helper()
	f.nonce++
	b := &btcBlock{height: parentHeight + 1}
	b.txs = append(b.txs, coinbaseTx(f.nonce))
	b.txs = append(b.txs, txs...)
	for i := 0; len(b.txs) < minTxs; i++ {
		b.txs = append(b.txs, fillerTx(f.nonce, uint32(i)))
	}
	for _, raw := range b.txs {
		txid, err := bitcoin.TxID(raw)
		require.NoError(f.tb, err)
		b.txids = append(b.txids, txid)
	}
	root, err := bitcoin.MerkleRoot(b.txids)
	require.NoError(f.tb, err)
	b.header = wire.BlockHeader{
		Version:    4,
		PrevBlock:  parent.BlockHash(),
		MerkleRoot: root,
		Timestamp:  parent.Timestamp.Add(datagen.RegtestSpacing),
		Bits:       datagen.RegtestBits,
	}
	p, err := bitcoin.NetworkByName(bitcoin.RegTest)
	require.NoError(f.tb, err)
	datagen.Mine(f.tb, p, &b.header)
	f.btcBlocks[b.hash()] = b
	return b
}

// insert sends headers to x/btclc in one message.
func (f *fixture) insert(blocks ...*btcBlock) (*btclctypes.MsgInsertHeadersResponse, error) {
	raw := make([][]byte, len(blocks))
	for i, b := range blocks {
		raw[i] = datagen.SerializeHeader(&b.header)
	}
	return f.btclcMsgs.InsertHeaders(f.ctx, btclctypes.NewMsgInsertHeaders(f.submitter, raw))
}

// extend mines a block holding txs on x/btclc's tip and inserts it.
func (f *fixture) extend(txs ...[]byte) *btcBlock {
	f.tb.Helper()
	tip, err := f.btclc.Tip(f.ctx)
	require.NoError(f.tb, err)
	b := f.mineBlock(f.btcTip, tip.Height, 0, txs...)
	_, err = f.insert(b)
	require.NoError(f.tb, err)
	f.btcTip = b.header
	return b
}

// extendN mines n empty blocks on the tip in one message.
func (f *fixture) extendN(n int) []*btcBlock {
	f.tb.Helper()
	tip, err := f.btclc.Tip(f.ctx)
	require.NoError(f.tb, err)
	parent, height := f.btcTip, tip.Height
	var blocks []*btcBlock
	for range n {
		b := f.mineBlock(parent, height, 0)
		blocks = append(blocks, b)
		parent, height = b.header, b.height
	}
	_, err = f.insert(blocks...)
	require.NoError(f.tb, err)
	f.btcTip = parent
	return blocks
}

// fork mines n blocks on the canonical block at height from (the fork point),
// the first holding txs, and inserts them: a reorg when n blocks outweigh
// what they replace.
func (f *fixture) fork(from uint64, n int, txs ...[]byte) []*btcBlock {
	f.tb.Helper()
	info, err := f.btclc.HeaderByHeight(f.ctx, from)
	require.NoError(f.tb, err)
	parent, err := info.BlockHeader()
	require.NoError(f.tb, err)
	var blocks []*btcBlock
	for i := range n {
		var b *btcBlock
		if i == 0 {
			b = f.mineBlock(*parent, from, 0, txs...)
		} else {
			b = f.mineBlock(*parent, from+uint64(i), 0)
		}
		blocks = append(blocks, b)
		parent = &b.header
	}
	_, err = f.insert(blocks...)
	require.NoError(f.tb, err)
	f.btcTip = *parent
	return blocks
}

func (f *fixture) btcTipHeight() uint64 {
	f.tb.Helper()
	tip, err := f.btclc.Tip(f.ctx)
	require.NoError(f.tb, err)
	return tip.Height
}

// proof is the MsgSubmitPoPProof of the block's transaction at index i,
// with its funding transaction when a PoP miner of the fixture signed it.
func (f *fixture) proof(b *btcBlock, i int) *types.MsgSubmitPoPProof {
	f.tb.Helper()
	branch, err := bitcoin.MerkleBranch(b.txids, uint32(i))
	require.NoError(f.tb, err)
	return types.NewMsgSubmitPoPProof(f.submitter, b.txs[i], b.hash(), uint32(i), branch, f.funding[b.txids[i]])
}

// submit proves the PoP transaction at index 1 of b.
func (f *fixture) submit(b *btcBlock) *types.MsgSubmitPoPProofResponse {
	f.tb.Helper()
	resp, err := f.msgs.SubmitPoPProof(f.ctx, f.proof(b, 1))
	require.NoError(f.tb, err)
	return resp
}

// publish mines a block on the tip holding a PoP transaction of keystone
// height by miner, inserts it and proves it, all in the current hemi block.
func (f *fixture) publish(m *popMiner, height uint64) *btcBlock {
	f.tb.Helper()
	b := f.extend(m.popTx(f.tb, f.abbrev(height)))
	f.submit(b)
	return b
}

// snapshot is every key and value of both stores, in key order.
func (f *fixture) snapshot() [][2][]byte {
	f.tb.Helper()
	return append(storeSnapshot(f.ctx, f.popKey), storeSnapshot(f.ctx, f.btclcKey)...)
}

func storeSnapshot(ctx sdk.Context, key storetypes.StoreKey) [][2][]byte {
	it := ctx.KVStore(key).Iterator(nil, nil)
	defer it.Close()
	var out [][2][]byte
	for ; it.Valid(); it.Next() {
		out = append(out, [2][]byte{bytes.Clone(it.Key()), bytes.Clone(it.Value())})
	}
	return out
}

// requireRejected sends msg and checks that it fails with want and leaves
// every key of both stores, the bank and the event log as they were.
func (f *fixture) requireRejected(t testing.TB, msg *types.MsgSubmitPoPProof, want error) error {
	t.Helper()
	before := f.snapshot()
	events := len(f.ctx.EventManager().Events())
	_, err := f.msgs.SubmitPoPProof(f.ctx, msg)
	require.Error(t, err)
	require.Truef(t, errors.Is(err, want), "got %v, want %v", err, want)
	require.Equal(t, before, f.snapshot(), "a rejected message changed the store")
	require.Len(t, f.ctx.EventManager().Events(), events, "a rejected message emitted events")
	return err
}

// typedEvents decodes the events emitted so far in this block, in order.
func typedEvents(tb testing.TB, ctx sdk.Context) []any {
	tb.Helper()
	var out []any
	for _, e := range ctx.EventManager().Events() {
		msg, err := sdk.ParseTypedEvent(abci.Event(e))
		if err != nil { // bank events of the fake are not typed
			continue
		}
		out = append(out, msg)
	}
	return out
}

// eventsOf returns the typed events of type T emitted so far in this block.
func eventsOf[T any](tb testing.TB, ctx sdk.Context) []T {
	tb.Helper()
	var out []T
	for _, e := range typedEvents(tb, ctx) {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// --- transactions ---

// popMiner signs PoP transactions with one secp256k1 key, from a P2PKH or a
// P2WPKH output, as a real PoP miner does: datagen.SignedSpend signs them,
// and the fixture keeps each funding transaction for the proofs.
type popMiner struct {
	f      *fixture
	key    *btcec.PrivateKey
	segwit bool
	nonce  uint32
}

func newPoPMiner(f *fixture, seed byte, segwit bool) *popMiner {
	key, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{seed}, 32))
	return &popMiner{f: f, key: key, segwit: segwit}
}

// payee is the miner's hemi address: its key's Ethereum-style address.
func (m *popMiner) payee(tb testing.TB) string {
	tb.Helper()
	return mustAddr(tb, ethAddress(m.key.PubKey()))
}

// popTx returns a signed transaction spending one of the miner's outputs to
// a PoP output carrying k, plus any extra outputs, and change back to the
// miner.
func (m *popMiner) popTx(tb testing.TB, k bitcoin.AbbreviatedKeystone, extra ...*wire.TxOut) []byte {
	tb.Helper()
	outs := append([]*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(k))}, extra...)
	return m.signedTx(tb, outs...)
}

// signedTx returns a transaction with the miner's signed input, outs and a
// change output, and records its funding transaction.
func (m *popMiner) signedTx(tb testing.TB, outs ...*wire.TxOut) []byte {
	tb.Helper()
	m.nonce++
	kind := datagen.P2PKH
	if m.segwit {
		kind = datagen.P2WPKH
	}
	prev := chainhash.HashH(fmt.Appendf(nil, "funding %x %d", m.key.Serialize(), m.nonce))
	spend := datagen.SignedSpend(tb, datagen.Spend{Kind: kind, Key: m.key, Outputs: outs}, prev)
	m.f.funding[spend.Spending.TxHash()] = serializeTx(tb, spend.Funding)
	return serializeTx(tb, spend.Spending)
}

// ethAddress is the Ethereum address of a key, computed with go-ethereum as
// a check on the PoP codec's own computation.
func ethAddress(pub *btcec.PublicKey) []byte {
	return ethcrypto.Keccak256(pub.SerializeUncompressed()[1:])[12:]
}

func serializeTx(tb testing.TB, tx *wire.MsgTx) []byte {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, tx.Serialize(&buf))
	return buf.Bytes()
}

// coinbaseTx is a block's first transaction, unique per block.
func coinbaseTx(nonce uint32) []byte {
	tx := wire.NewMsgTx(1)
	script := binary.LittleEndian.AppendUint32([]byte{0x04}, nonce)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), script, nil))
	tx.AddTxOut(wire.NewTxOut(50_0000_0000, []byte{txscript.OP_TRUE}))
	var buf bytes.Buffer
	_ = tx.Serialize(&buf)
	return buf.Bytes()
}

// fillerTx is some other transaction of a block.
func fillerTx(nonce, i uint32) []byte {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH(fmt.Appendf(nil, "filler %d %d", nonce, i))}, []byte{txscript.OP_TRUE}, nil))
	tx.AddTxOut(wire.NewTxOut(1_000, []byte{txscript.OP_TRUE}))
	var buf bytes.Buffer
	_ = tx.Serialize(&buf)
	return buf.Bytes()
}

// --- bank and community pool ---

// fakeBank is testutil/keeper's bank, with balances in the reward denom.
type fakeBank struct{ *testkeeper.Bank }

var popModuleAddress = authtypes.NewModuleAddress(types.ModuleName)

func (b fakeBank) balance(tb testing.TB, addr string) sdkmath.Int {
	tb.Helper()
	a, err := addrCodec.StringToBytes(addr)
	require.NoError(tb, err)
	return b.Balance(a).AmountOf(types.RewardDenom)
}
