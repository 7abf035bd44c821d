// Package keeper builds x/btclc, x/pop and x/tunnel keepers on an in-memory store, with a fake bank, for
// the keeper tests of x/pop and of the modules that build on x/btclc's proofs (x/tunnel, the
// hVM): each gets real keepers without an app.
package keeper

import (
	"os"
	"strconv"
	"testing"
	"time"

	"cosmossdk.io/log/v2"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/store/v2"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	popkeeper "github.com/hemi-appchain/hemi/x/pop/keeper"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunnelkeeper "github.com/hemi-appchain/hemi/x/tunnel/keeper"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// AddressCodec is the chain's account address codec.
var AddressCodec = address.NewBech32Codec("hemi")

// BlockTime is the block time of every test context: after every regtest header the tests mine,
// so x/btclc's "too far in the future" never fires.
var BlockTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// Env is a multistore on an in-memory database with a store for each module mounted, and a
// context over it.
type Env struct {
	Ctx       sdk.Context
	Cdc       codec.Codec
	Authority string // the governance module's address
	keys      map[string]*storetypes.KVStoreKey
}

// NewEnv mounts an IAVL store for each module name, each under its own prefix of one in-memory
// database, so that all can be committed (testutil.DefaultContextWithKeys puts every IAVL tree at
// the same prefix).
func NewEnv(tb testing.TB, modules ...string) *Env {
	tb.Helper()
	cms := store.NewCommitMultiStore(dbm.NewMemDB(), log.NewNopLogger())
	keys := make(map[string]*storetypes.KVStoreKey, len(modules))
	for _, m := range modules {
		keys[m] = storetypes.NewKVStoreKey(m)
		cms.MountStoreWithDB(keys[m], storetypes.StoreTypeIAVL, nil)
	}
	if err := cms.LoadLatestVersion(); err != nil {
		tb.Fatal(err)
	}
	authority, err := AddressCodec.BytesToString(authtypes.NewModuleAddress("gov"))
	if err != nil {
		tb.Fatal(err)
	}
	return &Env{
		Ctx:       sdk.NewContext(cms, cmtproto.Header{}, false, log.NewNopLogger()).WithBlockTime(BlockTime),
		Cdc:       codec.NewProtoCodec(codectypes.NewInterfaceRegistry()),
		Authority: authority,
		keys:      keys,
	}
}

// Key is the store key of a module mounted by NewEnv.
func (e *Env) Key(module string) *storetypes.KVStoreKey { return e.keys[module] }

// Commit commits every store, as the end of a block does: IAVL iterators over a block's
// uncommitted writes cost in proportion to them.
func (e *Env) Commit() {
	e.Ctx.MultiStore().(interface{ Commit() storetypes.CommitID }).Commit()
}

// BTCLC returns x/btclc's keeper on env's btclc store (NewEnv must have mounted it).
func BTCLC(env *Env) btclckeeper.Keeper {
	return btclckeeper.NewKeeper(env.Cdc, runtime.NewKVStoreService(env.Key(btclctypes.StoreKey)), env.Authority, AddressCodec)
}

// Pop returns x/pop's keeper on env's pop store over btclc and bank (also its community pool),
// and registers its hooks with btclc, as the app does (SetHooks sets them on the keeper value
// btclc points to, so use that value afterwards).
func Pop(env *Env, btclc *btclckeeper.Keeper, bank *Bank) popkeeper.Keeper {
	k := newPop(env, btclc, bank)
	btclc.SetHooks(btclctypes.NewMultiHooks(k.Hooks()))
	return k
}

func newPop(env *Env, btclc *btclckeeper.Keeper, bank *Bank) popkeeper.Keeper {
	return popkeeper.NewKeeper(env.Cdc, runtime.NewKVStoreService(env.Key(poptypes.StoreKey)), env.Authority, AddressCodec, *btclc, bank, bank)
}

// BTCLCAndPop mounts both stores and returns both keepers, x/pop's hooked to x/btclc, and a
// bank whose only minter is x/pop.
func BTCLCAndPop(tb testing.TB) (*Env, btclckeeper.Keeper, popkeeper.Keeper, *Bank) {
	tb.Helper()
	env := NewEnv(tb, poptypes.StoreKey, btclctypes.StoreKey)
	btclc := BTCLC(env)
	bank := NewBank(poptypes.ModuleName)
	pop := Pop(env, &btclc, bank)
	return env, btclc, pop, bank
}

// BTCLCPopAndTunnel mounts the three stores and returns the three keepers, x/pop's and
// x/tunnel's hooked to x/btclc as the app hooks them, and a bank whose minters are x/pop and
// x/tunnel.
func BTCLCPopAndTunnel(tb testing.TB) (*Env, btclckeeper.Keeper, popkeeper.Keeper, tunnelkeeper.Keeper, *Bank) {
	tb.Helper()
	env := NewEnv(tb, poptypes.StoreKey, btclctypes.StoreKey, tunneltypes.StoreKey)
	btclc := BTCLC(env)
	bank := NewBank(poptypes.ModuleName, tunneltypes.ModuleName)
	pop := newPop(env, &btclc, bank)
	tunnel := tunnelkeeper.NewKeeper(env.Cdc, runtime.NewKVStoreService(env.Key(tunneltypes.StoreKey)), env.Authority, AddressCodec, btclc, pop, bank)
	btclc.SetHooks(btclctypes.NewMultiHooks(pop.Hooks(), tunnel.Hooks()))
	return env, btclc, pop, tunnel, bank
}

// BacklogSizes are the backlogs the EndBlock benchmarks measure: 10, 100, 1,000 and 10,000, up to
// HEMI_BENCH_BACKLOG_MAX when it is set (building 10,000 takes a minute or two; `make bench-short`
// stops at 1,000). bench/lib.sh's backlog_sizes is the scripts' side.
func BacklogSizes(tb testing.TB) []int {
	tb.Helper()
	most := 10000
	if v := os.Getenv("HEMI_BENCH_BACKLOG_MAX"); v != "" {
		var err error
		if most, err = strconv.Atoi(v); err != nil {
			tb.Fatalf("HEMI_BENCH_BACKLOG_MAX: %v", err)
		}
	}
	sizes := []int{10}
	for n := 100; n <= min(most, 10000); n *= 10 {
		sizes = append(sizes, n)
	}
	return sizes
}

// BenchEndBlock times endBlock on a branch of ctx that prepare has set up (the fixture itself is
// left as it was): each iteration runs on a fresh branch of that state. check, when not nil, first
// sees what one endBlock did there, so that a benchmark also shows it measures the intended case.
func BenchEndBlock(b *testing.B, ctx sdk.Context, prepare, check func(sdk.Context), endBlock func(sdk.Context) error) {
	b.Helper()
	base, _ := ctx.CacheContext()
	prepare(base)
	if check != nil {
		checked, _ := base.CacheContext()
		if err := endBlock(checked); err != nil {
			b.Fatal(err)
		}
		check(checked)
	}
	b.ReportAllocs()
	for b.Loop() {
		branch, _ := base.CacheContext()
		if err := endBlock(branch); err != nil {
			b.Fatal(err)
		}
	}
}
