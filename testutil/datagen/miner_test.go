package datagen_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
)

// A mined block holds, for each kind, a spend that Bitcoin's script engine
// accepts, whose proofs verify against the header, whose header extends the
// regtest chain, and whose signer account is the key's.
func TestMineSpendBlock(t *testing.T) {
	p := datagen.Network(t, bitcoin.RegTest)
	genesis := datagen.RegtestGenesis()
	payload := bytes.Repeat([]byte{0xab}, 80)
	var spends []datagen.Spend
	for _, kind := range datagen.SpendKinds {
		spends = append(spends, datagen.Spend{Kind: kind, Outputs: []*wire.TxOut{datagen.OpReturn(t, payload)}})
	}
	spends = append(spends, datagen.Spend{Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(77)}) // no extra outputs
	b := datagen.MineSpendBlock(t, &genesis, 1, spends...)

	if len(b.Block.Transactions) != 1+2*len(spends) || len(b.Spends) != len(spends) {
		t.Fatalf("%d transactions, %d spends", len(b.Block.Transactions), len(b.Spends))
	}
	// The header is valid on regtest on top of genesis, and commits to the
	// transactions.
	chain := bitcoin.NewMemChain(0, genesis)
	if err := chain.Extend(p, b.Header()); err != nil {
		t.Fatal(err)
	}
	txids := make([]chainhash.Hash, len(b.Block.Transactions))
	for i, tx := range b.Block.Transactions {
		txids[i] = tx.TxHash()
	}
	if root, _ := bitcoin.MerkleRoot(txids); root != b.Header().MerkleRoot {
		t.Fatal("merkle root does not match")
	}
	// btcd's own checks: block sanity (coinbase, merkle root, proof of
	// work, no duplicate) and the BIP141 witness commitment.
	blk := btcutil.NewBlock(b.Block)
	if err := blockchain.CheckBlockSanity(blk, p.Chain.PowLimit, blockchain.NewMedianTime()); err != nil {
		t.Fatal(err)
	}
	if err := blockchain.ValidateWitnessCommitment(blk); err != nil {
		t.Fatal(err)
	}
	decoded, err := bitcoin.DecodeBlock(b.RawBlock)
	if err != nil || decoded.BlockHash() != b.Header().BlockHash() || !bytes.Equal(b.RawHeader, b.RawBlock[:80]) {
		t.Fatalf("raw block: %v", err)
	}

	for i, s := range b.Spends {
		if s.Kind != spends[i].Kind || s.Funding.TxOut[0].Value != datagen.FundingValue {
			t.Fatalf("spend %d: %v", i, s.Kind)
		}
		spent := s.Funding.TxOut[0]
		if !bytes.Equal(spent.PkScript, s.PkScript) || s.Spending.TxIn[0].PreviousOutPoint != (wire.OutPoint{Hash: s.Funding.TxHash()}) {
			t.Fatalf("spend %d does not spend its funding output", i)
		}
		want := map[datagen.SpendKind]txscript.ScriptClass{
			datagen.P2PKH: txscript.PubKeyHashTy, datagen.P2WPKH: txscript.WitnessV0PubKeyHashTy, datagen.P2SHP2WPKH: txscript.ScriptHashTy,
		}[s.Kind]
		if got := txscript.GetScriptClass(spent.PkScript); got != want {
			t.Fatalf("spend %d (%v) pays a %v output", i, s.Kind, got)
		}
		// The signature verifies with Bitcoin's script engine.
		prevOuts := txscript.NewCannedPrevOutputFetcher(spent.PkScript, spent.Value)
		vm, err := txscript.NewEngine(spent.PkScript, s.Spending, 0, txscript.StandardVerifyFlags, nil,
			txscript.NewTxSigHashes(s.Spending, prevOuts), spent.Value, prevOuts)
		if err != nil {
			t.Fatal(err)
		}
		if err := vm.Execute(); err != nil {
			t.Fatalf("spend %d (%v): %v", i, s.Kind, err)
		}
		if (s.Kind == datagen.P2PKH) == s.Spending.HasWitness() {
			t.Fatalf("spend %d (%v): witness %v", i, s.Kind, s.Spending.HasWitness())
		}
		// Both transactions are proven in the block.
		for _, pr := range []datagen.Proof{s.FundingProof, s.SpendingProof} {
			if err := bitcoin.VerifyInclusion(pr.RawTx, b.Header().MerkleRoot, pr.Index, pr.Siblings); err != nil {
				t.Fatalf("spend %d: %v", i, err)
			}
		}
		spending, err := bitcoin.DecodeTx(s.SpendingProof.RawTx)
		if err != nil || spending.TxHash() != s.Spending.TxHash() || s.SpendingProof.Index != uint32(2*i+2) {
			t.Fatalf("spend %d: proof of the wrong transaction", i)
		}
		// The signer's account is the key's, as go-ethereum computes it.
		account, err := bitcoin.InputSignerAccount(spending, s.Funding)
		if err != nil {
			t.Fatalf("spend %d (%v): %v", i, s.Kind, err)
		}
		if want := ethcrypto.PubkeyToAddress(*s.Key.PubKey().ToECDSA()); account != [20]byte(want) {
			t.Fatalf("spend %d (%v): account %x, key's %x", i, s.Kind, account, want)
		}
		// The caller's outputs come first, then the change.
		outs := s.Spending.TxOut
		if len(spends[i].Outputs) == 1 {
			if !bytes.Equal(outs[0].PkScript, append([]byte{txscript.OP_RETURN, txscript.OP_PUSHDATA1, 80}, payload...)) || len(outs) != 2 {
				t.Fatalf("spend %d: outputs %v", i, outs)
			}
		}
		if outs[len(outs)-1].Value != datagen.FundingValue-datagen.SpendFee {
			t.Fatalf("spend %d: change %d", i, outs[len(outs)-1].Value)
		}
	}
	if b.Spends[3].Key.Key != datagen.KeyFromSeed(77).Key || b.Spends[0].Key.Key != datagen.KeyFromSeed(1).Key {
		t.Fatal("keys are not the ones asked for or derived from the spend's position")
	}

	// Deterministic, chainable, and the tag forks.
	again := datagen.MineSpendBlock(t, &genesis, 1, spends...)
	if again.Header().BlockHash() != b.Header().BlockHash() {
		t.Fatal("mining is not deterministic")
	}
	if datagen.MineSpendBlock(t, &genesis, 2, spends...).Header().BlockHash() == b.Header().BlockHash() {
		t.Fatal("another tag gives the same block")
	}
	child := datagen.MineSpendBlock(t, b.Header(), 1)
	if err := chain.Extend(p, child.Header()); err != nil || len(child.Block.Transactions) != 1 {
		t.Fatalf("child block: %v", err)
	}
	if child.Block.Transactions[0].HasWitness() {
		t.Fatal("a block without segwit spends has no witness commitment")
	}
}

// A PoP payload published by a mined spend is found, and its payee bound.
func TestMineSpendBlockPoP(t *testing.T) {
	genesis := datagen.RegtestGenesis()
	k := bitcoin.AbbreviatedKeystone{Version: 1, BTCHeight: 1, KeystoneHeight: 25}
	for _, kind := range datagen.SpendKinds {
		b := datagen.MineSpendBlock(t, &genesis, 3, datagen.Spend{Kind: kind, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(k))}})
		s := b.Spends[0]
		got, err := bitcoin.FindPoPPayload(s.Spending)
		if err != nil || got != k {
			t.Fatalf("%v: %v", kind, err)
		}
		if _, err := bitcoin.InputSignerAccount(s.Spending, s.Funding); err != nil {
			t.Fatalf("%v: %v", kind, err)
		}
	}
}
