package datagen

import (
	"math/big"
	"testing"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// MainnetBase is the base of MainnetGenesis: the lowest period start of the real run
// 822528–830592 whose 10 ancestors are in the run too (a genesis base needs them, and the run
// has none below 822528).
const MainnetBase = 824544

// MainnetGenesis is an x/btclc genesis of mainnet from the base MainnetBase, with its real
// ancestors and chain work, followed by the real headers up to last (at most 830592), each with
// its cumulative work: a light client that holds the real chain from its first block.
func MainnetGenesis(tb testing.TB, last uint64) *btclctypes.GenesisState {
	tb.Helper()
	run := LoadHeaders(tb, "mainnet-headers-822528-830592.hex")
	base := LoadBoundaries(tb)[MainnetBase]
	gs, err := btclctypes.NewGenesisState(btclctypes.DefaultParams(), bitcoin.MainNet, MainnetBase, base.Raw, base.ChainWork,
		run.RawRange(tb, MainnetBase-btclctypes.BaseAncestorCount, MainnetBase-1))
	if err != nil {
		tb.Fatal(err)
	}
	work := new(big.Int).Set(base.ChainWork)
	for h := uint64(MainnetBase + 1); h <= last; h++ {
		work.Add(work, bitcoin.CalcWork(run.At(tb, h).Bits))
		info, err := btclctypes.NewHeaderInfo(run.RawAt(tb, h), h, work)
		if err != nil {
			tb.Fatal(err)
		}
		gs.Headers = append(gs.Headers, info)
	}
	return gs
}
