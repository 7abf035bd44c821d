package bitcoin_test

import (
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// bench2016 returns the real mainnet headers 822528..824543 (one full
// period, starting with the retarget at 822528) and a view with what they
// need below them: 822527 (the parent) and 820512 (the start of the period
// the retarget at 822528 measures), both from the boundaries CSV.
func bench2016(b *testing.B) (bitcoin.ChainView, [][]byte) {
	bounds := datagen.LoadBoundaries(b)
	run := datagen.LoadHeaders(b, "mainnet-headers-822528-830592.hex")
	view := newMapView()
	view.put(820512, bounds[820512].Header)
	view.put(822527, bounds[822527].Header)
	return view, run.Raw[:2016]
}

// BenchmarkValidateMainnet2016 parses and validates one period of real
// mainnet headers through the pure core (ConnectHeaders on an Overlay).
func BenchmarkValidateMainnet2016(b *testing.B) {
	p := datagen.Network(b, bitcoin.MainNet)
	view, raws := bench2016(b)
	b.ReportAllocs()
	for b.Loop() {
		o, err := bitcoin.ConnectHeaders(p, view, 822527, raws)
		if err != nil || o.Len() != 2016 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(raws)), "ns/header")
}

var sink chainhash.Hash

// BenchmarkDoubleSHA256Floor hashes the same 2016 headers once each: the
// least any validator must do, to compare BenchmarkValidateMainnet2016 with.
func BenchmarkDoubleSHA256Floor(b *testing.B) {
	_, raws := bench2016(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range raws {
			sink = chainhash.DoubleHashH(raw)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(raws)), "ns/header")
}
