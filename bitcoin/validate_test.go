package bitcoin_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

const interval = bitcoin.RetargetInterval

// followMainnetRun validates every header of a mainnet run that starts at a
// retarget boundary, on a MemChain based at its first header, and compares
// the cumulative work with every boundary row of the CSV inside the run. It
// returns how many retargets it recomputed and how many CSV rows it matched.
func followMainnetRun(t *testing.T, file string) (retargets, rows int) {
	t.Helper()
	p := datagen.Network(t, bitcoin.MainNet)
	bounds := datagen.LoadBoundaries(t)
	run := datagen.LoadHeaders(t, file)
	base, ok := bounds[run.Start]
	if !ok || !bytes.Equal(base.Raw, run.Raw[0]) {
		t.Fatalf("%s: first header is not the CSV's boundary header at %d", file, run.Start)
	}
	chain := bitcoin.NewMemChain(run.Start, run.Headers[0])
	work := new(big.Int).Set(base.ChainWork)
	rows = 1
	for i := 1; i < len(run.Headers); i++ {
		height := run.Start + uint64(i)
		if err := chain.Extend(p, &run.Headers[i]); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if height%interval == 0 {
			retargets++
		}
		work.Add(work, bitcoin.CalcWork(run.Headers[i].Bits))
		if b, ok := bounds[height]; ok {
			rows++
			if !bytes.Equal(b.Raw, run.Raw[i]) {
				t.Fatalf("%s: header %d differs from the CSV", file, height)
			}
			if work.Cmp(b.ChainWork) != 0 {
				t.Fatalf("%s: chain work at %d is %x, CSV says %x", file, height, work, b.ChainWork)
			}
		}
	}
	if chain.TipHeight() != run.End() {
		t.Fatalf("%s: tip %d, want %d", file, chain.TipHeight(), run.End())
	}
	return retargets, rows
}

func TestMainnetRuns(t *testing.T) {
	// The genesis block's own work is the CSV's chain work at height 0, so
	// the 0-10236 run checks cumulative work computed from genesis.
	bounds := datagen.LoadBoundaries(t)
	if got := bitcoin.CalcWork(bounds[0].Header.Bits); got.Cmp(bounds[0].ChainWork) != 0 {
		t.Fatalf("genesis work %x, CSV %x", got, bounds[0].ChainWork)
	}
	for _, tc := range []struct {
		file            string
		retargets, rows int
	}{
		{"mainnet-headers-0-10236.hex", 5, 11},      // 2016..10080, all clamped at the pow limit
		{"mainnet-headers-586656-589289.hex", 1, 3}, // 588672: 0x171f3a08 -> 0x171c3039
		{"mainnet-headers-822528-830592.hex", 4, 9}, // 824544, 826560, 828576, 830592
	} {
		t.Run(tc.file, func(t *testing.T) {
			retargets, rows := followMainnetRun(t, tc.file)
			if retargets != tc.retargets || rows != tc.rows {
				t.Fatalf("recomputed %d retargets and matched %d CSV rows, want %d and %d", retargets, rows, tc.retargets, tc.rows)
			}
		})
	}
}

// The 300000 run starts mid-period; its retarget at 300384 needs the period's
// first header 298368, which comes from the boundaries CSV. A sparse view
// holds both and an Overlay carries the run on top.
func TestMainnet300000(t *testing.T) {
	p := datagen.Network(t, bitcoin.MainNet)
	bounds := datagen.LoadBoundaries(t)
	run := datagen.LoadHeaders(t, "mainnet-headers-300000-300499.hex")
	view := newMapView()
	view.put(298368, bounds[298368].Header)
	view.put(run.Start, run.Headers[0])
	o := bitcoin.NewOverlay(view, run.Start)
	want := new(big.Int)
	for i := 1; i < len(run.Headers); i++ {
		if err := o.Extend(p, &run.Headers[i]); err != nil {
			t.Fatal(err)
		}
		want.Add(want, bitcoin.CalcWork(run.Headers[i].Bits))
	}
	if o.TipHeight() != run.End() || o.Len() != len(run.Headers)-1 || o.AddedWork().Cmp(want) != 0 {
		t.Fatalf("overlay tip %d len %d work %x", o.TipHeight(), o.Len(), o.AddedWork())
	}
	if got := run.At(t, 300383).Bits; got != 0x1900896c {
		t.Fatalf("bits at 300383: 0x%08x", got)
	}
	if got := run.At(t, 300384).Bits; got != 0x187c3053 {
		t.Fatalf("bits at 300384: 0x%08x", got)
	}
	for _, h := range []uint64{300383, 300384} {
		if !bytes.Equal(bounds[h].Raw, run.Raw[h-run.Start]) {
			t.Fatalf("header %d differs from the CSV", h)
		}
	}
}

