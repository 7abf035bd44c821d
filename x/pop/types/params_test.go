package types_test

import (
	"math/big"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	appparams "github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

func TestDefaultParams(t *testing.T) {
	p := types.DefaultParams()
	require.NoError(t, p.Validate())
	require.Equal(t, uint64(150), p.KeystoneInterval)
	require.Equal(t, uint32(6), p.SuperfinalityDepth)
	require.Equal(t, "10000000000000000000ahemi", p.KeystoneReward.String()) // 10 hemi
	require.Equal(t, uint32(75), p.MaxPublicationsPerKeystone)
	require.Equal(t, uint32(8), p.MaxRewardDelay)
	require.Equal(t, uint32(1), p.MaxRewardsPerPayee)
	require.Equal(t, uint32(100), p.MaxKeystonesPaidPerBlock)
}

func TestParamsValidate(t *testing.T) {
	for name, edit := range map[string]func(*types.Params){
		"interval 0":        func(p *types.Params) { p.KeystoneInterval = 0 },
		"interval too long": func(p *types.Params) { p.KeystoneInterval = types.MaxKeystoneInterval + 1 },
		"depth 0":           func(p *types.Params) { p.SuperfinalityDepth = 0 },
		"depth too deep":    func(p *types.Params) { p.SuperfinalityDepth = types.MaxSuperfinalityDepth + 1 },
		"no reward denom":   func(p *types.Params) { p.KeystoneReward.Denom = "" },
		"bad reward denom":  func(p *types.Params) { p.KeystoneReward.Denom = "1x" },
		"reward in sat":     func(p *types.Params) { p.KeystoneReward.Denom = appparams.BTCDenom },
		"reward in another": func(p *types.Params) { p.KeystoneReward.Denom = "uatom" },
		"nil reward amount": func(p *types.Params) { p.KeystoneReward.Amount = sdkmath.Int{} },
		"negative reward":   func(p *types.Params) { p.KeystoneReward.Amount = sdkmath.NewInt(-1) },
		"reward too large": func(p *types.Params) {
			p.KeystoneReward.Amount = sdkmath.NewIntFromBigInt(new(big.Int).Lsh(big.NewInt(1), 128))
		},
		"no publications":      func(p *types.Params) { p.MaxPublicationsPerKeystone = 0 },
		"too many":             func(p *types.Params) { p.MaxPublicationsPerKeystone = types.MaxMaxPublicationsPerKeystone + 1 },
		"reward delay too big": func(p *types.Params) { p.MaxRewardDelay = types.MaxMaxRewardDelay + 1 },
		"no rewards per payee": func(p *types.Params) { p.MaxRewardsPerPayee = 0 },
		"per payee too many":   func(p *types.Params) { p.MaxRewardsPerPayee = types.MaxMaxPublicationsPerKeystone + 1 },
		"no keystones paid":    func(p *types.Params) { p.MaxKeystonesPaidPerBlock = 0 },
		"too many paid":        func(p *types.Params) { p.MaxKeystonesPaidPerBlock = types.MaxMaxKeystonesPaidPerBlock + 1 },
	} {
		p := types.DefaultParams()
		edit(&p)
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
	}
	p := types.DefaultParams()
	p.KeystoneInterval, p.SuperfinalityDepth, p.MaxRewardDelay = 1, 1, 0
	p.KeystoneReward.Amount = sdkmath.ZeroInt()
	require.NoError(t, p.Validate())
}
