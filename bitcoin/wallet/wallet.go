package wallet

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
)

// Errors of the wallet. Errors that come from the node keep the classes of
// rpc.Client (rpc.ErrTransport, *rpc.Error, rpc.ErrBadData).
var (
	// ErrInsufficientFunds: the wallet's spendable outputs cannot pay for the
	// outputs and the fee. The message says how much is missing and which
	// address to fund.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrTooManyInputs: paying the outputs would take so many small coins
	// that the transaction would exceed the standard weight limit.
	ErrTooManyInputs = errors.New("transaction would exceed the standard weight of 400000 (too many small outputs to spend): consolidate the wallet's coins first")
	// ErrFeeRate: a fee rate outside the wallet's floor and cap.
	ErrFeeRate = errors.New("fee rate is outside the wallet's limits")
	// ErrFeeAboveCap: an RBF replacement would have to pay more than the
	// wallet's cap. Keep waiting for the original to confirm.
	ErrFeeAboveCap = errors.New("replacement would pay a fee rate above the wallet's cap: keep waiting for the original transaction")
	// ErrBumpBelowDust: an RBF replacement would leave a change output below
	// the dust limit. Keep waiting for the original to confirm.
	ErrBumpBelowDust = errors.New("replacement would reduce the change below the dust limit: keep waiting for the original transaction")
	// ErrNotReplaceable: the transaction given to BumpFee is not one this
	// wallet built: an input is not ours, it does not signal RBF, or it has
	// no change output to pay the higher fee from.
	ErrNotReplaceable = errors.New("transaction cannot be fee-bumped by this wallet")
	// ErrBadInput: a UTXO, output or argument given to the wallet is
	// invalid (the message says which and why).
	ErrBadInput = errors.New("invalid wallet input")
)

// AddressKind is the kind of output the wallet's key receives on.
type AddressKind int

const (
	// P2WPKH (native segwit v0, bc1q...) is the default: its inputs cost
	// 68 vB instead of 148 vB. The node must enforce segwit, which btcd's
	// regtest only does from height 432.
	P2WPKH AddressKind = iota
	// P2PKH (legacy, 1...) works on any chain from the first block.
	P2PKH
)

func (k AddressKind) String() string {
	switch k {
	case P2WPKH:
		return "P2WPKH"
	case P2PKH:
		return "P2PKH"
	default:
		return "AddressKind(" + strconv.Itoa(int(k)) + ")"
	}
}

// Wallet defaults and policy constants.
const (
	// DefaultFeeFloorSatPerVB is the lowest fee rate the wallet uses: the
	// default minimum relay fee of Bitcoin Core and btcd.
	DefaultFeeFloorSatPerVB = 1
	// DefaultFeeCapSatPerVB is the highest fee rate the wallet pays unless
	// told otherwise, so that a wrong or manipulated estimate cannot drain it.
	DefaultFeeCapSatPerVB = 100
	// MaxFeeCapSatPerVB bounds what SetFeeLimits accepts; nothing sane pays
	// more, and it keeps every fee computation far from int64 overflow.
	MaxFeeCapSatPerVB = 100_000
	// IncrementalRelayFeeSatPerVB is what a replacement must pay on top of
	// the fee of the transaction it replaces, per vbyte of its own size
	// (BIP125 rule 4 with the nodes' default incremental relay fee).
	IncrementalRelayFeeSatPerVB = 1
	// RBFSequence (0xfffffffd) is the nSequence of every input: below
	// 0xfffffffe, so the transaction opts in to replace-by-fee (BIP125).
	// It also makes nLockTime count, which is harmless: the wallet's is 0.
	RBFSequence = wire.MaxTxInSequenceNum - 2

	// Dust limits of a change output (the nodes' default dust relay fee of
	// 3 sat/vB times the size of the output plus the input spending it).
	dustLimitP2PKH  = 546
	dustLimitP2WPKH = 294

	// maxStandardWeight is the largest transaction nodes relay.
	maxStandardWeight = 400_000

	// The signer grinds its nonce until the DER signature is exactly 70
	// bytes (r and s both 32 bytes without a sign pad), so every input has
	// the same size and the size estimate is exact, not an upper bound.
	derSigSize     = 70
	sigWithHashLen = derSigSize + 1 // plus the sighash type byte
	pubKeySize     = 33             // compressed
	// maxSignAttempts bounds the grinding; each attempt succeeds with
	// probability about 1/2.
	maxSignAttempts = 256

	// searchPageSize is how many transactions one searchrawtransactions
	// call asks for; maxSearchTxs bounds the scan of one address's history
	// so that a node answering full pages forever cannot keep us looping.
	searchPageSize = 500
	maxSearchTxs   = 1_000_000
)

// UTXO is an output the wallet can spend.
type UTXO struct {
	OutPoint wire.OutPoint
	Value    int64 // satoshis
	PkScript []byte
	// Confirmations is 0 for an output of a transaction in the mempool.
	Confirmations int64
	// Coinbase outputs can be spent only once they have
	// chaincfg.Params.CoinbaseMaturity (100) confirmations.
	Coinbase bool
}