// Every mainnet retarget up to 832608 from the boundaries CSV: the required
// nBits from the period's first and last headers, linkage, proof of work,
// versions, and the chain work of the whole chain from genesis.
func TestMainnetBoundaries(t *testing.T) {
	p := datagen.Network(t, bitcoin.MainNet)
	bounds := datagen.LoadBoundaries(t)
	if len(bounds) != 1+2*413 {
		t.Fatalf("%d CSV rows", len(bounds))
	}
	work := bitcoin.CalcWork(bounds[0].Header.Bits)
	for k := uint64(1); k <= 413; k++ {
		first, last, next := bounds[interval*(k-1)], bounds[interval*k-1], bounds[interval*k]
		view := newMapView()
		view.put(interval*(k-1), first.Header)
		view.put(interval*k-1, last.Header)

		got, err := bitcoin.RequiredBits(p, view, interval*k-1, next.Header.Timestamp)
		if err != nil || got != next.Header.Bits {
			t.Fatalf("retarget at %d: got 0x%08x (%v), header has 0x%08x", interval*k, got, err, next.Header.Bits)
		}
		if next.Header.PrevBlock != last.Header.BlockHash() {
			t.Fatalf("%d does not link to %d", interval*k, interval*k-1)
		}
		for _, b := range []datagen.Boundary{last, next} {
			if err := bitcoin.CheckProofOfWork(b.Header.BlockHash(), b.Header.Bits, p.Chain.PowLimit); err != nil {
				t.Fatal(err)
			}
		}
		if err := bitcoin.CheckVersion(p, interval*k, next.Header.Version); err != nil {
			t.Fatal(err)
		}

		// Off a boundary mainnet nBits never change, so the 2015 blocks
		// after a period's first block all carry its nBits.
		if last.Header.Bits != first.Header.Bits {
			t.Fatalf("period %d: last nBits 0x%08x, first 0x%08x", k-1, last.Header.Bits, first.Header.Bits)
		}
		work.Add(work, new(big.Int).Mul(big.NewInt(interval-1), bitcoin.CalcWork(first.Header.Bits)))
		if work.Cmp(last.ChainWork) != 0 {
			t.Fatalf("chain work at %d: %x, CSV %x", interval*k-1, work, last.ChainWork)
		}
		work.Add(work, bitcoin.CalcWork(next.Header.Bits))
		if work.Cmp(next.ChainWork) != 0 {
			t.Fatalf("chain work at %d: %x, CSV %x", interval*k, work, next.ChainWork)
		}
	}
}

