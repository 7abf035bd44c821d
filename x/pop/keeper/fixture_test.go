package keeper_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"cosmossdk.io/core/header"
	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/store/v2"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkaddress "github.com/cosmos/cosmos-sdk/types/address"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/keeper"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// testBlockTime is the block time of every test block: after every regtest
// header the tests mine, so x/btclc's "too far in the future" never fires.
var testBlockTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// testInterval is the keystone interval of the fixtures: short, as in the
// demo, so a test reaches several keystones in a few blocks.
const testInterval = 10

var addrCodec = address.NewBech32Codec("hemi")

func mustAddr(tb testing.TB, b []byte) string {
	tb.Helper()
	s, err := addrCodec.BytesToString(b)
	require.NoError(tb, err)
	return s
}

// fixture is x/pop on top of a real x/btclc keeper (regtest from its genesis
// block), each on its own in-memory IAVL store, with a recording bank and
// community pool. It drives hemi blocks (BeginBlock, EndBlock of x/btclc
// then x/pop) and mines regtest blocks holding real transactions.
type fixture struct {
	tb        testing.TB
	ctx       sdk.Context
	popKey    *storetypes.KVStoreKey
	btclcKey  *storetypes.KVStoreKey
	k         keeper.Keeper
	btclc     btclckeeper.Keeper
	msgs      types.MsgServer
	query     keeper.Querier
	btclcMsgs btclctypes.MsgServer
	bank      *fakeBank
	authority string
	submitter string
	height    int64 // last hemi block begun

	// btcTip is x/btclc's canonical tip header; btcBlocks every block mined.
	btcTip    wire.BlockHeader
	btcBlocks map[chainhash.Hash]*btcBlock
	nonce     uint32
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
	popKey := storetypes.NewKVStoreKey(types.StoreKey)
	btclcKey := storetypes.NewKVStoreKey(btclctypes.StoreKey)
	// Each store under its own prefix of one in-memory database, so both can
	// be committed (testutil.DefaultContextWithKeys puts every IAVL tree at
	// the same prefix).
	cms := store.NewCommitMultiStore(dbm.NewMemDB(), log.NewNopLogger())
	cms.MountStoreWithDB(popKey, storetypes.StoreTypeIAVL, nil)
	cms.MountStoreWithDB(btclcKey, storetypes.StoreTypeIAVL, nil)
	require.NoError(tb, cms.LoadLatestVersion())
	ctx := sdk.NewContext(cms, cmtproto.Header{}, false, log.NewNopLogger())
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	authority := mustAddr(tb, sdkaddress.Module("gov"))

	btclcK := btclckeeper.NewKeeper(cdc, runtime.NewKVStoreService(btclcKey), authority, addrCodec)
	bank := newFakeBank()
	k := keeper.NewKeeper(cdc, runtime.NewKVStoreService(popKey), authority, addrCodec, btclcK, bank, bank)
	btclcK.SetHooks(btclctypes.NewMultiHooks(k.Hooks()))

	f := &fixture{
		tb:        tb,
		ctx:       ctx.WithBlockTime(testBlockTime).WithBlockHeight(initialHeight),
		popKey:    popKey,
		btclcKey:  btclcKey,
		k:         k,
		btclc:     btclcK,
		msgs:      keeper.NewMsgServerImpl(k),
		query:     keeper.NewQuerier(k),
		btclcMsgs: btclckeeper.NewMsgServerImpl(btclcK),
		bank:      bank,
		authority: authority,
		submitter: mustAddr(tb, bytes.Repeat([]byte{0x42}, 20)),
		btcTip:    datagen.RegtestGenesis(),
		btcBlocks: make(map[chainhash.Hash]*btcBlock),
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
func (f *fixture) commit() {
	f.ctx.MultiStore().(interface{ Commit() storetypes.CommitID }).Commit()
}

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

// proof is the MsgSubmitPoPProof of the block's transaction at index i.
func (f *fixture) proof(b *btcBlock, i int) *types.MsgSubmitPoPProof {
	f.tb.Helper()
	branch, err := bitcoin.MerkleBranch(b.txids, uint32(i))
	require.NoError(f.tb, err)
	return types.NewMsgSubmitPoPProof(f.submitter, b.txs[i], b.hash(), uint32(i), branch)
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
// P2WPKH output, as a real PoP miner does.
type popMiner struct {
	key    *btcec.PrivateKey
	segwit bool
	nonce  uint32
}

func newPoPMiner(tb testing.TB, seed byte, segwit bool) *popMiner {
	tb.Helper()
	key, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{seed}, 32))
	return &popMiner{key: key, segwit: segwit}
}

// payee is the miner's hemi address: its key's Ethereum-style address.
func (m *popMiner) payee(tb testing.TB) string {
	tb.Helper()
	return mustAddr(tb, ethAddress(m.key.PubKey()))
}

// prevScript is the script of the output the miner spends.
func (m *popMiner) prevScript(tb testing.TB) []byte {
	tb.Helper()
	hash := btcutil.Hash160(m.key.PubKey().SerializeCompressed())
	var addr btcutil.Address
	var err error
	if m.segwit {
		addr, err = btcutil.NewAddressWitnessPubKeyHash(hash, &chaincfg.RegressionNetParams)
	} else {
		addr, err = btcutil.NewAddressPubKeyHash(hash, &chaincfg.RegressionNetParams)
	}
	require.NoError(tb, err)
	script, err := txscript.PayToAddrScript(addr)
	require.NoError(tb, err)
	return script
}

const spentAmount = 100_000

// popTx returns a signed transaction spending one of the miner's outputs to
// a PoP output carrying k and change back to the miner, plus any extra
// outputs.
func (m *popMiner) popTx(tb testing.TB, k bitcoin.AbbreviatedKeystone, extra ...*wire.TxOut) []byte {
	tb.Helper()
	outs := append([]*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(k))}, extra...)
	return m.signedTx(tb, outs...)
}