// Wallet is a single-key wallet for the popminer: one secp256k1 key is its
// Bitcoin address and (through PoPPayee) its hemi payee. It finds its coins
// through the node's RPC, builds and signs transactions with opt-in RBF, and
// replaces them with higher-fee versions that spend the same inputs, so at
// most one version of a payment can ever confirm.
//
// It keeps no state besides its fee limits; a Wallet is safe for concurrent
// use once SetFeeLimits is no longer called. Which UTXOs are in use by a
// pending transaction is the caller's business (the popminer persists it).
type Wallet struct {
	key      *btcec.PrivateKey
	net      *chaincfg.Params
	kind     AddressKind
	node     *rpc.Client
	addr     btcutil.Address
	pkScript []byte
	pubKey   []byte // compressed
	floor    int64
	cap      int64
}

// New builds a wallet for key on net, receiving on an address of the
// given kind. node may be nil for a wallet that only builds and signs
// (UTXOs, FeeRate and Broadcast then fail).
func New(key *btcec.PrivateKey, net *chaincfg.Params, kind AddressKind, node *rpc.Client) (*Wallet, error) {
	if key == nil || key.Key.IsZero() {
		return nil, fmt.Errorf("%w: no private key", ErrBadInput)
	}
	if net == nil {
		return nil, fmt.Errorf("%w: no network parameters", ErrBadInput)
	}
	pub := key.PubKey().SerializeCompressed()
	hash := btcutil.Hash160(pub)
	var addr btcutil.Address
	var err error
	switch kind {
	case P2WPKH:
		addr, err = btcutil.NewAddressWitnessPubKeyHash(hash, net)
	case P2PKH:
		addr, err = btcutil.NewAddressPubKeyHash(hash, net)
	default:
		return nil, fmt.Errorf("%w: unknown address kind %v", ErrBadInput, kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	return &Wallet{
		key: key, net: net, kind: kind, node: node,
		addr: addr, pkScript: script, pubKey: pub,
		floor: DefaultFeeFloorSatPerVB, cap: DefaultFeeCapSatPerVB,
	}, nil
}

// Address is where the wallet receives: fund it here.
func (w *Wallet) Address() btcutil.Address { return w.addr }

// PkScript is the output script of Address.
func (w *Wallet) PkScript() []byte { return bytes.Clone(w.pkScript) }

// Kind is the wallet's address kind.
func (w *Wallet) Kind() AddressKind { return w.kind }

// Payee is the hemi account PoP rewards of the wallet's transactions go to
// (see PoPPayee).
func (w *Wallet) Payee() [20]byte { return bitcoin.KeyPayee(w.key.PubKey()) }

// DustLimit is the smallest change output the wallet creates.
func (w *Wallet) DustLimit() int64 {
	if w.kind == P2PKH {
		return dustLimitP2PKH
	}
	return dustLimitP2WPKH
}

// FeeLimits returns the floor and cap of the fee rate, in sat/vB.
func (w *Wallet) FeeLimits() (floor, cap int64) { return w.floor, w.cap }

// SetFeeLimits sets the floor and the cap of the fee rate, in sat/vB
// (defaults DefaultFeeFloorSatPerVB and DefaultFeeCapSatPerVB). It is meant
// for start-up, before the wallet is shared.
func (w *Wallet) SetFeeLimits(floor, cap int64) error {
	if floor < 1 || cap < floor || cap > MaxFeeCapSatPerVB {
		return fmt.Errorf("%w: fee floor %d and cap %d sat/vB must satisfy 1 <= floor <= cap <= %d", ErrFeeRate, floor, cap, MaxFeeCapSatPerVB)
	}
	w.floor, w.cap = floor, cap
	return nil
}

// FeeRate returns the fee rate, in sat/vB, to confirm within confTarget
// blocks: the node's estimate rounded up and clamped to the wallet's floor
// and cap. A node without an estimate yet (rpc.ErrNoFeeEstimate, as on a fresh
// regtest chain) gives the floor; other node errors are returned.
func (w *Wallet) FeeRate(ctx context.Context, confTarget int64) (int64, error) {
	if confTarget < 1 {
		return 0, fmt.Errorf("%w: confirmation target %d must be at least 1 block", ErrBadInput, confTarget)
	}
	if w.node == nil {
		return 0, errors.New("wallet has no node to ask for a fee estimate")
	}
	estimate, err := w.node.EstimateSmartFee(ctx, confTarget)
	if errors.Is(err, rpc.ErrNoFeeEstimate) {
		return w.floor, nil
	}
	if err != nil {
		return 0, err
	}
	return w.clampFeeRate(estimate), nil
}

// clampFeeRate rounds an estimate up (never pay less than the estimate) and
// clamps it to [floor, cap]. The comparisons come before the conversion so
// that no float, however large, overflows int64.
func (w *Wallet) clampFeeRate(estimate float64) int64 {
	switch {
	case math.IsNaN(estimate) || estimate <= float64(w.floor):
		return w.floor
	case estimate >= float64(w.cap):
		return w.cap
	default:
		return max(w.floor, min(w.cap, int64(math.Ceil(estimate))))
	}
}

func (w *Wallet) checkFeeRate(rate int64) error {
	if rate < w.floor || rate > w.cap {
		return fmt.Errorf("%w: %d sat/vB is not within the floor %d and the cap %d", ErrFeeRate, rate, w.floor, w.cap)
	}
	return nil
}

// VirtualSize is the virtual size of tx in vbytes: its weight (non-witness
// bytes count 4, witness bytes 1) divided by 4, rounded up.
// A nil transaction, or one with a nil input or output, has size 0.
func VirtualSize(tx *wire.MsgTx) int64 {
	if !wellFormed(tx) {
		return 0
	}
	weight := int64(tx.SerializeSizeStripped())*3 + int64(tx.SerializeSize())
	return (weight + 3) / 4
}

// inputSizes are the non-witness and witness bytes of one input this wallet
// signs, with the 71-byte signature the signer always produces.
func (w *Wallet) inputSizes() (base, witness int64) {
	const outPointAndSequence = 36 + 4
	if w.kind == P2PKH {
		// scriptSig: push(sig) push(pubkey), 106 bytes, behind its
		// 1-byte length.
		scriptSig := int64(1 + sigWithHashLen + 1 + pubKeySize)
		return outPointAndSequence + 1 + scriptSig, 0
	}
	// Empty scriptSig (its 1-byte length), and a witness of two items:
	// count, then each item behind its 1-byte length.
	return outPointAndSequence + 1, 1 + 1 + sigWithHashLen + 1 + pubKeySize
}

// EstimateVSize is the exact virtual size of a transaction this wallet signs
// with numInputs inputs and the given outputs (the change included, if any).
// A nil output counts as an output with an empty script.
func (w *Wallet) EstimateVSize(numInputs int, outputs []*wire.TxOut) int64 {
	numInputs = max(numInputs, 0)
	inBase, inWitness := w.inputSizes()
	base := int64(4 + 4) // version and lock time
	base += int64(wire.VarIntSerializeSize(uint64(numInputs))) + int64(numInputs)*inBase
	base += int64(wire.VarIntSerializeSize(uint64(len(outputs))))
	for _, out := range outputs {
		if out == nil {
			base += 8 + 1
			continue
		}
		base += int64(out.SerializeSize())
	}
	var witness int64
	if inWitness > 0 && numInputs > 0 {
		witness = 2 + int64(numInputs)*inWitness // segwit marker and flag
	}
	return (base*4 + witness + 3) / 4
}

// feeFor is the fee of vsize vbytes at rate sat/vB. Both are whole numbers
// bounded by the callers (vsize by the standard weight, rate by
// MaxFeeCapSatPerVB), so the product is exact and cannot overflow.
func feeFor(vsize, rate int64) int64 { return vsize * rate }

// checkUTXOs validates coins given to BuildTx or BumpFee: each must pay this
// wallet's script (the only one it can sign for), carry a positive value,
// and appear once. Immature coinbases are dropped. The result is sorted
// largest first, ties by outpoint, and its total is returned.
func (w *Wallet) checkUTXOs(utxos []UTXO) ([]UTXO, int64, error) {
	coins := make([]UTXO, 0, len(utxos))
	seen := make(map[wire.OutPoint]bool, len(utxos))
	var total int64
	for i, u := range utxos {
		if !bytes.Equal(u.PkScript, w.pkScript) {
			return nil, 0, fmt.Errorf("%w: UTXO %d (%s) pays script %x, not this wallet's %x", ErrBadInput, i, u.OutPoint, u.PkScript, w.pkScript)
		}
		if u.Value <= 0 || u.Value > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: UTXO %d (%s) has value %d sat", ErrBadInput, i, u.OutPoint, u.Value)
		}
		if seen[u.OutPoint] {
			return nil, 0, fmt.Errorf("%w: UTXO %s is listed twice", ErrBadInput, u.OutPoint)
		}
		seen[u.OutPoint] = true
		if u.Coinbase && u.Confirmations < int64(w.net.CoinbaseMaturity) {
			continue
		}
		// Each value is at most MaxSatoshi, so checking after every
		// addition keeps the sum far from overflowing.
		total += u.Value
		if total > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: UTXO values add up to more than 21 million BTC", ErrBadInput)
		}
		coins = append(coins, u)
	}
	sort.Slice(coins, func(i, j int) bool {
		a, b := coins[i], coins[j]
		if a.Value != b.Value {
			return a.Value > b.Value
		}
		if c := bytes.Compare(a.OutPoint.Hash[:], b.OutPoint.Hash[:]); c != 0 {
			return c < 0
		}
		return a.OutPoint.Index < b.OutPoint.Index
	})
	return coins, total, nil
}

