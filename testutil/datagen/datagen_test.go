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

func TestSPVVectorOpReturns(t *testing.T) {
	txs, outputs := 0, 0
	for _, v := range datagen.LoadSPVVectors(t) {
		if len(v.OpReturnOutputs) > 0 {
			txs++
		}
		for _, o := range v.OpReturnOutputs {
			outputs++
			script := datagen.MustHex(t, o.ScriptHex)
			if len(script) == 0 || script[0] != 0x6a || len(o.Pushes) == 0 || o.ValueSats != 0 {
				t.Fatalf("%s output %d: not an OP_RETURN listing: %+v", v.Name(), o.Vout, o)
			}
		}
		if v.WTxID == "" {
			t.Fatalf("%s: no wtxid", v.Name())
		}
	}
	// The data file's README: 19 transactions with OP_RETURN outputs; the
	// coinbase of 830000 has three of them.
	if txs != 19 || outputs != 21 {
		t.Fatalf("%d transactions with %d OP_RETURN outputs", txs, outputs)
	}
}

func TestLoadBlockAndNetwork(t *testing.T) {
	block := datagen.LoadBlock(t, "mainnet-block-830000.bin")
	run := datagen.LoadHeaders(t, "mainnet-headers-822528-830592.hex")
	if len(block.Transactions) != 1851 || block.Header != *run.At(t, 830000) {
		t.Fatalf("block 830000: %d txs, header %s", len(block.Transactions), block.Header.BlockHash())
	}
	p := datagen.Network(t, bitcoin.MainNet)
	if p.Name != bitcoin.MainNet || datagen.Network(t, bitcoin.MainNet) == p {
		t.Fatal("Network should return new mainnet Params on each call")
	}
}
