package datagen

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// A block miner for tests that need real signed Bitcoin spends: PoP
// publications, deposits, anything whose payee is the key that signs a
// transaction's first input. Each spend is a funding transaction paying the
// spender's key and a spending transaction signed by btcd's txscript, both in
// one regtest block with a valid merkle root, witness commitment and proof of
// work, so x/btclc accepts its header and every SPV proof of it verifies.

// SpendKind is the type of the output a spend consumes.
type SpendKind int

const (
	P2PKH SpendKind = iota
	P2WPKH
	P2SHP2WPKH
)

func (k SpendKind) String() string {
	switch k {
	case P2PKH:
		return "P2PKH"
	case P2WPKH:
		return "P2WPKH"
	case P2SHP2WPKH:
		return "P2SH-P2WPKH"
	}
	return fmt.Sprintf("SpendKind(%d)", int(k))
}

// SpendKinds are all the kinds, for tests that run each.
var SpendKinds = []SpendKind{P2PKH, P2WPKH, P2SHP2WPKH}

// FundingValue is what each funding output holds, and SpendFee what each
// spending transaction leaves to the miner.
const (
	FundingValue = 1_000_000
	SpendFee     = 10_000
)

// KeyFromSeed returns a deterministic private key: the same seed gives the
// same key in every run.
func KeyFromSeed(seed uint32) *btcec.PrivateKey {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], seed)
	sum := sha256.Sum256(append([]byte("hemi datagen key "), b[:]...))
	priv, _ := btcec.PrivKeyFromBytes(sum[:])
	return priv
}

// OpReturn is an output carrying data: OP_RETURN and one minimal push. A PoP
// payload, for instance, is wire.NewTxOut(0, bitcoin.PoPScript(k)).
func OpReturn(tb testing.TB, data []byte) *wire.TxOut {
	tb.Helper()
	script, err := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData(data).Script()
	if err != nil {
		tb.Fatalf("OP_RETURN of %d bytes: %v", len(data), err)
	}
	return wire.NewTxOut(0, script)
}

// Spend asks for one signed spend in a block.
type Spend struct {
	Kind SpendKind
	// Key signs the spend; nil is KeyFromSeed of the spend's position + 1.
	Key *btcec.PrivateKey
	// Outputs come first in the spending transaction, before its change
	// output (FundingValue - SpendFee minus their values, back to the key).
	Outputs []*wire.TxOut
}

// Proof is what an SPV proof of one transaction needs.
type Proof struct {
	Index    uint32
	Siblings []chainhash.Hash
	RawTx    []byte
}

// MinedSpend is one spend as mined: the funding transaction (whose output 0
// input 0 of Spending spends) and the signed spending transaction.
type MinedSpend struct {
	Kind     SpendKind
	Key      *btcec.PrivateKey
	PkScript []byte // the funding output's script
	Funding  *wire.MsgTx
	Spending *wire.MsgTx
	// FundingProof and SpendingProof prove each transaction in the block;
	// their RawTx are the serialized transactions.
	FundingProof, SpendingProof Proof
}

// MinedBlock is a mined regtest block with its spends.
type MinedBlock struct {
	Block     *wire.MsgBlock
	RawHeader []byte
	RawBlock  []byte
	Spends    []MinedSpend
}

// Header returns the block's header.
func (b *MinedBlock) Header() *wire.BlockHeader { return &b.Block.Header }

// MineSpendBlock mines a regtest block on top of parent holding a coinbase
// and, for each spend in order, its funding transaction and then its signed
// spending transaction. tag goes into the coinbase so that blocks with the
// same parent and spends differ. Everything is deterministic.
func MineSpendBlock(tb testing.TB, parent *wire.BlockHeader, tag uint32, spends ...Spend) *MinedBlock {
	tb.Helper()
	parentHash := parent.BlockHash()
	var tagBytes [4]byte
	binary.LittleEndian.PutUint32(tagBytes[:], tag)
	var txs []*wire.MsgTx
	mined := make([]MinedSpend, len(spends))
	for i, s := range spends {
		if s.Key == nil {
			s.Key = KeyFromSeed(uint32(i) + 1)
		}
		// The funding transaction spends a made-up outpoint, distinct per
		// block and spend; nothing here tracks coins.
		prev := chainhash.DoubleHashH(append(append(parentHash[:], tagBytes[:]...), byte(i), byte(i>>8)))
		mined[i] = SignedSpend(tb, s, prev)
		txs = append(txs, mined[i].Funding, mined[i].Spending)
	}
	b := MineTxBlock(tb, parent, tag, txs...)
	for i := range mined {
		mined[i].FundingProof = b.TxProof(tb, mined[i].Funding)
		mined[i].SpendingProof = b.TxProof(tb, mined[i].Spending)
	}
	b.Spends = mined
	return b
}