// checkOutputs validates the payments of BuildTx and returns their total.
func checkOutputs(outputs []*wire.TxOut) (int64, error) {
	if len(outputs) == 0 {
		return 0, fmt.Errorf("%w: no outputs to pay", ErrBadInput)
	}
	var total int64
	for i, out := range outputs {
		if out == nil {
			return 0, fmt.Errorf("%w: output %d is nil", ErrBadInput, i)
		}
		if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
			return 0, fmt.Errorf("%w: output %d has value %d sat", ErrBadInput, i, out.Value)
		}
		if len(out.PkScript) > txscript.MaxScriptSize {
			return 0, fmt.Errorf("%w: output %d has a %d-byte script", ErrBadInput, i, len(out.PkScript))
		}
		total += out.Value
		if total > btcutil.MaxSatoshi {
			return 0, fmt.Errorf("%w: outputs add up to more than 21 million BTC", ErrBadInput)
		}
	}
	return total, nil
}

// BuildTx builds and signs a transaction paying outputs from utxos at
// feeRate sat/vB, and returns it with the fee it pays.
//
// Coin selection is deterministic and largest first (ties by outpoint): it
// spends the fewest inputs, so a PoP transaction stays small and cheap, and
// the same coins give the same transaction. Change goes back to the wallet's
// address as the last output when it is at least DustLimit; a smaller
// remainder is added to the fee. Every input has nSequence RBFSequence, so
// BumpFee can replace the transaction. The fee is exactly
// EstimateVSize × feeRate (plus the remainder when there is no change).
//
// The first input is signed by the wallet's key, so PoPPayee of the result is
// Payee; this is checked, as the popminer's reward depends on it.
func (w *Wallet) BuildTx(utxos []UTXO, outputs []*wire.TxOut, feeRate int64) (*wire.MsgTx, int64, error) {
	if err := w.checkFeeRate(feeRate); err != nil {
		return nil, 0, err
	}
	target, err := checkOutputs(outputs)
	if err != nil {
		return nil, 0, err
	}
	coins, available, err := w.checkUTXOs(utxos)
	if err != nil {
		return nil, 0, err
	}
	withChange := append(append([]*wire.TxOut(nil), outputs...), wire.NewTxOut(0, w.pkScript))

	var inSum int64
	for n := 1; n <= len(coins); n++ {
		inSum += coins[n-1].Value
		vsize := w.EstimateVSize(n, withChange)
		if vsize*4 > maxStandardWeight {
			return nil, 0, fmt.Errorf("%w: %d inputs would be needed", ErrTooManyInputs, n)
		}
		if change := inSum - target - feeFor(vsize, feeRate); change >= w.DustLimit() {
			tx, err := w.assemble(coins[:n], outputs, change)
			return tx, inSum - target - change, err
		}
		if inSum-target >= feeFor(w.EstimateVSize(n, outputs), feeRate) {
			tx, err := w.assemble(coins[:n], outputs, 0)
			return tx, inSum - target, err
		}
	}

	// What spending every coin would need, without change.
	fee := feeFor(w.EstimateVSize(max(len(coins), 1), outputs), feeRate)
	need := target + fee
	return nil, 0, fmt.Errorf("%w: need %d sat (%d for the outputs and a %d sat fee at %d sat/vB) but %d spendable outputs hold %d sat: send at least %d sat to %s",
		ErrInsufficientFunds, need, target, fee, feeRate, len(coins), available, need-available, w.addr.EncodeAddress())
}