// Testnet3 from genesis: 184 blocks use the 20-minute rule, two blocks need
// the walk-back past minimum-difficulty blocks, and four retargets (4032 is
// the x4 clamp to 0x1c3fffc0).
func TestTestnet3FromGenesis(t *testing.T) {
	p := datagen.Network(t, bitcoin.TestNet3)
	run := datagen.LoadHeaders(t, "testnet3-headers-0-9999.hex")
	chain := bitcoin.NewMemChain(0, run.Headers[0])
	minDiff, walkBack := 0, 0
	for i := 1; i < len(run.Headers); i++ {
		h, parent := &run.Headers[i], &run.Headers[i-1]
		if err := chain.Extend(p, h); err != nil {
			t.Fatal(err)
		}
		if i%interval == 0 {
			continue
		}
		if h.Timestamp.Unix() > parent.Timestamp.Unix()+20*60 {
			minDiff++
		} else if h.Bits != p.Chain.PowLimitBits && parent.Bits == p.Chain.PowLimitBits {
			walkBack++
		}
	}
	if minDiff != 184 || walkBack != 2 {
		t.Fatalf("%d 20-minute blocks and %d walk-backs, want 184 and 2", minDiff, walkBack)
	}
	for height, want := range map[uint64]uint32{2016: 0x1d00ffff, 4032: 0x1c3fffc0, 6048: 0x1c0ffff0, 8064: 0x1c3fffc0} {
		if got := run.At(t, height).Bits; got != want {
			t.Errorf("bits at %d: 0x%08x, want 0x%08x", height, got, want)
		}
	}

	// Without the 20-minute rule the first minimum-difficulty block after
	// the retarget to 0x1c3fffc0 is rejected: the rule is what accepts it.
	noMinDiff := *p.Chain
	noMinDiff.ReduceMinDifficulty = false
	strict := &bitcoin.Params{Name: "testnet3-without-20-minute-rule", Chain: &noMinDiff}
	chain = bitcoin.NewMemChain(0, run.Headers[0])
	for i := 1; i < len(run.Headers); i++ {
		err := chain.Extend(strict, &run.Headers[i])
		if err == nil {
			continue
		}
		if i != 4033 || !errors.Is(err, bitcoin.ErrBadDifficultyBits) ||
			!strings.Contains(err.Error(), "expected 0x1c3fffc0, got 0x1d00ffff") {
			t.Fatalf("height %d: %v", i, err)
		}
		return
	}
	t.Fatal("testnet3 validated without the 20-minute rule")
}

