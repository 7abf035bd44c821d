package bitcoin_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// FuzzValidateHeader feeds arbitrary bytes through the parser and, when they
// are 80 bytes, through the validator at an arbitrary parent height of a real
// chain: mainnet 822528..824600 (a retarget inside) or testnet3 0..9999 (the
// 20-minute rule and walk-back). Nothing may panic, and an accepted header
// must meet its own proof of work.
func FuzzValidateHeader(f *testing.F) {
	mainRun := datagen.LoadHeaders(f, "mainnet-headers-822528-830592.hex")
	test3 := datagen.LoadHeaders(f, "testnet3-headers-0-9999.hex")
	mainnet, testnet3 := datagen.Network(f, bitcoin.MainNet), datagen.Network(f, bitcoin.TestNet3)
	mainChain := bitcoin.NewMemChain(mainRun.Start, mainRun.Headers[0])
	for height := mainRun.Start + 1; height <= 824600; height++ {
		if err := mainChain.Extend(mainnet, mainRun.At(f, height)); err != nil {
			f.Fatal(err)
		}
	}
	test3Chain := bitcoin.NewMemChain(0, test3.Headers[0])
	for i := 1; i < len(test3.Headers); i++ {
		if err := test3Chain.Extend(testnet3, &test3.Headers[i]); err != nil {
			f.Fatal(err)
		}
	}

	// Seeds: real headers at their own parent heights (offsets from the
	// chain base), including the retarget 824544 and testnet3 min-difficulty
	// and walk-back blocks.
	for _, height := range []uint64{822529, 824543, 824544, 824600} {
		f.Add(mainRun.Raw[height-mainRun.Start], uint16(height-1-mainRun.Start), false)
	}
	for _, height := range []uint64{1, 2016, 4032, 4033, 4209, 8063, 8064, 9999} {
		f.Add(test3.Raw[height], uint16(height-1), true)
	}
	f.Add([]byte{}, uint16(0), false)
	f.Add(make([]byte, 79), uint16(0), true)

	f.Fuzz(func(t *testing.T, raw []byte, parentOffset uint16, onTestnet3 bool) {
		h, err := bitcoin.ParseHeader(raw)
		if len(raw) != bitcoin.HeaderSize {
			if !errors.Is(err, bitcoin.ErrHeaderLength) {
				t.Fatalf("%d bytes: got %v", len(raw), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p, view, base, span := mainnet, bitcoin.ChainView(mainChain), mainChain.BaseHeight(), mainChain.TipHeight()-mainChain.BaseHeight()+2
		if onTestnet3 {
			p, view, base, span = testnet3, test3Chain, 0, test3Chain.TipHeight()+2
		}
		// One past the tip too, to reach ErrUnknownParent.
		parent := base + uint64(parentOffset)%span
		hash, err := bitcoin.ValidateHeader(p, view, parent, h)
		if err == nil {
			if powErr := bitcoin.CheckProofOfWork(hash, h.Bits, p.Chain.PowLimit); powErr != nil {
				t.Fatalf("accepted a header without proof of work: %v", powErr)
			}
			if want, _ := bitcoin.HeaderHash(raw); hash != want {
				t.Fatalf("hash %s, HeaderHash %s", hash, want)
			}
		}
		// The numeric helpers must be total on any nBits.
		work := bitcoin.CalcWork(h.Bits)
		if work.Sign() < 0 {
			t.Fatalf("negative work for 0x%08x", h.Bits)
		}
		if n, neg, ovf := bitcoin.CompactToBig(h.Bits); !neg && !ovf {
			c := bitcoin.BigToCompact(n)
			if m, _, _ := bitcoin.CompactToBig(c); m.Cmp(n) != 0 {
				t.Fatalf("0x%08x -> 0x%08x changes the value", h.Bits, c)
			}
		}
	})
}

// FuzzVerifyInclusion feeds arbitrary transactions, roots, indexes and
// branches to the SPV verifier, seeded with the real proofs. Nothing may
// panic, and whatever it accepts must fold to the root from the txid.
func FuzzVerifyInclusion(f *testing.F) {
	for _, v := range datagen.LoadSPVVectors(f) {
		p := decodeVector(f, v)
		var branch []byte
		for _, s := range p.siblings {
			branch = append(branch, s[:]...)
		}
		f.Add(p.tx, p.header.MerkleRoot[:], p.index, branch)
	}
	f.Add(make([]byte, 64), make([]byte, 32), uint32(0), []byte{})

	f.Fuzz(func(t *testing.T, rawTx, rootBytes []byte, index uint32, branch []byte) {
		var root chainhash.Hash
		copy(root[:], rootBytes)
		siblings := make([]chainhash.Hash, len(branch)/chainhash.HashSize)
		for i := range siblings {
			copy(siblings[i][:], branch[i*chainhash.HashSize:])
		}
		txid, txErr := bitcoin.TxID(rawTx)
		err := bitcoin.VerifyInclusion(rawTx, root, index, siblings)
		if err != nil {
			return
		}
		if txErr != nil {
			t.Fatalf("accepted bytes that are not a transaction: %v", txErr)
		}
		if len(rawTx) == 64 {
			t.Fatal("accepted a 64-byte transaction")
		}
		// Recompute the root from the leaf's level up, independently.
		node := txid
		for level, s := range siblings {
			if index>>level&1 == 1 {
				node = chainhash.DoubleHashH(append(s[:], node[:]...))
			} else {
				node = chainhash.DoubleHashH(append(node[:], s[:]...))
			}
		}
		if node != root {
			t.Fatalf("accepted a proof that folds to %s, not %s", node, root)
		}
	})
}

// FuzzDecodeTx: whatever the bytes, decoding allocates at most
// decodeAllocBound of their length, and a transaction that is accepted
// serializes back to exactly those bytes and is what btcd decodes.
func FuzzDecodeTx(f *testing.F) {
	for _, v := range datagen.LoadSPVVectors(f) {
		f.Add(datagen.MustHex(f, v.TxHex))
	}
	for _, raw := range hostileTxs() {
		f.Add(raw)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var tx *wire.MsgTx
		var err error
		if got := allocated(func() { tx, err = bitcoin.DecodeTx(raw) }); got > decodeAllocBound(len(raw)) {
			t.Fatalf("%d bytes allocated %d, bound %d", len(raw), got, decodeAllocBound(len(raw)))
		}
		// DecodeTxSkipWitness refuses exactly what DecodeTx refuses, and otherwise gives the
		// same transaction without its witness.
		stripped, skipErr := bitcoin.DecodeTxSkipWitness(raw)
		if (skipErr == nil) != (err == nil) {
			t.Fatalf("DecodeTx: %v, but DecodeTxSkipWitness: %v", err, skipErr)
		}
		if err == nil && (stripped.HasWitness() || stripped.TxHash() != tx.TxHash()) {
			t.Fatalf("DecodeTxSkipWitness gave %s with witness %v, DecodeTx %s", stripped.TxHash(), stripped.HasWitness(), tx.TxHash())
		}
		// DecodeTxSignerWitness too, keeping input 0's first witness items only.
		signer, signerErr := bitcoin.DecodeTxSignerWitness(raw)
		if (signerErr == nil) != (err == nil) {
			t.Fatalf("DecodeTx: %v, but DecodeTxSignerWitness: %v", err, signerErr)
		}
		if err == nil {
			if signer.TxHash() != tx.TxHash() {
				t.Fatalf("DecodeTxSignerWitness gave %s, DecodeTx %s", signer.TxHash(), tx.TxHash())
			}
			for i, in := range signer.TxIn {
				want := tx.TxIn[i].Witness
				if i > 0 {
					want = nil
				}
				want = want[:min(len(want), bitcoin.MaxSignerWitnessItems)]
				if len(in.Witness) != len(want) {
					t.Fatalf("input %d keeps %d witness items, want %d", i, len(in.Witness), len(want))
				}
			}
		}
		if err != nil {
			if !errors.Is(err, bitcoin.ErrBadTransaction) {
				t.Fatalf("error does not wrap ErrBadTransaction: %v", err)
			}
			return
		}
		want, err := btcdDecodeTx(raw)
		if err != nil {
			t.Fatalf("accepted, but btcd refuses it: %v", err)
		}
		sameTx(t, "fuzzed", tx, want, raw)
	})
}

// FuzzDecodeBlock is FuzzDecodeTx for blocks.
func FuzzDecodeBlock(f *testing.F) {
	var genesis bytes.Buffer
	if err := datagen.Network(f, bitcoin.RegTest).Chain.GenesisBlock.Serialize(&genesis); err != nil {
		f.Fatal(err)
	}
	f.Add(genesis.Bytes())
	// A header followed by a few real transactions (decoding does not check
	// the merkle root).
	vs := datagen.LoadSPVVectors(f)
	several := append(datagen.MustHex(f, vs[0].HeaderHex), 3)
	for _, v := range vs[:3] {
		several = append(several, datagen.MustHex(f, v.TxHex)...)
	}
	f.Add(several)
	f.Add(pad(append(make([]byte, 80), txBytes(compactSize(400_000), version1, compactSize(818_400))...), 100))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var block *wire.MsgBlock
		var err error
		if got := allocated(func() { block, err = bitcoin.DecodeBlock(raw) }); got > decodeAllocBound(len(raw)) {
			t.Fatalf("%d bytes allocated %d, bound %d", len(raw), got, decodeAllocBound(len(raw)))
		}
		if err != nil {
			if !errors.Is(err, bitcoin.ErrBadBlock) {
				t.Fatalf("error does not wrap ErrBadBlock: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := block.Serialize(&buf); err != nil || !bytes.Equal(buf.Bytes(), raw) {
			t.Fatalf("accepted block does not serialize back to its bytes: %v", err)
		}
		want, err := btcdDecodeBlock(raw)
		if err != nil || want.BlockHash() != block.BlockHash() || len(want.Transactions) != len(block.Transactions) {
			t.Fatalf("btcd decodes it differently: %v", err)
		}
		for i, tx := range block.Transactions {
			sameTx(t, "fuzzed block tx", tx, want.Transactions[i], serializeTx(t, tx))
		}
	})
}