// assemble builds the transaction spending coins in order, paying outputs
// and, if change > 0, change to the wallet last, and signs it.
func (w *Wallet) assemble(coins []UTXO, outputs []*wire.TxOut, change int64) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(2)
	for _, c := range coins {
		in := wire.NewTxIn(&c.OutPoint, nil, nil)
		in.Sequence = RBFSequence
		tx.AddTxIn(in)
	}
	for _, out := range outputs {
		// Copies, so the caller's outputs are not shared with the result.
		tx.AddTxOut(wire.NewTxOut(out.Value, bytes.Clone(out.PkScript)))
	}
	if change > 0 {
		tx.AddTxOut(wire.NewTxOut(change, bytes.Clone(w.pkScript)))
	}
	if err := w.sign(tx, coins); err != nil {
		return nil, err
	}
	return tx, nil
}

// sign signs every input of tx, which spends coins in order (all paying the
// wallet's script) with SIGHASH_ALL, then runs the script engine on each
// input and checks that the first input's key is the wallet's: a
// transaction that fails either is never returned.
func (w *Wallet) sign(tx *wire.MsgTx, coins []UTXO) error {
	prevOuts := txscript.NewMultiPrevOutFetcher(nil)
	for _, c := range coins {
		prevOuts.AddPrevOut(c.OutPoint, wire.NewTxOut(c.Value, w.pkScript))
	}
	// BIP143 digests commit to the spent amounts through this cache.
	sigHashes := txscript.NewTxSigHashes(tx, prevOuts)
	for i, c := range coins {
		var digest []byte
		var err error
		if w.kind == P2WPKH {
			digest, err = txscript.CalcWitnessSigHash(w.pkScript, sigHashes, txscript.SigHashAll, tx, i, c.Value)
		} else {
			digest, err = txscript.CalcSignatureHash(w.pkScript, txscript.SigHashAll, tx, i)
		}
		if err != nil {
			return fmt.Errorf("signing input %d: %v", i, err)
		}
		sig, err := signFixedSize(w.key, digest)
		if err != nil {
			return fmt.Errorf("signing input %d: %v", i, err)
		}
		sig = append(sig, byte(txscript.SigHashAll))
		if w.kind == P2WPKH {
			tx.TxIn[i].Witness = wire.TxWitness{sig, bytes.Clone(w.pubKey)}
		} else {
			script, err := txscript.NewScriptBuilder().AddData(sig).AddData(w.pubKey).Script()
			if err != nil {
				return fmt.Errorf("signing input %d: %v", i, err)
			}
			tx.TxIn[i].SignatureScript = script
		}
	}
	for i, c := range coins {
		vm, err := txscript.NewEngine(w.pkScript, tx, i, txscript.StandardVerifyFlags, nil, sigHashes, c.Value, prevOuts)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return fmt.Errorf("signed input %d does not verify: %v", i, err)
		}
	}
	if payee, ok := bitcoin.PoPPayee(tx); !ok || payee != w.Payee() {
		return errors.New("the first input is not signed by the wallet's key, so the PoP payee would not be the wallet's")
	}
	return nil
}