// Testnet3 in 2020 (high difficulty). The run starts at 1717746, after its
// period's first header 1717632, so the retarget at 1719648 cannot be
// recomputed: the validator must say ErrMissingAncestor there, which (as the
// difficulty check runs last) also means linkage, proof of work, median time
// and version passed. Every other header is fully validated, including the
// 20-minute block 1719668 and the walk-back at 1719669.
func TestTestnet3HighDifficulty(t *testing.T) {
	p := datagen.Network(t, bitcoin.TestNet3)
	run := datagen.LoadHeaders(t, "testnet3-headers-1717746-1719761.hex")
	view := newMapView()
	view.put(run.Start, run.Headers[0])
	for height := run.Start + 1; height <= run.End(); height++ {
		h := run.At(t, height)
		_, err := bitcoin.ValidateHeader(p, view, height-1, h)
		if height == 1719648 {
			if !errors.Is(err, bitcoin.ErrMissingAncestor) {
				t.Fatalf("retarget at 1719648 without its period start: got %v, want ErrMissingAncestor", err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		view.put(height, *h)
	}
	b68, b67 := run.At(t, 1719668), run.At(t, 1719667)
	if b68.Bits != 0x1d00ffff || b68.Timestamp.Sub(b67.Timestamp) != 1221*time.Second {
		t.Fatalf("1719668: bits 0x%08x, gap %v", b68.Bits, b68.Timestamp.Sub(b67.Timestamp))
	}
	if got := run.At(t, 1719669).Bits; got != 0x1a02a7f8 {
		t.Fatalf("1719669: bits 0x%08x", got)
	}

	// The 20-minute rule starts strictly after 1200 s.
	parent := run.At(t, 1718000)
	for gap, want := range map[time.Duration]uint32{1200 * time.Second: parent.Bits, 1201 * time.Second: 0x1d00ffff} {
		if got, err := bitcoin.RequiredBits(p, view, 1718000, parent.Timestamp.Add(gap)); err != nil || got != want {
			t.Errorf("block %v after its parent: 0x%08x (%v), want 0x%08x", gap, got, err, want)
		}
	}

	// 2132556 comes 1221 s after 2132555 and drops to the pow limit.
	run = datagen.LoadHeaders(t, "testnet3-headers-2132555-2132556.hex")
	view = newMapView()
	view.put(run.Start, run.Headers[0])
	if _, err := bitcoin.ValidateHeader(p, view, run.Start, &run.Headers[1]); err != nil {
		t.Fatal(err)
	}
	if run.Headers[0].Bits != 0x1a00ffff || run.Headers[1].Bits != 0x1d00ffff {
		t.Fatalf("bits 0x%08x, 0x%08x", run.Headers[0].Bits, run.Headers[1].Bits)
	}
}

func TestTestnet4(t *testing.T) {
	p := datagen.Network(t, bitcoin.TestNet4)
	start := datagen.LoadHeaders(t, "testnet4-headers-0-30.hex")
	chain := bitcoin.NewMemChain(0, start.Headers[0])
	for i := 1; i < len(start.Headers); i++ {
		if err := chain.Extend(p, &start.Headers[i]); err != nil {
			t.Fatal(err)
		}
	}

	// 1985-2015 has no headers 31-1984. Their blocks come seconds apart, so
	// each one's nBits come from the walk-back, which runs into the gap:
	// ErrMissingAncestor, with everything else checked. The required value
	// is the period's first nBits (0x1d00ffff), since inside a period a block
	// carries either those or the pow limit, and that is what they carry.
	end := datagen.LoadHeaders(t, "testnet4-headers-1985-2015.hex")
	view := newMapView()
	view.put(0, start.Headers[0])
	view.put(end.Start, end.Headers[0])
	for height := end.Start + 1; height <= end.End(); height++ {
		h := end.At(t, height)
		if _, err := bitcoin.ValidateHeader(p, view, height-1, h); err != nil && !errors.Is(err, bitcoin.ErrMissingAncestor) {
			t.Fatal(err)
		}
		if h.Bits != 0x1d00ffff {
			t.Fatalf("%d: bits 0x%08x", height, h.Bits)
		}
		view.put(height, *h)
	}

	// The first retarget: 251672 s for the period, below a quarter of two
	// weeks, so the x4 clamp gives difficulty 4.
	last := end.At(t, 2015)
	if span := last.Timestamp.Sub(start.Headers[0].Timestamp); span != 251672*time.Second {
		t.Fatalf("period 0 took %v", span)
	}
	got, err := bitcoin.RequiredBits(p, view, 2015, last.Timestamp.Add(10*time.Minute))
	if err != nil || got != 0x1c3fffc0 {
		t.Fatalf("bits after 2015: 0x%08x (%v), want 0x1c3fffc0", got, err)
	}
}

// BIP94: testnet4 retargets from the period's first nBits, testnet3 from its
// last, which may be a 20-minute block at the pow limit. The view holds
// altered copies of real headers; RequiredBits only reads their nBits and
// times.
func TestBIP94RetargetUsesFirstBlock(t *testing.T) {
	run := datagen.LoadHeaders(t, "testnet4-headers-0-30.hex")
	first, last := run.Headers[0], run.Headers[1]
	first.Bits = 0x1c3fffc0
	last.Bits = 0x1d00ffff
	last.Timestamp = first.Timestamp.Add(14 * 24 * time.Hour) // on schedule: no change
	view := newMapView()
	view.put(2*interval, first)
	view.put(3*interval-1, last)
	for net, want := range map[string]uint32{bitcoin.TestNet4: 0x1c3fffc0, bitcoin.TestNet3: 0x1d00ffff} {
		got, err := bitcoin.RequiredBits(datagen.Network(t, net), view, 3*interval-1, last.Timestamp.Add(time.Minute))
		if err != nil || got != want {
			t.Errorf("%s: got 0x%08x (%v), want 0x%08x", net, got, err, want)
		}
	}
}

func TestSignet(t *testing.T) {
	p := datagen.Network(t, bitcoin.SigNet)
	run := datagen.LoadHeaders(t, "signet-headers-0-2015.hex")
	chain := bitcoin.NewMemChain(0, run.Headers[0])
	for i := 1; i < len(run.Headers); i++ {
		if err := chain.Extend(p, &run.Headers[i]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := bitcoin.RequiredBits(p, chain, 2015, run.Headers[2015].Timestamp.Add(time.Hour))
	if err != nil || got != 0x1e012fa7 {
		t.Fatalf("bits after 2015: 0x%08x (%v), want 0x1e012fa7", got, err)
	}
	// Signet has no 20-minute rule: a late block still needs the real nBits.
	if got, _ := bitcoin.RequiredBits(p, chain, 2014, run.Headers[2014].Timestamp.Add(time.Hour)); got != 0x1e0377ae {
		t.Fatalf("late signet block: 0x%08x", got)
	}
}

// mainnetChain822528 is a MemChain of the real mainnet headers 822528..tip.
func mainnetChain822528(t testing.TB, tip uint64) (*bitcoin.MemChain, *datagen.HeaderRun) {
	p := datagen.Network(t, bitcoin.MainNet)
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	chain := bitcoin.NewMemChain(run.Start, run.Headers[0])
	for height := run.Start + 1; height <= tip; height++ {
		if err := chain.Extend(p, run.At(t, height)); err != nil {
			t.Fatal(err)
		}
	}
	return chain, run
}

// Every one-bit corruption of a real header is rejected, each with the error
// of the field it hits. The header is 824544, a retarget block, validated in
// its real context.
func TestOneBitCorruptions(t *testing.T) {
	p := datagen.Network(t, bitcoin.MainNet)
	chain, run := mainnetChain822528(t, 824543)
	const height = 824544
	raw := run.Raw[height-run.Start]
	if _, err := bitcoin.ValidateHeader(p, chain, height-1, run.At(t, height)); err != nil {
		t.Fatal(err)
	}
	nBitsWant := map[int]error{
		23: bitcoin.ErrInvalidTarget,    // the sign bit: a negative target
		27: bitcoin.ErrTargetAboveLimit, // exponent 0x17 -> 0x1f
		0:  bitcoin.ErrHashAboveTarget,  // a slightly different target, and a different hash
	}
	for bit := 0; bit < 8*bitcoin.HeaderSize; bit++ {
		bad := append([]byte(nil), raw...)
		bad[bit/8] ^= 1 << (bit % 8)
		h, err := bitcoin.ParseHeader(bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bitcoin.ValidateHeader(p, chain, height-1, h)
		var want []error
		switch off := bit / 8; {
		case off >= 4 && off < 36:
			want = []error{bitcoin.ErrPrevBlockMismatch}
		case off >= 72 && off < 76:
			want = []error{bitcoin.ErrInvalidTarget, bitcoin.ErrTargetAboveLimit, bitcoin.ErrHashAboveTarget}
			if w, ok := nBitsWant[bit-72*8]; ok {
				want = []error{w}
			}
		default: // version, merkle root, time, nonce: only the hash changes
			want = []error{bitcoin.ErrHashAboveTarget}
		}
		if !isAny(err, want) {
			t.Errorf("bit %d (byte %d): got %v, want one of %v", bit, bit/8, err, want)
		}
	}
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// A real header with valid proof of work is rejected with the expected and
// the actual nBits when the period it closes started at another time: the
// view swaps in 822529 as the first header of the period.
func TestWrongDifficultyBits(t *testing.T) {
	p := datagen.Network(t, bitcoin.MainNet)
	chain, run := mainnetChain822528(t, 824543)
	view := swapView{ChainView: chain, height: 822528, header: *run.At(t, 822529)}
	_, err := bitcoin.ValidateHeader(p, view, 824543, run.At(t, 824544))
	if !errors.Is(err, bitcoin.ErrBadDifficultyBits) {
		t.Fatalf("got %v, want ErrBadDifficultyBits", err)
	}
	want := fmt.Sprintf("got 0x%08x", run.At(t, 824544).Bits)
	if !strings.Contains(err.Error(), "expected 0x") || !strings.Contains(err.Error(), want) {
		t.Fatalf("message does not say expected and actual nBits: %v", err)
	}
}

// swapView answers one height with another header.
type swapView struct {
	bitcoin.ChainView
	height uint64
	header wire.BlockHeader
}

func (v swapView) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	if height == v.height {
		return &v.header, true
	}
	return v.ChainView.HeaderByHeight(height)
}

// Fork choice inputs: a real stale block validates as a fork at its parent
// and has the same work as the best-chain block it lost to; an overlay forked
// at an ancestor reads the base below the fork and its own headers above.
func TestOverlayForks(t *testing.T) {
	p := datagen.Network(t, bitcoin.MainNet)
	chain, run := mainnetChain822528(t, 830592)
	var stale datagen.ForkHeader
	for _, f := range datagen.LoadForkHeaders(t) {
		if f.Kind == "stale" {
			stale = f
		}
	}
	if stale.Height != 823226 {
		t.Fatalf("no stale header at 823226 in the fork file")
	}
	o := bitcoin.NewOverlay(chain, 823225)
	if err := o.Extend(p, &stale.Header); err != nil {
		t.Fatal(err)
	}
	got, _ := o.HeaderByHeight(823226)
	if got.BlockHash() != stale.Header.BlockHash() || got.BlockHash() == run.At(t, 823226).BlockHash() {
		t.Fatal("overlay does not shadow the base above the fork")
	}
	if o.AddedWork().Cmp(bitcoin.CalcWork(run.At(t, 823226).Bits)) != 0 {
		t.Fatal("stale block's work differs from the best-chain block's")
	}
	if _, err := bitcoin.ConnectHeaders(p, chain, 823224, [][]byte{stale.Raw}); !errors.Is(err, bitcoin.ErrPrevBlockMismatch) {
		t.Fatalf("stale block at the wrong fork height: %v", err)
	}

	// Re-validate 824001..826600 forked at 824000: the retarget at 824544
	// reads its period start (822528) from the base, the one at 826560 reads
	// 824544 from the overlay.
	raws := run.Raw[824001-run.Start : 826600-run.Start+1]
	o, err := bitcoin.ConnectHeaders(p, chain, 824000, raws)
	if err != nil {
		t.Fatal(err)
	}
	if o.TipHeight() != 826600 || o.ForkHeight() != 824000 || o.Len() != len(raws) {
		t.Fatalf("overlay tip %d fork %d len %d", o.TipHeight(), o.ForkHeight(), o.Len())
	}

	// A batch must form a chain and hold only 80-byte headers.
	_, err = bitcoin.ConnectHeaders(p, chain, 824000, [][]byte{raws[0], raws[2], raws[1]})
	if !errors.Is(err, bitcoin.ErrPrevBlockMismatch) || !strings.Contains(err.Error(), "header 1 of 3 (height 824002)") {
		t.Fatalf("unordered batch: %v", err)
	}
	_, err = bitcoin.ConnectHeaders(p, chain, 824000, [][]byte{raws[0], raws[1][:79]})
	if !errors.Is(err, bitcoin.ErrHeaderLength) {
		t.Fatalf("short header in batch: %v", err)
	}
	if _, err := bitcoin.ConnectHeaders(p, chain, 830593, raws[:1]); !errors.Is(err, bitcoin.ErrUnknownParent) {
		t.Fatalf("fork above the tip: %v", err)
	}
	if _, err := bitcoin.ValidateHeader(p, chain, 1<<40, run.At(t, 830000)); !errors.Is(err, bitcoin.ErrHeightOutOfRange) {
		t.Fatalf("huge parent height: %v", err)
	}
}

// The BIP66 split of 2015-07-04: 363731 is a version-2 block after BIP66
// activated at 363725. Its parent 363730 is not in the data, so a stub view
// stands in for it: the parent's real hash (the prev field of 363731), the
// period's nBits (mainnet nBits only change at retargets, and 363730 and
// 363731 share a period) and an invented time 10 minutes earlier, so the
// median time is that time. Against this stub the whole fork is rejected at
// 363731 for its version, while its v3 successors pass the same checks.
func TestBIP66InvalidFork(t *testing.T) {
	p := datagen.Network(t, bitcoin.MainNet)
	var fork []datagen.ForkHeader
	for _, f := range datagen.LoadForkHeaders(t) {
		if strings.HasPrefix(f.Kind, "invalid-fork") {
			fork = append(fork, f)
		}
	}
	if len(fork) != 6 || fork[0].Height != 363731 || fork[0].Header.Version != 2 {
		t.Fatalf("unexpected fork data: %d headers", len(fork))
	}
	first := &fork[0].Header
	if err := bitcoin.CheckProofOfWork(first.BlockHash(), first.Bits, p.Chain.PowLimit); err != nil {
		t.Fatalf("363731 has valid proof of work: %v", err)
	}
	if err := bitcoin.CheckVersion(p, 363731, 2); !errors.Is(err, bitcoin.ErrBlockVersionTooOld) {
		t.Fatalf("version 2 at 363731: %v", err)
	}
	if err := bitcoin.CheckVersion(p, 363724, 2); err != nil {
		t.Fatalf("version 2 before BIP66: %v", err)
	}

	stub := stubParent{height: 363730, hash: first.PrevBlock, header: wire.BlockHeader{
		Version:   3,
		Bits:      first.Bits,
		Timestamp: first.Timestamp.Add(-10 * time.Minute),
	}}
	raws := make([][]byte, len(fork))
	for i, f := range fork {
		raws[i] = f.Raw
	}
	_, err := bitcoin.ConnectHeaders(p, stub, 363730, raws)
	if !errors.Is(err, bitcoin.ErrBlockVersionTooOld) || !strings.Contains(err.Error(), "header 0 of 6 (height 363731)") {
		t.Fatalf("BIP66 fork: got %v, want ErrBlockVersionTooOld at 363731", err)
	}

	view := newMapView()
	view.put(363731, *first)
	o, err := bitcoin.ConnectHeaders(p, view, 363731, raws[1:])
	if err != nil || o.TipHeight() != 363736 {
		t.Fatalf("version-3 headers 363732..363736 on top of 363731: %v", err)
	}
}

// stubParent is a view holding one header whose hash is given rather than
// computed, for a parent that is not in the data.
type stubParent struct {
	height uint64
	hash   chainhash.Hash
	header wire.BlockHeader
}

func (s stubParent) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	if height != s.height {
		return nil, false
	}
	return &s.header, true
}

func (s stubParent) HashByHeight(height uint64) (chainhash.Hash, bool) {
	return s.hash, height == s.height
}

func TestCheckTimeNotTooNew(t *testing.T) {
	h := datagen.LoadHeaders(t, "mainnet-headers-586656-589289.hex").Headers[0]
	if err := bitcoin.CheckTimeNotTooNew(&h, h.Timestamp.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := bitcoin.CheckTimeNotTooNew(&h, h.Timestamp.Add(-2*time.Hour-time.Second)); !errors.Is(err, bitcoin.ErrTimeTooNew) {
		t.Fatalf("got %v, want ErrTimeTooNew", err)
	}
}

// Regtest headers are cheap to mine (about two tries each), so these tests
// build headers that real data cannot provide: valid proof of work with a
// bad time, version or nBits.

// child returns a mined header on top of the chain's tip.
func child(tb testing.TB, p *bitcoin.Params, view bitcoin.ChainView, tip uint64, version int32, dt time.Duration, bits uint32) *wire.BlockHeader {
	tb.Helper()
	parent, _ := view.HeaderByHeight(tip)
	hash, _ := view.HashByHeight(tip)
	h := &wire.BlockHeader{
		Version:   version,
		PrevBlock: hash,
		Timestamp: parent.Timestamp.Add(dt),
		Bits:      bits,
	}
	datagen.Mine(tb, p, h)
	return h
}

func TestRegtestMinedChain(t *testing.T) {
	p := datagen.Network(t, bitcoin.RegTest)
	limit := p.Chain.PowLimitBits
	chain := bitcoin.NewMemChain(0, p.Chain.GenesisBlock.Header)
	extend := func(version int32, dt time.Duration, bits uint32) error {
		return chain.Extend(p, child(t, p, chain, chain.TipHeight(), version, dt, bits))
	}
	// Blocks one second apart across the first period: without
	// PoWNoRetargeting the retarget at 2016 would demand a harder target.
	for chain.TipHeight() < 2020 {
		version := int32(4)
		switch next := chain.TipHeight() + 1; {
		case next == 1250:
			version = 2 // last height before btcd regtest's BIP66 (1251)
		case next == 1350:
			version = 3 // last height before BIP65 (1351)
		}
		if err := extend(version, time.Second, limit); err != nil {
			t.Fatal(err)
		}
	}

	tip := chain.TipHeight()
	parent, _ := chain.HeaderByHeight(tip)
	mtp := bitcoin.MedianTimePast(chain, tip)
	for _, tc := range []struct {
		name    string
		version int32
		time    int64
		bits    uint32
		want    error
	}{
		{"at median time past", 4, mtp, limit, bitcoin.ErrTimeTooOld},
		{"before median time past", 4, mtp - 100, limit, bitcoin.ErrTimeTooOld},
		{"version 3 after BIP65", 3, mtp + 1, limit, bitcoin.ErrBlockVersionTooOld},
		{"harder nBits than required", 4, mtp + 1, 0x207ffffe, bitcoin.ErrBadDifficultyBits},
		{"target above pow limit", 4, mtp + 1, 0x2100ffff, bitcoin.ErrTargetAboveLimit},
		{"just after median time past", 4, mtp + 1, limit, nil},
	} {
		h := &wire.BlockHeader{Version: tc.version, PrevBlock: parent.BlockHash(), Timestamp: time.Unix(tc.time, 0), Bits: tc.bits}
		if tc.want != bitcoin.ErrTargetAboveLimit {
			datagen.Mine(t, p, h)
		}
		_, err := bitcoin.ValidateHeader(p, chain, tip, h)
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == bitcoin.ErrBadDifficultyBits && !strings.Contains(err.Error(), "expected 0x207fffff, got 0x207ffffe") {
			t.Errorf("%s: message %q", tc.name, err)
		}
	}
	if _, err := bitcoin.ValidateHeader(p, chain, tip+1, parent); !errors.Is(err, bitcoin.ErrUnknownParent) {
		t.Errorf("unknown parent: %v", err)
	}

	for _, tc := range []struct {
		height  uint64
		version int32
		ok      bool
	}{{100, 1, true}, {1250, 2, true}, {1251, 2, false}, {1350, 3, true}, {1351, 3, false}, {1351, 4, true}} {
		if err := bitcoin.CheckVersion(p, tc.height, tc.version); (err == nil) != tc.ok {
			t.Errorf("regtest version %d at %d: %v", tc.version, tc.height, err)
		}
	}
}

// BIP94's time-warp rule, on regtest parameters with BIP94 switched on so the
// headers can be mined: the first block of a period may be at most 600 s
// older than its parent.
func TestTimeWarpBIP94(t *testing.T) {
	p := datagen.Network(t, bitcoin.RegTest)
	p.EnforceBIP94 = true
	chain := bitcoin.NewMemChain(0, p.Chain.GenesisBlock.Header)
	for chain.TipHeight() < interval-1 {
		if err := chain.Extend(p, child(t, p, chain, chain.TipHeight(), 4, 10*time.Minute, p.Chain.PowLimitBits)); err != nil {
			t.Fatal(err)
		}
	}
	tip := chain.TipHeight()
	for dt, want := range map[time.Duration]error{
		-601 * time.Second: bitcoin.ErrTimeWarp,
		-600 * time.Second: nil,
	} {
		_, err := bitcoin.ValidateHeader(p, chain, tip, child(t, p, chain, tip, 4, dt, p.Chain.PowLimitBits))
		if !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("first block %v after its parent: got %v, want %v", dt, err, want)
		}
	}
	// Without BIP94 the same header is valid: only the median time applies.
	p.EnforceBIP94 = false
	_, err := bitcoin.ValidateHeader(p, chain, tip, child(t, p, chain, tip, 4, -601*time.Second, p.Chain.PowLimitBits))
	if err != nil {
		t.Fatalf("without BIP94: %v", err)
	}
}
