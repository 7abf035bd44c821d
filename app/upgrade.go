package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	upgradev1beta1 "cosmossdk.io/api/cosmos/upgrade/v1beta1"
	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	upgradekeeper "github.com/cosmos/cosmos-sdk/x/upgrade/keeper"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"
)

// upgradeModule is x/upgrade's app module, built on x/upgrade's keeper, types and state. It is
// hemid's own because the SDK's module package imports the `software-upgrade` command, and that
// command imports x/upgrade/plan, the binary downloader (hashicorp/go-getter with the AWS and
// Google Cloud SDKs): about 380 packages, a seventh of what a cold build compiles, for fetching
// binaries, which is cosmovisor's job and not the node's. The state, the messages, the queries and
// the upgrade-info.json that cosmovisor watches are x/upgrade's own; see the README's "Upgrades".
type upgradeModule struct {
	keeper *upgradekeeper.Keeper
}

// upgradeConsensusVersion is x/upgrade's state version in the SDK this binary is built with.
const upgradeConsensusVersion = 2

var (
	_ module.AppModuleBasic      = upgradeModule{}
	_ module.HasGenesis          = upgradeModule{}
	_ module.HasServices         = upgradeModule{}
	_ module.HasConsensusVersion = upgradeModule{}

	_ appmodule.AppModule     = upgradeModule{}
	_ appmodule.HasPreBlocker = upgradeModule{}
)

func (upgradeModule) IsAppModule()        {}
func (upgradeModule) IsOnePerModuleType() {}
func (upgradeModule) Name() string        { return upgradetypes.ModuleName }

func (upgradeModule) ConsensusVersion() uint64 { return upgradeConsensusVersion }

func (upgradeModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	upgradetypes.RegisterLegacyAminoCodec(cdc)
}

func (upgradeModule) RegisterInterfaces(ir codectypes.InterfaceRegistry) {
	upgradetypes.RegisterInterfaces(ir)
}

func (upgradeModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := upgradetypes.RegisterQueryHandlerClient(context.Background(), mux, upgradetypes.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

func (m upgradeModule) RegisterServices(cfg module.Configurator) {
	upgradetypes.RegisterMsgServer(cfg.MsgServer(), upgradekeeper.NewMsgServerImpl(m.keeper))
	upgradetypes.RegisterQueryServer(cfg.QueryServer(), m.keeper)
	if err := cfg.RegisterMigration(upgradetypes.ModuleName, 1, upgradekeeper.NewMigrator(m.keeper).Migrate1to2); err != nil {
		panic(fmt.Errorf("registering x/upgrade's migration 1 → 2: %w", err))
	}
}

// x/upgrade has no genesis of its own: the module version map is written by App.InitChainer.
func (upgradeModule) DefaultGenesis(codec.JSONCodec) json.RawMessage { return []byte("{}") }
func (upgradeModule) ValidateGenesis(codec.JSONCodec, client.TxEncodingConfig, json.RawMessage) error {
	return nil
}
func (upgradeModule) InitGenesis(sdk.Context, codec.JSONCodec, json.RawMessage) {}
func (m upgradeModule) ExportGenesis(_ sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	return m.DefaultGenesis(cdc)
}

// PreBlock runs a scheduled upgrade at its height, before any other module in the block. A node
// whose binary has no handler for it writes upgrade-info.json (for cosmovisor) and stops with
// "UPGRADE … NEEDED"; a binary that already has the handler of an upgrade not yet due, or lacks
// the handler of the last applied one, refuses to run rather than execute blocks under the wrong
// rules.
func (m upgradeModule) PreBlock(ctx context.Context) (appmodule.ResponsePreBlock, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.HeaderInfo().Height
	plan, err := m.keeper.GetUpgradePlan(ctx)
	if err != nil && !errors.Is(err, upgradetypes.ErrNoUpgradePlanFound) {
		return nil, err
	}
	planned := err == nil
	due := planned && plan.ShouldExecute(height)
	skipped := due && m.keeper.IsSkipHeight(height)
	unchanged := &sdk.ResponsePreBlock{}

	// Once per process, unless an upgrade runs now: is this binary older than the state?
	if !m.keeper.DowngradeVerified() {
		m.keeper.SetDowngradeVerified(true)
		if !due || skipped {
			last, _, err := m.keeper.GetLastCompletedUpgrade(ctx)
			if err != nil {
				return nil, err
			}
			if last != "" && !m.keeper.HasHandler(last) {
				return nil, fmt.Errorf("the chain has applied upgrade %q and this binary has no handler for it: run the binary of that upgrade or a later one", last)
			}
		}
	}

	switch {
	case !planned:
		return unchanged, nil
	case skipped:
		m.keeper.Logger(ctx).Info(fmt.Sprintf("UPGRADE %q SKIPPED at %d (--unsafe-skip-upgrades): %s", plan.Name, plan.Height, plan.Info))
		if err := m.keeper.ClearUpgradePlan(ctx); err != nil {
			return nil, err
		}
		return unchanged, nil
	case due && !m.keeper.HasHandler(plan.Name):
		if err := m.keeper.DumpUpgradeInfoToDisk(height, plan); err != nil {
			return nil, fmt.Errorf("writing upgrade-info.json for upgrade %q: %w", plan.Name, err)
		}
		msg := fmt.Sprintf("UPGRADE %q NEEDED at %s: %s", plan.Name, plan.DueAt(), plan.Info)
		m.keeper.Logger(ctx).Error(msg)
		return nil, errors.New(msg)
	case due:
		m.keeper.Logger(ctx).Info(fmt.Sprintf("applying upgrade %q at %s", plan.Name, plan.DueAt()))
		if err := m.keeper.ApplyUpgrade(sdkCtx.WithBlockGasMeter(storetypes.NewInfiniteGasMeter()), plan); err != nil {
			return nil, err
		}
		return &sdk.ResponsePreBlock{ConsensusParamsChanged: true}, nil
	case m.keeper.HasHandler(plan.Name):
		err := fmt.Errorf("this binary has the handler of upgrade %q, which is scheduled at %s and not due yet: run the binary the chain runs now until then", plan.Name, plan.DueAt())
		m.keeper.Logger(ctx).Error(err.Error())
		return nil, err
	}
	return unchanged, nil
}

// AutoCLIOptions are the commands of `hemid query upgrade` and `hemid tx upgrade`. Both upgrade
// messages are gov proposals: `software-upgrade-proposal` takes the plan as JSON
// (--plan '{"name":"v2","height":"1000","info":"…"}').
func (upgradeModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: upgradev1beta1.Query_ServiceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "CurrentPlan", Use: "plan", Short: "The scheduled upgrade plan, if there is one"},
				{
					RpcMethod: "AppliedPlan", Use: "applied [name]", Short: "The height at which an upgrade was applied",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "name"}},
				},
				{
					RpcMethod: "ModuleVersions", Use: "module-versions [module]", Alias: []string{"module_versions"}, Short: "Each module's consensus version",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "module_name", Optional: true}},
				},
				{RpcMethod: "Authority", Use: "authority", Short: "The address allowed to schedule upgrades (x/gov)"},
				{RpcMethod: "UpgradedConsensusState", Skip: true}, // deprecated in x/upgrade
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: upgradev1beta1.Msg_ServiceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "SoftwareUpgrade", Use: "software-upgrade-proposal", Short: "Submit a gov proposal to upgrade the chain's software at a height", GovProposal: true},
				{RpcMethod: "CancelUpgrade", Use: "cancel-upgrade-proposal", Short: "Submit a gov proposal to cancel the scheduled upgrade", GovProposal: true},
			},
		},
	}
}