// signFixedSize signs hash with key: ECDSA with an RFC6979 nonce and low S
// (BIP62), like ecdsa.Sign, whose signature it returns when that one is 70
// bytes in DER. Otherwise it tries again with extra nonce data (a counter,
// the way Bitcoin Core grinds for low R) until the signature is 70 bytes,
// which makes every input of the wallet the same size, so fees computed
// before signing are exact. The signature is verified by the script engine
// before any transaction leaves the wallet.
func signFixedSize(key *btcec.PrivateKey, hash []byte) ([]byte, error) {
	if len(hash) != chainhash.HashSize {
		return nil, fmt.Errorf("digest is %d bytes, want %d", len(hash), chainhash.HashSize)
	}
	secret := key.Key.Bytes()
	defer clear(secret[:])
	var e btcec.ModNScalar
	e.SetByteSlice(hash)
	for attempt := uint32(0); attempt < maxSignAttempts; attempt++ {
		var extra []byte
		if attempt > 0 {
			extra = make([]byte, 32)
			binary.LittleEndian.PutUint32(extra, attempt)
		}
		k := btcec.NonceRFC6979(secret[:], hash, extra, nil, 0)
		// r = x(k·G) mod n; s = k⁻¹·(e + r·d) mod n, negated if above n/2.
		var kG btcec.JacobianPoint
		btcec.ScalarBaseMultNonConst(k, &kG)
		kG.ToAffine()
		var r btcec.ModNScalar
		r.SetBytes(kG.X.Bytes())
		kInv := new(btcec.ModNScalar).InverseValNonConst(k)
		k.Zero()
		s := new(btcec.ModNScalar).Mul2(&key.Key, &r).Add(&e).Mul(kInv)
		if r.IsZero() || s.IsZero() {
			continue
		}
		if s.IsOverHalfOrder() {
			s.Negate()
		}
		if sig := ecdsa.NewSignature(&r, s).Serialize(); len(sig) == derSigSize {
			return sig, nil
		}
	}
	return nil, fmt.Errorf("no %d-byte signature in %d attempts", derSigSize, maxSignAttempts)
}