// MineTxBlock mines a regtest block on top of parent holding a coinbase and
// then txs, as given: a test can mine the same transactions again in another
// block (a reorg that re-mines them). tag goes into the coinbase.
func MineTxBlock(tb testing.TB, parent *wire.BlockHeader, tag uint32, txs ...*wire.MsgTx) *MinedBlock {
	tb.Helper()
	parentHash := parent.BlockHash()
	coinbase := wire.NewMsgTx(2)
	var tagBytes [4]byte
	binary.LittleEndian.PutUint32(tagBytes[:], tag)
	coinbaseScript, err := txscript.NewScriptBuilder().AddData(parentHash[:8]).AddData(tagBytes[:]).Script()
	if err != nil {
		tb.Fatal(err)
	}
	coinbase.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), coinbaseScript, nil))
	coinbase.AddTxOut(wire.NewTxOut(50*btcutil.SatoshiPerBitcoin, P2WPKHScript(tb, KeyFromSeed(0).PubKey())))
	txs = append([]*wire.MsgTx{coinbase}, txs...)
	addWitnessCommitment(tb, coinbase, txs)

	txids := make([]chainhash.Hash, len(txs))
	for i, tx := range txs {
		txids[i] = tx.TxHash()
	}
	root, err := bitcoin.MerkleRoot(txids)
	if err != nil {
		tb.Fatal(err)
	}
	block := &wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    4,
			PrevBlock:  parentHash,
			MerkleRoot: root,
			Timestamp:  parent.Timestamp.Add(RegtestSpacing),
			Bits:       RegtestBits,
		},
		Transactions: txs,
	}
	Mine(tb, Network(tb, bitcoin.RegTest), &block.Header)
	var raw bytes.Buffer
	if err := block.Serialize(&raw); err != nil {
		tb.Fatal(err)
	}
	return &MinedBlock{Block: block, RawHeader: SerializeHeader(&block.Header), RawBlock: raw.Bytes()}
}

// TxProof is the SPV proof of tx in b.
func (b *MinedBlock) TxProof(tb testing.TB, tx *wire.MsgTx) Proof {
	tb.Helper()
	index, siblings, raw, err := bitcoin.InclusionProof(b.Block, tx.TxHash())
	if err != nil {
		tb.Fatal(err)
	}
	return Proof{Index: index, Siblings: siblings, RawTx: raw}
}

// SignedSpend returns one spend outside any block: a funding transaction
// that spends prev and pays FundingValue to s.Key (which must be set) in an
// output of s.Kind, and the spending transaction with s.Outputs and change,
// signed by txscript. MineSpendBlock mines such spends; a test that builds
// its own blocks uses it for real signed transactions with their funding
// transaction (the proofs are left empty).
func SignedSpend(tb testing.TB, s Spend, prev chainhash.Hash) MinedSpend {
	tb.Helper()
	key := s.Key
	if key == nil {
		tb.Fatal("SignedSpend needs a key")
	}
	m := MinedSpend{Kind: s.Kind, Key: key}
	var pkScript, redeem []byte
	switch s.Kind {
	case P2PKH:
		pkScript = payTo(tb, func() (btcutil.Address, error) {
			return btcutil.NewAddressPubKeyHash(btcutil.Hash160(key.PubKey().SerializeCompressed()), &chaincfg.RegressionNetParams)
		})
	case P2WPKH:
		pkScript = P2WPKHScript(tb, key.PubKey())
	case P2SHP2WPKH:
		redeem = P2WPKHScript(tb, key.PubKey())
		pkScript = payTo(tb, func() (btcutil.Address, error) {
			return btcutil.NewAddressScriptHash(redeem, &chaincfg.RegressionNetParams)
		})
	default:
		tb.Fatalf("unknown spend kind %v", s.Kind)
	}
	m.PkScript = pkScript

	m.Funding = wire.NewMsgTx(2)
	m.Funding.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&prev, 0), []byte{txscript.OP_TRUE}, nil))
	m.Funding.AddTxOut(wire.NewTxOut(FundingValue, pkScript))

	m.Spending = wire.NewMsgTx(2)
	fundingHash := m.Funding.TxHash()
	m.Spending.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&fundingHash, 0), nil, nil))
	change := int64(FundingValue - SpendFee)
	for _, out := range s.Outputs {
		m.Spending.AddTxOut(out)
		change -= out.Value
	}
	if change < 0 {
		tb.Fatalf("outputs worth more than %d sat", FundingValue-SpendFee)
	}
	m.Spending.AddTxOut(wire.NewTxOut(change, P2WPKHScript(tb, key.PubKey())))
	sign(tb, m.Spending, pkScript, redeem, key)
	return m
}

