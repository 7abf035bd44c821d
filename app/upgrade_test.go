package app

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cosmossdk.io/core/header"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	upgradekeeper "github.com/cosmos/cosmos-sdk/x/upgrade/keeper"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"
)

// upgradeFixture is x/upgrade's keeper on an in-memory store, with upgradeModule over it. A second
// keeper over the same store (newKeeper again) is a restarted node with another binary.
type upgradeFixture struct {
	ctx  sdk.Context
	key  *storetypes.KVStoreKey
	home string
}

func newUpgradeFixture(t *testing.T) *upgradeFixture {
	key := storetypes.NewKVStoreKey(upgradetypes.StoreKey)
	tc := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_upgrade"))
	return &upgradeFixture{ctx: tc.Ctx, key: key, home: t.TempDir()}
}

func (f *upgradeFixture) newKeeper(skip ...int64) (*upgradekeeper.Keeper, upgradeModule) {
	skips := map[int64]bool{}
	for _, h := range skip {
		skips[h] = true
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	k := upgradekeeper.NewKeeper(skips, runtime.NewKVStoreService(f.key), cdc, f.home, nil, "authority")
	return k, upgradeModule{keeper: k}
}

func (f *upgradeFixture) at(height int64) sdk.Context {
	return f.ctx.WithHeaderInfo(header.Info{Height: height}).WithBlockHeight(height)
}

func (f *upgradeFixture) schedule(t *testing.T, k *upgradekeeper.Keeper, name string, height int64) {
	t.Helper()
	if err := k.ScheduleUpgrade(f.at(1), upgradetypes.Plan{Name: name, Height: height, Info: "binaries at example.org"}); err != nil {
		t.Fatal(err)
	}
}

func planned(t *testing.T, ctx context.Context, k *upgradekeeper.Keeper) bool {
	t.Helper()
	_, err := k.GetUpgradePlan(ctx)
	return err == nil
}

func TestUpgradeModule(t *testing.T) {
	t.Run("no plan", func(t *testing.T) {
		f := newUpgradeFixture(t)
		_, m := f.newKeeper()
		res, err := m.PreBlock(f.at(5))
		if err != nil || res.IsConsensusParamsChanged() {
			t.Fatalf("got %v, %v; want nothing to do", res, err)
		}
	})

	t.Run("due without a handler: upgrade-info.json and stop", func(t *testing.T) {
		f := newUpgradeFixture(t)
		k, m := f.newKeeper()
		f.schedule(t, k, "v2", 10)
		if res, err := m.PreBlock(f.at(9)); err != nil || res.IsConsensusParamsChanged() || !planned(t, f.at(9), k) {
			t.Fatalf("height 9, before the plan: %v, %v; want nothing done and the plan kept", res, err)
		}
		_, err := m.PreBlock(f.at(10))
		if err == nil || !strings.Contains(err.Error(), `UPGRADE "v2" NEEDED at height: 10`) {
			t.Fatalf("height 10: got %v, want UPGRADE NEEDED", err)
		}
		info, err := k.ReadUpgradeInfoFromDisk()
		if err != nil || info.Name != "v2" || info.Height != 10 {
			t.Fatalf("upgrade-info.json: %+v, %v; want v2 at 10", info, err)
		}
		if !planned(t, f.at(10), k) {
			t.Fatal("the plan was cleared; it must stay for the binary that has the handler")
		}
	})

	t.Run("due with a handler: applied once", func(t *testing.T) {
		f := newUpgradeFixture(t)
		k, m := f.newKeeper()
		ran := 0
		k.SetUpgradeHandler("v2", func(ctx context.Context, _ upgradetypes.Plan, vm module.VersionMap) (module.VersionMap, error) {
			ran++
			// A migration is not bounded by the block's gas.
			if limit := sdk.UnwrapSDKContext(ctx).BlockGasMeter().Limit(); limit != math.MaxUint64 {
				t.Errorf("the upgrade ran under a block gas limit of %d", limit)
			}
			return vm, nil
		})
		f.schedule(t, k, "v2", 10)
		res, err := m.PreBlock(f.at(10).WithBlockGasMeter(storetypes.NewGasMeter(1000)))
		if err != nil || !res.IsConsensusParamsChanged() || ran != 1 {
			t.Fatalf("got %v, %v, handler ran %d times; want it applied once", res, err, ran)
		}
		if done, err := k.GetDoneHeight(f.at(10), "v2"); err != nil || done != 10 {
			t.Fatalf("done height %d, %v; want 10", done, err)
		}
		if planned(t, f.at(11), k) {
			t.Fatal("the plan is still scheduled after it ran")
		}
		if _, err := m.PreBlock(f.at(11)); err != nil || ran != 1 {
			t.Fatalf("height 11: %v, handler ran %d times", err, ran)
		}

		// A node restarted on a binary without v2's handler refuses the state.
		_, older := f.newKeeper()
		if _, err := older.PreBlock(f.at(11)); err == nil || !strings.Contains(err.Error(), `has applied upgrade "v2"`) {
			t.Fatalf("older binary: got %v, want the refusal", err)
		}
	})

	t.Run("handler before the height: refused", func(t *testing.T) {
		f := newUpgradeFixture(t)
		k, m := f.newKeeper()
		k.SetUpgradeHandler("v2", func(_ context.Context, _ upgradetypes.Plan, vm module.VersionMap) (module.VersionMap, error) {
			t.Fatal("the handler ran before its height")
			return vm, nil
		})
		f.schedule(t, k, "v2", 10)
		if _, err := m.PreBlock(f.at(9)); err == nil || !strings.Contains(err.Error(), "not due yet") {
			t.Fatalf("got %v, want the early-binary refusal", err)
		}
	})

	t.Run("skipped height", func(t *testing.T) {
		f := newUpgradeFixture(t)
		k, m := f.newKeeper(10)
		k.SetUpgradeHandler("v2", func(_ context.Context, _ upgradetypes.Plan, vm module.VersionMap) (module.VersionMap, error) {
			t.Error("the handler of a skipped upgrade ran")
			return vm, nil
		})
		f.schedule(t, k, "v2", 10)
		res, err := m.PreBlock(f.at(10))
		if err != nil || res.IsConsensusParamsChanged() {
			t.Fatalf("skipped upgrade: %v, %v; want nothing applied", res, err)
		}
		if planned(t, f.at(10), k) {
			t.Fatal("a skipped plan must be cleared")
		}
	})

	t.Run("skipped height on a binary older than the state", func(t *testing.T) {
		f := newUpgradeFixture(t)
		k, m := f.newKeeper()
		k.SetUpgradeHandler("v2", func(_ context.Context, _ upgradetypes.Plan, vm module.VersionMap) (module.VersionMap, error) {
			return vm, nil
		})
		f.schedule(t, k, "v2", 10)
		if _, err := m.PreBlock(f.at(10)); err != nil {
			t.Fatal(err)
		}
		f.schedule(t, k, "v3", 20)
		// Skipping v3 does not excuse a binary that lacks v2's handler.
		_, older := f.newKeeper(20)
		if _, err := older.PreBlock(f.at(20)); err == nil || !strings.Contains(err.Error(), `has applied upgrade "v2"`) {
			t.Fatalf("older binary at a skipped height: got %v, want the refusal", err)
		}
	})
}

// upgradeModule repeats the SDK's x/upgrade app module (module.go, abci.go, autocli.go) as of the
// SDK version below. When go.mod moves the SDK, this fails until the module is compared again.
func TestUpgradeModuleMatchesSDK(t *testing.T) {
	const comparedWith = "v0.54.4"
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", "github.com/cosmos/cosmos-sdk").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/cosmos/cosmos-sdk: %v", err)
	}
	version, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if version != comparedWith {
		t.Fatalf("the SDK is %s: compare app/upgrade.go with its x/upgrade (module.go, abci.go, autocli.go; "+
			"ConsensusVersion, migrations, PreBlocker), then set comparedWith", version)
	}
	src, err := os.ReadFile(filepath.Join(dir, "x", "upgrade", "module.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const ConsensusVersion uint64 = (\d+)`).FindSubmatch(src)
	if m == nil || string(m[1]) != strconv.Itoa(upgradeConsensusVersion) {
		t.Fatalf("x/upgrade's ConsensusVersion is %q, upgradeModule's %d", m, upgradeConsensusVersion)
	}
	if n := strings.Count(string(src), "RegisterMigration("); n != 1 {
		t.Fatalf("x/upgrade registers %d migrations, upgradeModule 1", n)
	}
}
