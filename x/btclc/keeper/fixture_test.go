package keeper_test

import (
	"bytes"
	"context"
	"cosmossdk.io/collections"
	"errors"
	"math/big"
	"testing"
	"time"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkaddress "github.com/cosmos/cosmos-sdk/types/address"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/keeper"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// testBlockTime is the block time of every test context unless a test says
// otherwise: after every header in the test data, so "too far in the future"
// never fires by accident.
var testBlockTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

var addrCodec = address.NewBech32Codec("hemi")

func mustAddr(tb testing.TB, b []byte) string {
	tb.Helper()
	s, err := addrCodec.BytesToString(b)
	require.NoError(tb, err)
	return s
}

// fixture is a keeper on a fresh in-memory IAVL store, with the Msg and
// Query services on top, as the app wires them.
type fixture struct {
	tb        testing.TB
	ctx       sdk.Context
	key       *storetypes.KVStoreKey
	cms       interface{ Commit() storetypes.CommitID }
	k         keeper.Keeper
	msgs      types.MsgServer
	query     keeper.Querier
	hooks     *recordingHooks
	authority string
	relayer   string
}

func newFixture(tb testing.TB, gs *types.GenesisState) *fixture {
	tb.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(tb, key, storetypes.NewTransientStoreKey("transient_test"))
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	authority := mustAddr(tb, sdkaddress.Module("gov"))
	k := keeper.NewKeeper(cdc, runtime.NewKVStoreService(key), authority, addrCodec)
	hooks := &recordingHooks{}
	k.SetHooks(hooks)
	f := &fixture{
		tb:        tb,
		ctx:       tctx.Ctx.WithBlockTime(testBlockTime),
		key:       key,
		cms:       tctx.CMS,
		k:         k,
		msgs:      keeper.NewMsgServerImpl(k),
		query:     keeper.NewQuerier(k),
		hooks:     hooks,
		authority: authority,
		relayer:   mustAddr(tb, bytes.Repeat([]byte{0x42}, 20)),
	}
	require.NoError(tb, k.InitGenesis(f.ctx, gs))
	return f
}

// insert sends one MsgInsertHeaders from the relayer.
func (f *fixture) insert(raw [][]byte) (*types.MsgInsertHeadersResponse, error) {
	return f.msgs.InsertHeaders(f.ctx, types.NewMsgInsertHeaders(f.relayer, raw))
}

// mustInsert inserts in batches of at most size headers and fails the test on
// any error.
func (f *fixture) mustInsert(raw [][]byte, size int) *types.MsgInsertHeadersResponse {
	f.tb.Helper()
	var resp *types.MsgInsertHeadersResponse
	for len(raw) > 0 {
		n := min(size, len(raw))
		var err error
		resp, err = f.insert(raw[:n])
		require.NoError(f.tb, err)
		raw = raw[n:]
	}
	return resp
}

// tip is the keeper's tip, checked against the canonical map's last key: TipHeight must
// follow every insert and reorg.
func (f *fixture) tip() types.HeaderInfo {
	f.tb.Helper()
	tip, err := f.k.Tip(f.ctx)
	require.NoError(f.tb, err)
	iter, err := f.k.Headers.Iterate(f.ctx, new(collections.Range[uint64]).Descending())
	require.NoError(f.tb, err)
	defer iter.Close()
	require.True(f.tb, iter.Valid())
	last, err := iter.Key()
	require.NoError(f.tb, err)
	require.Equal(f.tb, last, tip.Height, "TipHeight is not the canonical chain's last height")
	return tip
}

func (f *fixture) header(height uint64) types.HeaderInfo {
	f.tb.Helper()
	h, err := f.k.HeaderByHeight(f.ctx, height)
	require.NoError(f.tb, err)
	return h
}

// snapshot is every key and value of the module's store, in key order.
func (f *fixture) snapshot() [][2][]byte {
	f.tb.Helper()
	return storeSnapshot(f.ctx, f.key)
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

// requireRejected sends raw and checks that it fails with want and leaves
// every key of the store, and the event log, as they were.
func (f *fixture) requireRejected(raw [][]byte, want error) error {
	f.tb.Helper()
	before := f.snapshot()
	events := len(f.ctx.EventManager().Events())
	_, err := f.insert(raw)
	require.Error(f.tb, err)
	require.Truef(f.tb, errors.Is(err, want), "got %v, want %v", err, want)
	require.Equal(f.tb, before, f.snapshot(), "a rejected message changed the store")
	require.Len(f.tb, f.ctx.EventManager().Events(), events, "a rejected message emitted events")
	return err
}

// genesisAt starts a chain at a real base header with its real chain work
// and its 10 ancestors.
func genesisAt(tb testing.TB, network string, height uint64, raw []byte, work *big.Int, ancestors [][]byte) *types.GenesisState {
	tb.Helper()
	gs, err := types.NewGenesisState(types.DefaultParams(), network, height, raw, work, ancestors)
	require.NoError(tb, err)
	return gs
}

// genesisFromZero starts a chain at the network's genesis block, the first
// header of run.
func genesisFromZero(tb testing.TB, network string, run *datagen.HeaderRun) *types.GenesisState {
	tb.Helper()
	require.Zero(tb, run.Start)
	return genesisAt(tb, network, 0, run.Raw[0], bitcoin.CalcWork(run.Headers[0].Bits), nil)
}

// regtestFixture starts at regtest's genesis block (the default genesis).
func regtestFixture(tb testing.TB) (*fixture, wire.BlockHeader) {
	tb.Helper()
	return newFixture(tb, types.DefaultGenesis()), datagen.RegtestGenesis()
}

// mainnet822528 is mainnet from the base 822528 with the chain work the
// boundaries file gives for it, and the run of real headers above it. The
// test data has no headers below 822528, which a genesis needs as the base's
// ancestors, so this base is written into the store directly, as InitGenesis
// would without them: the median time past of 822529..822538 then reads
// fewer than 11 timestamps (see mainnetAt for a base with its ancestors).
func mainnet822528(tb testing.TB) (*fixture, *datagen.HeaderRun, map[uint64]datagen.Boundary) {
	tb.Helper()
	run := datagen.LoadHeaders(tb, "mainnet-headers-822528-830592.hex")
	bounds := datagen.LoadBoundaries(tb)
	base := bounds[822528]
	require.Equal(tb, run.RawAt(tb, 822528), base.Raw)
	f := newFixture(tb, types.DefaultGenesis())
	require.NoError(tb, f.k.Headers.Remove(f.ctx, 0))
	genesis := datagen.RegtestGenesis()
	require.NoError(tb, f.k.HashToHeight.Remove(f.ctx, genesis.BlockHash()))
	require.NoError(tb, f.k.NetworkName.Set(f.ctx, bitcoin.MainNet))
	info, err := types.NewHeaderInfo(base.Raw, 822528, base.ChainWork)
	require.NoError(tb, err)
	require.NoError(tb, f.k.Headers.Set(f.ctx, 822528, info))
	require.NoError(tb, f.k.HashToHeight.Set(f.ctx, info.Hash(), 822528))
	require.NoError(tb, f.k.TipHeight.Set(f.ctx, 822528))
	return f, run, bounds
}

// mainnetAt is mainnet from a base inside the real run 822528..830592 (a
// period start above 822528), with its chain work and its 10 real
// ancestors, through InitGenesis.
func mainnetAt(tb testing.TB, height uint64) (*fixture, *datagen.HeaderRun) {
	tb.Helper()
	run := datagen.LoadHeaders(tb, "mainnet-headers-822528-830592.hex")
	base := datagen.LoadBoundaries(tb)[height]
	require.Equal(tb, run.RawAt(tb, height), base.Raw)
	return newFixture(tb, genesisAt(tb, bitcoin.MainNet, height, base.Raw, base.ChainWork, run.RawRange(tb, height-10, height-1))), run
}

// typedEvents decodes the module's typed events emitted so far, in order.
func typedEvents(tb testing.TB, ctx sdk.Context) []any {
	tb.Helper()
	var out []any
	for _, e := range ctx.EventManager().Events() {
		msg, err := sdk.ParseTypedEvent(abci.Event(e))
		require.NoError(tb, err)
		out = append(out, msg)
	}
	return out
}

// recordingHooks records every hook call, in order.
type recordingHooks struct {
	calls []hookCall
	err   error
}

type hookCall struct {
	kind   string // "rollback" or "rollforward"
	height uint64
	hash   chainhash.Hash
}

func (h *recordingHooks) AfterRollBack(_ context.Context, forkPoint types.HeaderInfo) error {
	h.calls = append(h.calls, hookCall{"rollback", forkPoint.Height, forkPoint.Hash()})
	return h.err
}

func (h *recordingHooks) AfterRollForward(_ context.Context, newTip types.HeaderInfo) error {
	h.calls = append(h.calls, hookCall{"rollforward", newTip.Height, newTip.Hash()})
	return h.err
}

func (h *recordingHooks) take() []hookCall {
	c := h.calls
	h.calls = nil
	return c
}

func workOf(n int64, bits uint32) sdkmath.Uint {
	return sdkmath.NewUintFromBigInt(new(big.Int).Mul(big.NewInt(n), bitcoin.CalcWork(bits)))
}

// cacheCtx is ctx on a throw-away cache of its store, for checking that
// something would be accepted without keeping it.
func cacheCtx(ctx sdk.Context) sdk.Context {
	cc, _ := ctx.CacheContext()
	return cc
}

// chainView is a ChainView of a regtest chain above genesis.
func chainView(chain []wire.BlockHeader, genesis wire.BlockHeader) bitcoin.ChainView {
	p, _ := bitcoin.NetworkByName(bitcoin.RegTest)
	c := bitcoin.NewMemChain(0, genesis)
	for i := range chain {
		if err := c.Extend(p, &chain[i]); err != nil {
			panic(err)
		}
	}
	return c
}

func errorsABCI(err error) (codespace string, code uint32, log string) {
	return errorsmod.ABCIInfo(err, false)
}

func newEventManager() *sdk.EventManager { return sdk.NewEventManager() }

// countEntries counts the entries of both chain indexes.
func countEntries(tb testing.TB, f *fixture) (headers, hashes int) {
	tb.Helper()
	require.NoError(tb, f.k.Headers.Walk(f.ctx, nil, func(uint64, types.HeaderInfo) (bool, error) {
		headers++
		return false, nil
	}))
	require.NoError(tb, f.k.HashToHeight.Walk(f.ctx, nil, func(chainhash.Hash, uint64) (bool, error) {
		hashes++
		return false, nil
	}))
	return headers, hashes
}

// keeperWithoutHooks is a second keeper on the fixture's store with no
// hooks set.
func keeperWithoutHooks(tb testing.TB, f *fixture) keeper.Keeper {
	tb.Helper()
	return keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(f.key), f.authority, addrCodec)
}

func keeperMsgServer(k keeper.Keeper) types.MsgServer { return keeper.NewMsgServerImpl(k) }
