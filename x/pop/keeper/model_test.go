package keeper_test

import (
	"math/rand"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/stretchr/testify/require"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// The incremental finality state (anchors, suffix minima, the superfinal
// height) always agrees with DESIGN §5 computed from scratch: for random
// histories of keystones, publications (several per block, of old and new
// keystones) and Bitcoin reorgs of every depth, after every block, every
// keystone's first and effective Bitcoin height, confirmations and
// superfinality are what a naive recomputation over all publications gives.
func TestFinalityMatchesModel(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	var superfinal, violations int
	for seed := int64(1); seed <= int64(seeds); seed++ {
		rng := rand.New(rand.NewSource(seed))
		f := newFixture(t)
		p := f.params()
		p.SuperfinalityDepth = uint32(2 + rng.Intn(4))
		f.setParams(p)
		miner := newPoPMiner(f, 1, false)

		for step := 0; step < 40; step++ {
			f.advanceTo(f.height + int64(rng.Intn(12)))
			f.beginBlock()
			keystones := f.keystoneHeights()
			popTxs := func() [][]byte {
				var txs [][]byte
				for range rng.Intn(3) {
					if len(keystones) > 0 {
						txs = append(txs, miner.popTx(t, f.abbrev(keystones[rng.Intn(len(keystones))])))
					}
				}
				return txs
			}
			submitAll := func(b *btcBlock) {
				for i := 1; i < len(b.txs); i++ {
					_, err := f.msgs.SubmitPoPProof(f.ctx, f.proof(b, i))
					require.NoError(t, err)
				}
			}
			for range 1 + rng.Intn(3) {
				tip := f.btcTipHeight()
				switch op := rng.Intn(6); {
				case op < 3:
					submitAll(f.extend(popTxs()...))
				case op < 5 && tip > 0:
					from := tip - uint64(rng.Intn(int(min(tip, 8))))
					n := int(tip-from) + 1 + rng.Intn(2)
					blocks := f.fork(from, n, popTxs()...)
					submitAll(blocks[0])
				default:
					f.extendN(1 + rng.Intn(3))
				}
			}
			f.endBlock()
			f.requireModel(t, seed, step)
			superfinal += len(eventsOf[*types.EventKeystoneSuperfinal](t, f.ctx))
			violations += len(eventsOf[*types.EventFinalityViolation](t, f.ctx))
		}
	}
	// The histories reach both outcomes.
	t.Logf("%d superfinality advances, %d finality violations", superfinal, violations)
	require.Positive(t, superfinal)
	require.Positive(t, violations)
}

func (f *fixture) keystoneHeights() []uint64 {
	f.tb.Helper()
	var out []uint64
	require.NoError(f.tb, f.k.Keystones.Walk(f.ctx, nil, func(h uint64, _ types.Keystone) (bool, error) {
		out = append(out, h)
		return false, nil
	}))
	return out
}

// requireModel recomputes DESIGN §5 from every publication and compares.
func (f *fixture) requireModel(t *testing.T, seed int64, step int) {
	t.Helper()
	tip := f.btcTipHeight()
	depth := uint64(f.params().SuperfinalityDepth)
	first := map[uint64]uint64{}
	require.NoError(t, f.k.Publications.Walk(f.ctx, nil, func(_ chainhash.Hash, p types.Publication) (bool, error) {
		hash, err := p.BlockHash()
		require.NoError(t, err)
		onMain, err := f.btclc.IsOnMainChain(f.ctx, hash)
		require.NoError(t, err)
		if onMain && (first[p.KeystoneHeight] == 0 || p.BtcHeight < first[p.KeystoneHeight]) {
			first[p.KeystoneHeight] = p.BtcHeight
		}
		return false, nil
	}))
	heights := f.keystoneHeights()
	var latest, effective uint64
	for i := len(heights) - 1; i >= 0; i-- {
		h := heights[i]
		if fk := first[h]; fk != 0 && (effective == 0 || fk < effective) {
			effective = fk
		}
		var conf uint64
		if effective != 0 {
			conf = tip - effective + 1
		}
		if conf >= depth && latest == 0 {
			latest = h
		}
		st := f.status(h)
		require.Equal(t, first[h], st.FirstBtcHeight, "seed %d step %d keystone %d: first", seed, step, h)
		require.Equal(t, effective, st.EffectiveBtcHeight, "seed %d step %d keystone %d: effective", seed, step, h)
		require.Equal(t, conf, st.Confirmations, "seed %d step %d keystone %d: confirmations", seed, step, h)
	}
	fs := f.finality()
	require.Equal(t, latest, fs.LatestSuperfinal, "seed %d step %d: latest superfinal", seed, step)
	require.GreaterOrEqual(t, fs.HighestEverSuperfinal, fs.LatestSuperfinal)
	for _, h := range heights {
		require.Equal(t, h <= latest, f.status(h).Superfinal, "seed %d step %d keystone %d", seed, step, h)
	}

	// The suffix minima strictly increase in keys and values.
	var prev *[2]uint64
	require.NoError(t, f.k.EffectiveAnchors.Walk(f.ctx, nil, func(k, v uint64) (bool, error) {
		if prev != nil {
			require.Less(t, prev[1], v, "seed %d step %d: effective anchors not increasing", seed, step)
		}
		prev = &[2]uint64{k, v}
		return false, nil
	}))
}
