// Package banksend is the baseline that benchmarks price gas against: bank
// sends through x/bank's Msg service, on IAVL stores with the SDK's default
// store gas, as a chain executes them, and the commit that follows.
package banksend

import (
	"fmt"
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/store/v2"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"
)

// Fixture holds n funded senders and n existing recipients on a committed
// IAVL store.
type Fixture struct {
	Ctx   sdk.Context
	CMS   store.CommitMultiStore
	msgs  banktypes.MsgServer
	sends []*banktypes.MsgSend
}

// New mounts x/auth and x/bank, creates the accounts and commits.
func New(tb testing.TB, n int) *Fixture {
	tb.Helper()
	authKey, bankKey := storetypes.NewKVStoreKey(authtypes.StoreKey), storetypes.NewKVStoreKey(banktypes.StoreKey)
	db := dbm.NewMemDB()
	cms := store.NewCommitMultiStore(db, log.NewNopLogger())
	cms.MountStoreWithDB(authKey, storetypes.StoreTypeIAVL, nil)
	cms.MountStoreWithDB(bankKey, storetypes.StoreTypeIAVL, nil)
	require.NoError(tb, cms.LoadLatestVersion())
	ctx := sdk.NewContext(cms, cmtproto.Header{}, false, log.NewNopLogger())
	registry := codectypes.NewInterfaceRegistry()
	authtypes.RegisterInterfaces(registry)
	cdc := codec.NewProtoCodec(registry)
	addrCodec := addresscodec.NewBech32Codec("hemi")
	authority, err := addrCodec.BytesToString(authtypes.NewModuleAddress("gov"))
	require.NoError(tb, err)
	ak := authkeeper.NewAccountKeeper(cdc, runtime.NewKVStoreService(authKey), authtypes.ProtoBaseAccount,
		map[string][]string{minttypes.ModuleName: {authtypes.Minter}}, addrCodec, "hemi", authority)
	bk := bankkeeper.NewBaseKeeper(cdc, runtime.NewKVStoreService(bankKey), ak, nil, authority, log.NewNopLogger())
	require.NoError(tb, bk.SetParams(ctx, banktypes.DefaultParams()))
	f := &Fixture{Ctx: ctx, CMS: cms, msgs: bankkeeper.NewMsgServerImpl(bk)}
	coins := sdk.NewCoins(sdk.NewInt64Coin("ahemi", 1_000_000_000))
	for i := range n {
		from, to := sdk.AccAddress(fmt.Sprintf("bench-sender-%07d", i)), sdk.AccAddress(fmt.Sprintf("bench-recver-%07d", i))
		ak.SetAccount(ctx, ak.NewAccountWithAddress(ctx, from))
		ak.SetAccount(ctx, ak.NewAccountWithAddress(ctx, to))
		require.NoError(tb, bk.MintCoins(ctx, minttypes.ModuleName, coins.Add(sdk.NewInt64Coin("ahemi", 1))))
		require.NoError(tb, bk.SendCoinsFromModuleToAccount(ctx, minttypes.ModuleName, from, coins))
		require.NoError(tb, bk.SendCoinsFromModuleToAccount(ctx, minttypes.ModuleName, to, sdk.NewCoins(sdk.NewInt64Coin("ahemi", 1))))
		fromStr, err := addrCodec.BytesToString(from)
		require.NoError(tb, err)
		toStr, err := addrCodec.BytesToString(to)
		require.NoError(tb, err)
		f.sends = append(f.sends, &banktypes.MsgSend{FromAddress: fromStr, ToAddress: toStr, Amount: sdk.NewCoins(sdk.NewInt64Coin("ahemi", 1))})
	}
	cms.Commit()
	return f
}

// Send sends 1 ahemi from sender i to recipient i on ctx (a context of the
// fixture's store, with a gas meter), and returns the gas the Msg service
// consumed with the default store gas.
func (f *Fixture) Send(ctx sdk.Context, i int) (uint64, error) {
	_, err := f.msgs.Send(ctx, f.sends[i])
	return ctx.GasMeter().GasConsumed(), err
}

// Benchmark is the baseline sub-benchmark of a Msg's gas: one bank send
// between two existing accounts, in a cache of the committed store as
// DeliverTx runs it, reporting its gas as gas/op. Run it as b.Run("banksend",
// banksend.Benchmark) beside the Msg measured.
func Benchmark(b *testing.B) {
	bank := New(b, 1)
	var gas uint64
	b.ReportAllocs()
	for b.Loop() {
		cctx, _ := bank.Ctx.CacheContext()
		var err error
		if gas, err = bank.Send(cctx.WithGasMeter(storetypes.NewGasMeter(1<<40)), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(gas), "gas/op")
}
