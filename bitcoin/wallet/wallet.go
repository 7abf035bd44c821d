// Package wallet is the PoP miner's single-key Bitcoin wallet, split by
// concern: coin discovery through the node (utxos.go), fee rates and limits
// (fee.go), coin selection and building (build.go), signing (sign.go), exact
// sizes (size.go), RBF replacement (bump.go) and broadcast (broadcast.go).
// It is for daemons and the CLI; the state machine never uses it.
package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
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
	// SourceTx is the transaction that created the output. The coin that
	// becomes a transaction's first input needs it: x/pop binds a PoP
	// transaction's payee to the key of that input only through it (the
	// proof carries it as the funding transaction), and sign checks the
	// binding before anything leaves the wallet.
	SourceTx *wire.MsgTx
}

// Wallet is a single-key wallet for the popminer: one secp256k1 key is its
// Bitcoin address and (through bitcoin.InputSignerAccount) its hemi payee. It finds its coins
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

// Payee is the hemi account PoP rewards of the wallet's transactions go to:
// what bitcoin.InputSignerAccount binds for the first input the wallet's key
// signs.
func (w *Wallet) Payee() [20]byte { return bitcoin.KeyPayee(w.key.PubKey()) }

// DustLimit is the smallest change output the wallet creates.
func (w *Wallet) DustLimit() int64 {
	if w.kind == P2PKH {
		return dustLimitP2PKH
	}
	return dustLimitP2WPKH
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
