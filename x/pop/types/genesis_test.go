package types_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

func hash(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func keystone(height uint64, block, prev byte) types.Keystone {
	return types.Keystone{
		Height: height, BlockHash: hash(block), ParentHash: hash(block + 100), AppHash: hash(block + 50),
		PrevKeystoneHash: hash(prev), BtcHeight: 7, BtcHash: hash(0xb7),
	}
}

func validGenesis() *types.GenesisState {
	return &types.GenesisState{
		Params:    types.DefaultParams(),
		Keystones: []types.Keystone{keystone(150, 1, 0), keystone(300, 2, 1)},
		Publications: []types.Publication{{
			KeystoneHeight: 300, Txid: hash(2), BtcHeight: 9, BtcBlockHash: hash(3),
			Submitter: "hemi1submitter",
		}},
		Finality:        types.FinalityState{LatestSuperfinal: 150, HighestEverSuperfinal: 300},
		OwedRewards:     []types.OwedRange{{After: 0, Through: 150}, {After: 150, Through: 300}},
		LastBlockHeight: 300,
		LastBlockHash:   hash(9),
	}
}

func TestGenesisValidate(t *testing.T) {
	require.NoError(t, types.DefaultGenesis().Validate())
	require.NoError(t, validGenesis().Validate())

	for name, edit := range map[string]func(*types.GenesisState){
		"params":              func(g *types.GenesisState) { g.Params.SuperfinalityDepth = 0 },
		"reward in sat":       func(g *types.GenesisState) { g.Params.KeystoneReward.Denom = "sat" },
		"keystone height 0":   func(g *types.GenesisState) { g.Keystones[0].Height = 0 },
		"short hash":          func(g *types.GenesisState) { g.Keystones[1].AppHash = hash(1)[:31] },
		"btc hash":            func(g *types.GenesisState) { g.Keystones[1].BtcHash = hash(1)[:31] },
		"height above uint32": func(g *types.GenesisState) { g.Keystones[1].Height = 1 << 32 },
		"order":               func(g *types.GenesisState) { g.Keystones[1].Height = 150 },
		"broken link":         func(g *types.GenesisState) { g.Keystones[1].PrevKeystoneHash = hash(9) },
		"txid":                func(g *types.GenesisState) { g.Publications[0].Txid = []byte{0} },
		"duplicate txid":      func(g *types.GenesisState) { g.Publications = append(g.Publications, g.Publications[0]) },
		"block hash":          func(g *types.GenesisState) { g.Publications[0].BtcBlockHash = nil },
		"unknown keystone":    func(g *types.GenesisState) { g.Publications[0].KeystoneHeight = 450 },
		"no submitter":        func(g *types.GenesisState) { g.Publications[0].Submitter = " " },
		"latest unknown":      func(g *types.GenesisState) { g.Finality.LatestSuperfinal = 151 },
		"highest unknown":     func(g *types.GenesisState) { g.Finality.HighestEverSuperfinal = 301 },
		"owed empty range":    func(g *types.GenesisState) { g.OwedRewards = []types.OwedRange{{After: 150, Through: 150}} },
		"owed not superfinal": func(g *types.GenesisState) { g.OwedRewards = []types.OwedRange{{After: 150, Through: 301}} },
		"owed overlap": func(g *types.GenesisState) {
			g.OwedRewards = []types.OwedRange{{After: 0, Through: 200}, {After: 150, Through: 300}}
		},
		"last block hash":      func(g *types.GenesisState) { g.LastBlockHash = hash(1)[:31] },
		"hash without height":  func(g *types.GenesisState) { g.LastBlockHeight = 0 },
		"last block too early": func(g *types.GenesisState) { g.LastBlockHeight = 299 },
		"highest below": func(g *types.GenesisState) {
			g.Finality = types.FinalityState{LatestSuperfinal: 300, HighestEverSuperfinal: 150}
		},
	} {
		g := validGenesis()
		edit(g)
		require.ErrorIs(t, g.Validate(), types.ErrInvalidGenesis, name)
	}
}

// Abbreviate writes DESIGN §5's layout from the keystone's fields.
func TestAbbreviate(t *testing.T) {
	k := keystone(0x01020304, 0xe0, 0xb0)
	k.BtcHeight = 830000
	a, err := k.Abbreviate()
	require.NoError(t, err)
	b := a.Serialize()
	require.Equal(t, byte(bitcoin.AbbreviatedKeystoneVersion), b[0])
	require.Equal(t, []byte{0x00, 0x0c, 0xaa, 0x30}, b[1:5])
	require.Equal(t, []byte{1, 2, 3, 4}, b[5:9])
	require.Equal(t, k.ParentHash[:11], b[9:20])
	require.Equal(t, k.PrevKeystoneHash[:12], b[20:32])
	require.Equal(t, k.AppHash, b[32:64])
	require.Equal(t, k.BlockHash[:12], b[64:76])
	require.True(t, k.Matches(a))
	a.AppHash[31] ^= 1
	require.False(t, k.Matches(a))

	k.BlockHash = nil
	_, err = k.Abbreviate()
	require.Error(t, err)
	require.Empty(t, k.AbbreviatedHex())
}