// BumpFee returns an RBF replacement of tx, a transaction built by BuildTx
// (or an earlier BumpFee) that has not confirmed, and the fee it pays. spent
// are the UTXOs tx spends. The replacement spends exactly the same inputs,
// so the two conflict and at most one of them can ever confirm: bumping never
// pays twice. It pays the same outputs, takes the extra fee from the change
// (the last output, which must pay the wallet) and pays at least
//
//   - newFeeRate × its vsize,
//   - the old fee plus IncrementalRelayFeeSatPerVB × its vsize (BIP125 rule 4),
//   - a higher fee rate than tx, counted in whole sat/kvB as the nodes do
//     (BIP125 rule 6).
//
// If that takes the change below DustLimit (ErrBumpBelowDust) or the rate
// above the wallet's cap (ErrFeeAboveCap), the caller should keep waiting for
// tx instead.
func (w *Wallet) BumpFee(tx *wire.MsgTx, spent []UTXO, newFeeRate int64) (*wire.MsgTx, int64, error) {
	if err := w.checkFeeRate(newFeeRate); err != nil {
		return nil, 0, err
	}
	if !wellFormed(tx) || len(tx.TxIn) == 0 || len(tx.TxOut) == 0 {
		return nil, 0, fmt.Errorf("%w: it needs inputs and outputs, none of them nil", ErrNotReplaceable)
	}
	if w.EstimateVSize(len(tx.TxIn), tx.TxOut)*4 > maxStandardWeight {
		return nil, 0, fmt.Errorf("%w: %d inputs", ErrTooManyInputs, len(tx.TxIn))
	}
	byOutPoint := make(map[wire.OutPoint]UTXO, len(spent))
	for i, u := range spent {
		if !bytes.Equal(u.PkScript, w.pkScript) || u.Value <= 0 || u.Value > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: spent UTXO %d (%s) does not pay this wallet a valid amount", ErrBadInput, i, u.OutPoint)
		}
		byOutPoint[u.OutPoint] = u
	}
	coins := make([]UTXO, len(tx.TxIn))
	seen := make(map[wire.OutPoint]bool, len(tx.TxIn))
	var inSum int64
	for i, in := range tx.TxIn {
		u, ok := byOutPoint[in.PreviousOutPoint]
		if !ok {
			return nil, 0, fmt.Errorf("%w: input %d spends %s, which is not among the spent UTXOs given", ErrNotReplaceable, i, in.PreviousOutPoint)
		}
		if seen[in.PreviousOutPoint] {
			return nil, 0, fmt.Errorf("%w: input %d spends %s twice", ErrNotReplaceable, i, in.PreviousOutPoint)
		}
		seen[in.PreviousOutPoint] = true
		if in.Sequence >= wire.MaxTxInSequenceNum-1 {
			return nil, 0, fmt.Errorf("%w: input %d has nSequence %#x, which does not signal RBF", ErrNotReplaceable, i, in.Sequence)
		}
		coins[i] = u
		// Checked after every addition of at most MaxSatoshi: no overflow.
		inSum += u.Value
		if inSum > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: spent UTXO values add up to more than 21 million BTC", ErrBadInput)
		}
	}
	var outSum int64
	for i, out := range tx.TxOut {
		if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: output %d has value %d sat", ErrNotReplaceable, i, out.Value)
		}
		outSum += out.Value
		if outSum > btcutil.MaxSatoshi {
			return nil, 0, fmt.Errorf("%w: outputs add up to more than 21 million BTC", ErrNotReplaceable)
		}
	}
	oldFee := inSum - outSum
	if oldFee < 0 {
		return nil, 0, fmt.Errorf("%w: outputs (%d sat) exceed the inputs (%d sat)", ErrNotReplaceable, outSum, inSum)
	}
	last := len(tx.TxOut) - 1
	change := tx.TxOut[last]
	if !bytes.Equal(change.PkScript, w.pkScript) {
		return nil, 0, fmt.Errorf("%w: it has no change output to take a higher fee from", ErrNotReplaceable)
	}

	// The replacement has the same inputs and outputs, so its size is the
	// estimate; the original's is its real size if it is signed.
	newVSize := w.EstimateVSize(len(tx.TxIn), tx.TxOut)
	oldVSize := newVSize
	if isSigned(tx) {
		oldVSize = VirtualSize(tx)
	}
	capFee := feeFor(newVSize, w.cap)
	newFee := max(feeFor(newVSize, newFeeRate), oldFee+newVSize*IncrementalRelayFeeSatPerVB)
	if newFee > capFee {
		return nil, 0, fmt.Errorf("%w: it needs %d sat for %d vB, the cap of %d sat/vB allows %d", ErrFeeAboveCap, newFee, newVSize, w.cap, capFee)
	}
	// Nodes compare rates as floor(fee × 1000 / vsize) and want the new one
	// strictly higher. oldFee <= newFee <= capFee here, so the products stay
	// small.
	oldRatePerKvB := oldFee * 1000 / oldVSize
	newFee = max(newFee, ((oldRatePerKvB+1)*newVSize+999)/1000)
	if newFee > capFee {
		return nil, 0, fmt.Errorf("%w: it needs %d sat for %d vB, the cap of %d sat/vB allows %d", ErrFeeAboveCap, newFee, newVSize, w.cap, capFee)
	}
	newChange := change.Value - (newFee - oldFee)
	if newChange < w.DustLimit() {
		return nil, 0, fmt.Errorf("%w: change would be %d sat, dust limit %d", ErrBumpBelowDust, newChange, w.DustLimit())
	}

	replacement := wire.NewMsgTx(tx.Version)
	replacement.LockTime = tx.LockTime
	for _, in := range tx.TxIn {
		r := wire.NewTxIn(&in.PreviousOutPoint, nil, nil)
		r.Sequence = RBFSequence
		replacement.AddTxIn(r)
	}
	for _, out := range tx.TxOut[:last] {
		replacement.AddTxOut(wire.NewTxOut(out.Value, bytes.Clone(out.PkScript)))
	}
	replacement.AddTxOut(wire.NewTxOut(newChange, bytes.Clone(w.pkScript)))
	if err := w.sign(replacement, coins); err != nil {
		return nil, 0, err
	}
	return replacement, newFee, nil
}

// wellFormed reports whether tx can be serialized: wire panics on nil
// inputs or outputs.
func wellFormed(tx *wire.MsgTx) bool {
	if tx == nil {
		return false
	}
	for _, in := range tx.TxIn {
		if in == nil {
			return false
		}
	}
	for _, out := range tx.TxOut {
		if out == nil {
			return false
		}
	}
	return true
}

// isSigned reports whether every input of tx carries a scriptSig or witness.
func isSigned(tx *wire.MsgTx) bool {
	for _, in := range tx.TxIn {
		if len(in.SignatureScript) == 0 && len(in.Witness) == 0 {
			return false
		}
	}
	return true
}

// Broadcast sends tx to the node and returns its txid. A node that already
// has it (in its mempool or in a block) counts as success, so a restarted
// daemon can broadcast again safely.
func (w *Wallet) Broadcast(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	if !wellFormed(tx) {
		return chainhash.Hash{}, fmt.Errorf("%w: no transaction, or one with a nil input or output", ErrBadInput)
	}
	if w.node == nil {
		return chainhash.Hash{}, errors.New("wallet has no node to broadcast to")
	}
	txid, err := w.node.SendRawTransaction(ctx, tx)
	if err != nil && rpc.IsAlreadyKnown(err) {
		return tx.TxHash(), nil
	}
	return txid, err
}