// sign signs input 0 of tx, which spends FundingValue sat locked by pkScript
// (redeem is the P2SH redeem script, if any), with txscript.
func sign(tb testing.TB, tx *wire.MsgTx, pkScript, redeem []byte, key *btcec.PrivateKey) {
	tb.Helper()
	switch class := txscript.GetScriptClass(pkScript); class {
	case txscript.PubKeyHashTy:
		sigScript, err := txscript.SignatureScript(tx, 0, pkScript, txscript.SigHashAll, key, true)
		if err != nil {
			tb.Fatal(err)
		}
		tx.TxIn[0].SignatureScript = sigScript
	case txscript.WitnessV0PubKeyHashTy, txscript.ScriptHashTy:
		program := pkScript
		if class == txscript.ScriptHashTy {
			program = redeem
			sigScript, err := txscript.NewScriptBuilder().AddData(redeem).Script()
			if err != nil {
				tb.Fatal(err)
			}
			tx.TxIn[0].SignatureScript = sigScript
		}
		prevOuts := txscript.NewCannedPrevOutputFetcher(pkScript, FundingValue)
		witness, err := txscript.WitnessSignature(tx, txscript.NewTxSigHashes(tx, prevOuts), 0, FundingValue,
			program, txscript.SigHashAll, key, true)
		if err != nil {
			tb.Fatal(err)
		}
		tx.TxIn[0].Witness = witness
	default:
		tb.Fatalf("cannot sign a %v output", class)
	}
}

// addWitnessCommitment gives the coinbase its BIP141 witness commitment when
// a transaction has witness data: the reserved value (32 zero bytes) as the
// coinbase's witness, and an output committing to the wtxid merkle root.
func addWitnessCommitment(tb testing.TB, coinbase *wire.MsgTx, txs []*wire.MsgTx) {
	tb.Helper()
	wtxids := make([]chainhash.Hash, len(txs)) // the coinbase's counts as zero
	witness := false
	for i, tx := range txs[1:] {
		wtxids[i+1] = tx.WitnessHash()
		witness = witness || tx.HasWitness()
	}
	if !witness {
		return
	}
	root, err := bitcoin.MerkleRoot(wtxids)
	if err != nil {
		tb.Fatal(err)
	}
	var reserved [32]byte
	coinbase.TxIn[0].Witness = wire.TxWitness{reserved[:]}
	commitment := chainhash.DoubleHashB(append(root[:], reserved[:]...))
	script := append([]byte{txscript.OP_RETURN, txscript.OP_DATA_36, 0xaa, 0x21, 0xa9, 0xed}, commitment...)
	coinbase.AddTxOut(wire.NewTxOut(0, script))
}

// P2WPKHScript is the P2WPKH output script paying pub (regtest), as a vault or a wallet would
// give it.
func P2WPKHScript(tb testing.TB, pub *btcec.PublicKey) []byte {
	tb.Helper()
	return payTo(tb, func() (btcutil.Address, error) {
		return btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(pub.SerializeCompressed()), &chaincfg.RegressionNetParams)
	})
}

// payTo is the output script paying the address newAddr builds.
func payTo(tb testing.TB, newAddr func() (btcutil.Address, error)) []byte {
	tb.Helper()
	addr, err := newAddr()
	if err != nil {
		tb.Fatal(err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		tb.Fatal(err)
	}
	return script
}
