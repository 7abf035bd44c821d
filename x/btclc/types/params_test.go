package types_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/btclc/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	require.Equal(t, uint32(2016), types.DefaultParams().MaxHeadersPerMsg)
	require.Empty(t, types.DefaultParams().InsertAllowlist)
	require.Equal(t, uint64(4032), types.DefaultParams().MaxForkDepth)
	require.Equal(t, uint64(8064), types.DefaultParams().MaxSideHeaders())

	for name, edit := range map[string]func(*types.Params){
		"zero batch":        func(p *types.Params) { p.MaxHeadersPerMsg = 0 },
		"huge batch":        func(p *types.Params) { p.MaxHeadersPerMsg = types.MaxHeadersPerMsgLimit + 1 },
		"free headers":      func(p *types.Params) { p.GasPerHeader = 0 },
		"overflowing gas":   func(p *types.Params) { p.GasPerHeader = types.MaxGasPerHeader + 1 },
		"no side chains":    func(p *types.Params) { p.MaxForkDepth = 0 },
		"huge side store":   func(p *types.Params) { p.MaxForkDepth = types.MaxForkDepthLimit + 1 },
		"empty address":     func(p *types.Params) { p.InsertAllowlist = []string{" "} },
		"duplicate address": func(p *types.Params) { p.InsertAllowlist = []string{"hemi1a", "hemi1a"} },
		"long allowlist": func(p *types.Params) {
			for i := range types.MaxAllowlistLen + 1 {
				p.InsertAllowlist = append(p.InsertAllowlist, strings.Repeat("a", i+1))
			}
		},
	} {
		p := types.DefaultParams()
		edit(&p)
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
	}

	p := types.DefaultParams()
	p.InsertAllowlist = []string{"good", "bad"}
	err := p.ValidateAddresses(func(s string) ([]byte, error) {
		if s == "bad" {
			return nil, errors.New("checksum")
		}
		return []byte(s), nil
	})
	require.ErrorIs(t, err, types.ErrInvalidParams)
	require.ErrorContains(t, err, `insert_allowlist[1] "bad"`)
}