// UTXOs returns the wallet's spendable outputs with at least minConf
// confirmations (0 includes outputs of mempool transactions), sorted by
// outpoint. Immature coinbase outputs are left out. The popminer should ask
// for minConf >= 1: an unconfirmed change output disappears when the
// transaction that made it is replaced.
//
// Discovery works with both nodes the project supports:
//
//   - btcd (run with --txindex --addrindex): searchrawtransactions pages
//     through every transaction touching the address, mempool first; the
//     raw transactions are decoded here, outputs paying the wallet's script
//     are collected and those spent by an input of any of these transactions
//     dropped. (btcd's gettxout does not hide outputs spent in its mempool,
//     so this step is what keeps them out.)
//   - Bitcoin Core, which has no searchrawtransactions (it answers "method
//     not found", and only then is this used): scantxoutset over the UTXO
//     set with the descriptor addr(<address>). It sees confirmed outputs
//     only.
//
// Each candidate is then checked with gettxout including the mempool,
// which drops outputs spent in the chain (and, on Core, in the mempool) and
// tells confirmations and whether the output is a coinbase. Its value and
// script must agree with what the scan said, or the node is reported as
// faulty (rpc.ErrBadData). A scan that races with a new block may miss a
// fresh output; the next scan finds it.
func (w *Wallet) UTXOs(ctx context.Context, minConf int64) ([]UTXO, error) {
	if w.node == nil {
		return nil, errors.New("wallet has no node to find its coins with")
	}
	candidates, err := w.searchAddress(ctx)
	var rpcErr *rpc.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == rpc.CodeMethodNotFound {
		candidates, err = w.scanUTXOSet(ctx)
	}
	if err != nil {
		return nil, err
	}
	outPoints := make([]wire.OutPoint, 0, len(candidates))
	for op := range candidates {
		outPoints = append(outPoints, op)
	}
	sort.Slice(outPoints, func(i, j int) bool {
		if c := bytes.Compare(outPoints[i].Hash[:], outPoints[j].Hash[:]); c != 0 {
			return c < 0
		}
		return outPoints[i].Index < outPoints[j].Index
	})
	utxos := []UTXO{}
	for _, op := range outPoints {
		u, ok, err := w.getTxOut(ctx, op, candidates[op])
		if err != nil {
			return nil, err
		}
		if !ok || u.Confirmations < minConf || (u.Coinbase && u.Confirmations < int64(w.net.CoinbaseMaturity)) {
			continue
		}
		utxos = append(utxos, u)
	}
	return utxos, nil
}

// searchAddress is the btcd scan: the outputs paying the wallet in the
// address's history that no transaction of that history spends, with their
// values.
func (w *Wallet) searchAddress(ctx context.Context) (map[wire.OutPoint]int64, error) {
	const method = "searchrawtransactions"
	addr := w.addr.EncodeAddress()
	outputs := map[wire.OutPoint]int64{}
	spent := map[wire.OutPoint]bool{}
	seen := map[chainhash.Hash]bool{}
	for skip := 0; ; skip += searchPageSize {
		if skip >= maxSearchTxs {
			return nil, fmt.Errorf("address %s has more than %d transactions: too many to scan; use a fresh key", addr, maxSearchTxs)
		}
		// verbose=0: only the raw transactions, which are decoded here;
		// the node's decoded view would be one more thing to distrust.
		// reverse=true lists mempool transactions first, so (up to a page
		// of them) they come in one consistent answer: btcd lists them in
		// map order, which changes from call to call, and a mempool spend
		// missed here would not be caught by gettxout.
		var page []string
		err := w.node.Call(ctx, method, []any{addr, 0, skip, searchPageSize, 0, true}, &page)
		if isNoAddressInfo(err) {
			break // no (more) transactions: btcd says so with an error
		}
		if err != nil {
			return nil, err
		}
		if len(page) > searchPageSize {
			return nil, w.node.BadData(method, nil, "asked for %d transactions, got %d", searchPageSize, len(page))
		}
		for _, txHex := range page {
			raw, err := hex.DecodeString(txHex)
			if err != nil {
				return nil, w.node.BadData(method, rpc.ErrBadHex, "%v", err)
			}
			tx, err := bitcoin.DecodeTx(raw)
			if err != nil {
				return nil, w.node.BadAnswer(method, err)
			}
			txid := tx.TxHash()
			if seen[txid] {
				continue // pages can overlap when a block arrives mid-scan
			}
			seen[txid] = true
			for i, out := range tx.TxOut {
				if !bytes.Equal(out.PkScript, w.pkScript) {
					continue
				}
				if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
					return nil, w.node.BadData(method, nil, "transaction %s output %d has value %d sat", txid, i, out.Value)
				}
				if out.Value > 0 { // a zero-value output is not worth an input
					outputs[wire.OutPoint{Hash: txid, Index: uint32(i)}] = out.Value
				}
			}
			if !blockchain.IsCoinBaseTx(tx) {
				for _, in := range tx.TxIn {
					spent[in.PreviousOutPoint] = true
				}
			}
		}
		if len(page) < searchPageSize {
			break
		}
	}
	for op := range spent {
		delete(outputs, op)
	}
	return outputs, nil
}

