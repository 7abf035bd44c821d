package datagen_test

import (
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

func TestLoaders(t *testing.T) {
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	if run.Start != 822528 || run.End() != 830592 || len(run.Headers) != len(run.Raw) {
		t.Fatalf("run %d-%d", run.Start, run.End())
	}
	b := datagen.LoadBoundaries(t)
	if string(b[822528].Raw) != string(run.RawAt(t, 822528)) || b[822528].ChainWork.Sign() <= 0 {
		t.Fatal("boundary 822528 does not match the run")
	}
	if forks := datagen.LoadForkHeaders(t); len(forks) != 7 {
		t.Fatalf("%d fork headers", len(forks))
	}
	for _, v := range datagen.LoadSPVVectors(t) {
		if len(v.Branch(t)) != len(v.MerkleBranch) {
			t.Fatal(v.Name())
		}
	}
}

// Generated chains are valid regtest chains, and different tags fork.
func TestRegtestChain(t *testing.T) {
	p, err := bitcoin.NetworkByName(bitcoin.RegTest)
	if err != nil {
		t.Fatal(err)
	}
	genesis := datagen.RegtestGenesis()
	if genesis.BlockHash() != *p.Chain.GenesisHash {
		t.Fatal("not regtest's genesis")
	}
	a := datagen.RegtestChain(t, genesis, 50, 1)
	b := datagen.RegtestChain(t, genesis, 50, 2)
	for _, chain := range [][]wire.BlockHeader{a, b} {
		c := bitcoin.NewMemChain(0, genesis)
		for i := range chain {
			if err := c.Extend(p, &chain[i]); err != nil {
				t.Fatalf("header %d: %v", i+1, err)
			}
		}
	}
	if a[0].BlockHash() == b[0].BlockHash() {
		t.Fatal("tags do not fork")
	}
	raw := datagen.SerializeHeaders(a)
	if h, err := bitcoin.HeaderHash(raw[7]); err != nil || h != a[7].BlockHash() {
		t.Fatal("serialization does not round-trip")
	}
}