// signedTx returns a transaction with the miner's signed input, outs and a
// change output.
func (m *popMiner) signedTx(tb testing.TB, outs ...*wire.TxOut) []byte {
	tb.Helper()
	m.nonce++
	prev := m.prevScript(tb)
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH(fmt.Appendf(nil, "funding %x %d", m.key.Serialize(), m.nonce)), Index: 0}, nil, nil))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	tx.AddTxOut(wire.NewTxOut(spentAmount-1_000, prev))
	if m.segwit {
		fetcher := txscript.NewCannedPrevOutputFetcher(prev, spentAmount)
		w, err := txscript.WitnessSignature(tx, txscript.NewTxSigHashes(tx, fetcher), 0, spentAmount, prev, txscript.SigHashAll, m.key, true)
		require.NoError(tb, err)
		tx.TxIn[0].Witness = w
	} else {
		sig, err := txscript.SignatureScript(tx, 0, prev, txscript.SigHashAll, m.key, true)
		require.NoError(tb, err)
		tx.TxIn[0].SignatureScript = sig
	}
	return serializeTx(tb, tx)
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

// fakeBank records balances, the supply minted and the community pool, and
// refuses payouts to blocked addresses as the real bank does.
type fakeBank struct {
	balances map[string]sdk.Coins
	minted   sdk.Coins
	pool     sdk.Coins
	blocked  map[string]bool
}

func newFakeBank() *fakeBank {
	return &fakeBank{balances: map[string]sdk.Coins{}, blocked: map[string]bool{}}
}

var popModuleAddress = authtypes.NewModuleAddress(types.ModuleName)

func (b *fakeBank) MintCoins(_ context.Context, module string, amt sdk.Coins) error {
	if module != types.ModuleName {
		return fmt.Errorf("module %s may not mint", module)
	}
	b.minted = b.minted.Add(amt...)
	b.add(popModuleAddress, amt)
	return nil
}

func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	if b.blocked[string(to)] {
		return fmt.Errorf("%s is not allowed to receive funds", to)
	}
	return b.move(authtypes.NewModuleAddress(module), to, amt)
}

func (b *fakeBank) FundCommunityPool(_ context.Context, amt sdk.Coins, from sdk.AccAddress) error {
	if err := b.move(from, authtypes.NewModuleAddress("distribution"), amt); err != nil {
		return err
	}
	b.pool = b.pool.Add(amt...)
	return nil
}

func (b *fakeBank) add(addr sdk.AccAddress, amt sdk.Coins) {
	b.balances[string(addr)] = b.balances[string(addr)].Add(amt...)
}

func (b *fakeBank) move(from, to sdk.AccAddress, amt sdk.Coins) error {
	have := b.balances[string(from)]
	left, neg := have.SafeSub(amt...)
	if neg {
		return fmt.Errorf("insufficient funds: %s < %s", have, amt)
	}
	b.balances[string(from)] = left
	b.add(to, amt)
	return nil
}

func (b *fakeBank) balance(tb testing.TB, addr string) sdkmath.Int {
	tb.Helper()
	a, err := addrCodec.StringToBytes(addr)
	require.NoError(tb, err)
	return b.balances[string(a)].AmountOf(types.RewardDenom)
}