// isNoAddressInfo reports btcd's answer for an address without (further)
// transactions: error -5 "No information available about address". Other
// -5 errors (an address for another network) are real errors.
func isNoAddressInfo(err error) bool {
	var rpcErr *rpc.Error
	return errors.As(err, &rpcErr) && rpcErr.Code == rpc.CodeInvalidAddressOrKey &&
		strings.Contains(strings.ToLower(rpcErr.Message), "no information available")
}

// scanUTXOSet is the Bitcoin Core scan: the confirmed outputs paying the
// wallet's address, with their values.
func (w *Wallet) scanUTXOSet(ctx context.Context) (map[wire.OutPoint]int64, error) {
	const method = "scantxoutset"
	var res struct {
		Success  *bool `json:"success"`
		Unspents []struct {
			TxID         string      `json:"txid"`
			Vout         *uint32     `json:"vout"`
			ScriptPubKey string      `json:"scriptPubKey"`
			Amount       json.Number `json:"amount"`
		} `json:"unspents"`
	}
	desc := "addr(" + w.addr.EncodeAddress() + ")"
	if err := w.node.Call(ctx, method, []any{"start", []string{desc}}, &res); err != nil {
		return nil, err
	}
	if res.Success == nil || !*res.Success {
		return nil, w.node.BadData(method, nil, "scan did not report success")
	}
	outputs := make(map[wire.OutPoint]int64, len(res.Unspents))
	for i, u := range res.Unspents {
		txid, err := rpc.ParseHash(u.TxID)
		if err != nil {
			return nil, w.node.BadAnswer(method, fmt.Errorf("unspent %d: %w", i, err))
		}
		if u.Vout == nil {
			return nil, w.node.BadData(method, nil, "unspent %d has no vout", i)
		}
		op := wire.OutPoint{Hash: txid, Index: *u.Vout}
		if script, err := hex.DecodeString(u.ScriptPubKey); err != nil || !bytes.Equal(script, w.pkScript) {
			return nil, w.node.BadData(method, nil, "unspent %s has script %q, not the wallet's %x", op, u.ScriptPubKey, w.pkScript)
		}
		value, err := btcToSat(u.Amount)
		if err != nil {
			return nil, w.node.BadAnswer(method, fmt.Errorf("unspent %s: %w", op, err))
		}
		if _, dup := outputs[op]; dup {
			return nil, w.node.BadData(method, nil, "unspent %s is listed twice", op)
		}
		if value > 0 {
			outputs[op] = value
		}
	}
	return outputs, nil
}

// getTxOut asks the node whether op is still unspent; ok is false if it is
// not (null answer, or btcd's "No information" / "invalid vout" -5 error).
// The node's value and script must match what the scan found.
func (w *Wallet) getTxOut(ctx context.Context, op wire.OutPoint, value int64) (UTXO, bool, error) {
	const method = "gettxout"
	var res *struct {
		Confirmations *int64      `json:"confirmations"`
		Value         json.Number `json:"value"`
		ScriptPubKey  struct {
			Hex string `json:"hex"`
		} `json:"scriptPubKey"`
		Coinbase *bool `json:"coinbase"`
	}
	err := w.node.Call(ctx, method, []any{op.Hash.String(), op.Index, true}, &res)
	var rpcErr *rpc.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == rpc.CodeInvalidAddressOrKey {
		return UTXO{}, false, nil
	}
	if err != nil {
		return UTXO{}, false, err
	}
	if res == nil {
		return UTXO{}, false, nil
	}
	if res.Confirmations == nil || *res.Confirmations < 0 || res.Coinbase == nil {
		return UTXO{}, false, w.node.BadData(method, nil, "answer for %s lacks confirmations or coinbase, or has negative confirmations", op)
	}
	if script, err := hex.DecodeString(res.ScriptPubKey.Hex); err != nil || !bytes.Equal(script, w.pkScript) {
		return UTXO{}, false, w.node.BadData(method, nil, "output %s has script %q, the scan said %x", op, res.ScriptPubKey.Hex, w.pkScript)
	}
	got, err := btcToSat(res.Value)
	if err != nil {
		return UTXO{}, false, w.node.BadAnswer(method, fmt.Errorf("output %s: %w", op, err))
	}
	if got != value {
		return UTXO{}, false, w.node.BadData(method, nil, "output %s is worth %d sat, the scan said %d", op, got, value)
	}
	return UTXO{
		OutPoint:      op,
		Value:         value,
		PkScript:      bytes.Clone(w.pkScript),
		Confirmations: *res.Confirmations,
		Coinbase:      *res.Coinbase,
	}, true, nil
}

// btcToSat converts an amount in BTC as nodes print it (a JSON number,
// printed from a float64 by both btcd and Core) to satoshis, rounding to the
// nearest satoshi as btcutil.NewAmount does.
func btcToSat(n json.Number) (int64, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q is not a number", string(n))
	}
	// The range is checked on the float, before converting: a huge value
	// would not fit in int64. (The negation also catches NaN.)
	if !(f >= 0 && f <= btcutil.MaxSatoshi/btcutil.SatoshiPerBitcoin) {
		return 0, fmt.Errorf("amount %q BTC is not between 0 and 21 million", string(n))
	}
	amount, err := btcutil.NewAmount(f)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %v", string(n), err)
	}
	return int64(amount), nil
}
