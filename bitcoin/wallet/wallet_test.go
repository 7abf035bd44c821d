package wallet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"golang.org/x/crypto/sha3"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

var walletKinds = []wallet.AddressKind{wallet.P2WPKH, wallet.P2PKH}

// walletKey is the i-th fixed test key of these tests.
func walletKey(i int) *btcec.PrivateKey {
	seed := sha256.Sum256([]byte("hemi wallet test key " + strconv.Itoa(i)))
	key, _ := btcec.PrivKeyFromBytes(seed[:])
	return key
}

func walletNew(t *testing.T, key *btcec.PrivateKey, kind wallet.AddressKind, node *rpc.Client) *wallet.Wallet {
	t.Helper()
	w, err := wallet.New(key, &chaincfg.RegressionNetParams, kind, node)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// walletPoPOutput is a zero-value output with an 83-byte PoP-shaped script:
// OP_RETURN OP_PUSHDATA1 80 "HEMI" and 76 bytes of tag.
func walletPoPOutput(tag byte) *wire.TxOut {
	script := append([]byte{txscript.OP_RETURN, txscript.OP_PUSHDATA1, 80}, "HEMI"...)
	script = append(script, bytes.Repeat([]byte{tag}, 76)...)
	return wire.NewTxOut(0, script)
}

// walletCoins returns n fake UTXOs of w, each worth value: output i of a
// source transaction (unique per salt and i) whose outputs all pay w.
func walletCoins(w *wallet.Wallet, n int, value int64, salt string) []wallet.UTXO {
	coins := make([]wallet.UTXO, n)
	for i := range coins {
		source := wire.NewMsgTx(2)
		source.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH([]byte(salt + strconv.Itoa(i)))}, []byte{txscript.OP_TRUE}, nil))
		for range i + 1 {
			source.AddTxOut(wire.NewTxOut(value, w.PkScript()))
		}
		coins[i] = wallet.UTXO{
			OutPoint:      wire.OutPoint{Hash: source.TxHash(), Index: uint32(i)},
			Value:         value,
			PkScript:      w.PkScript(),
			Confirmations: 10,
			SourceTx:      source,
		}
	}
	return coins
}

// walletVerify runs the script engine on every input of tx, whose spent
// outputs are among coins, and checks what BuildTx promises about every
// input and the PoP payee.
func walletVerify(t *testing.T, w *wallet.Wallet, tx *wire.MsgTx, coins []wallet.UTXO) {
	t.Helper()
	byOutPoint := map[wire.OutPoint]wallet.UTXO{}
	prevOuts := txscript.NewMultiPrevOutFetcher(nil)
	for _, c := range coins {
		byOutPoint[c.OutPoint] = c
		prevOuts.AddPrevOut(c.OutPoint, wire.NewTxOut(c.Value, c.PkScript))
	}
	for i, in := range tx.TxIn {
		if _, ok := byOutPoint[in.PreviousOutPoint]; !ok {
			t.Fatalf("input %d spends %s, which is not among the coins", i, in.PreviousOutPoint)
		}
	}
	hashes := txscript.NewTxSigHashes(tx, prevOuts)
	for i, in := range tx.TxIn {
		if in.Sequence != 0xfffffffd {
			t.Fatalf("input %d has nSequence %#x, want 0xfffffffd (BIP125 opt-in)", i, in.Sequence)
		}
		prev := byOutPoint[in.PreviousOutPoint]
		vm, err := txscript.NewEngine(prev.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, prev.Value, prevOuts)
		if err != nil {
			t.Fatal(err)
		}
		if err := vm.Execute(); err != nil {
			t.Fatalf("input %d does not verify: %v", i, err)
		}
	}
	// The payee x/pop binds: the first input's signer, through the
	// transaction that created its coin.
	payee, err := bitcoin.InputSignerAccount(tx, byOutPoint[tx.TxIn[0].PreviousOutPoint].SourceTx)
	if err != nil || payee != w.Payee() {
		t.Fatalf("InputSignerAccount = %x, %v; want the wallet's payee %x", payee, err, w.Payee())
	}
}

// walletEthAddress computes a payee independently of the package: the last
// 20 bytes of Keccak-256 of the uncompressed key without its 0x04 prefix.
func walletEthAddress(pub *btcec.PublicKey) [20]byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(pub.SerializeUncompressed()[1:])
	var out [20]byte
	copy(out[:], h.Sum(nil)[12:])
	return out
}

// walletPayTo is the output script of another wallet, for payments.
func walletPayTo(t *testing.T) []byte {
	t.Helper()
	return walletNew(t, walletKey(99), wallet.P2WPKH, nil).PkScript()
}

func TestWalletNew(t *testing.T) {
	key := walletKey(0)
	pkh := btcutil.Hash160(key.PubKey().SerializeCompressed())
	wantWitness, _ := btcutil.NewAddressWitnessPubKeyHash(pkh, &chaincfg.RegressionNetParams)
	wantLegacy, _ := btcutil.NewAddressPubKeyHash(pkh, &chaincfg.RegressionNetParams)
	for kind, want := range map[wallet.AddressKind]btcutil.Address{wallet.P2WPKH: wantWitness, wallet.P2PKH: wantLegacy} {
		w := walletNew(t, key, kind, nil)
		if w.Address().EncodeAddress() != want.EncodeAddress() {
			t.Errorf("%v address = %s, want %s", kind, w.Address(), want)
		}
		script, _ := txscript.PayToAddrScript(want)
		if !bytes.Equal(w.PkScript(), script) {
			t.Errorf("%v script = %x, want %x", kind, w.PkScript(), script)
		}
		if got, wantPayee := w.Payee(), walletEthAddress(key.PubKey()); got != wantPayee {
			t.Errorf("%v payee = %x, want %x", kind, got, wantPayee)
		}
	}
	var zero wallet.AddressKind
	if zero != wallet.P2WPKH {
		t.Error("the zero AddressKind is not P2WPKH")
	}
	for name, f := range map[string]func() (*wallet.Wallet, error){
		"nil key": func() (*wallet.Wallet, error) {
			return wallet.New(nil, &chaincfg.RegressionNetParams, wallet.P2WPKH, nil)
		},
		"zero key": func() (*wallet.Wallet, error) {
			return wallet.New(&btcec.PrivateKey{}, &chaincfg.RegressionNetParams, wallet.P2WPKH, nil)
		},
		"nil net":  func() (*wallet.Wallet, error) { return wallet.New(key, nil, wallet.P2WPKH, nil) },
		"bad kind": func() (*wallet.Wallet, error) { return wallet.New(key, &chaincfg.RegressionNetParams, 7, nil) },
	} {
		if _, err := f(); !errors.Is(err, wallet.ErrBadInput) {
			t.Errorf("%s: err = %v, want ErrBadWalletInput", name, err)
		}
	}
	w := walletNew(t, key, wallet.P2WPKH, nil)
	ctx := context.Background()
	if _, err := w.UTXOs(ctx, 0); err == nil {
		t.Error("UTXOs without a node succeeded")
	}
	if _, err := w.FeeRate(ctx, 1); err == nil {
		t.Error("FeeRate without a node succeeded")
	}
	if _, err := w.Broadcast(ctx, wire.NewMsgTx(2)); err == nil {
		t.Error("Broadcast without a node succeeded")
	}
	if _, err := w.Broadcast(ctx, nil); err == nil {
		t.Error("Broadcast(nil) succeeded")
	}
	holey := wire.NewMsgTx(2)
	holey.TxIn = []*wire.TxIn{nil}
	if _, err := w.Broadcast(ctx, holey); !errors.Is(err, wallet.ErrBadInput) {
		t.Errorf("Broadcast(nil input) = %v", err)
	}
	if wallet.VirtualSize(holey) != 0 || wallet.VirtualSize(nil) != 0 || w.EstimateVSize(-1, []*wire.TxOut{nil}) <= 0 {
		t.Error("size helpers mishandle nil or negative arguments")
	}
}

// walletRPC is a scripted JSON-RPC node: handlers answer by method name with
// a result or an *rpc.Error; an unknown method is "method not found".
type walletRPC struct {
	mu       sync.Mutex
	handlers map[string]func(params []json.RawMessage) (any, *rpc.Error)
	calls    []string
}

func walletNewRPC(t *testing.T, handlers map[string]func([]json.RawMessage) (any, *rpc.Error)) (*walletRPC, *rpc.Client) {
	t.Helper()
	f := &walletRPC{handlers: handlers}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, req.Method)
		h := f.handlers[req.Method]
		f.mu.Unlock()
		var result any
		rpcErr := &rpc.Error{Code: rpc.CodeMethodNotFound, Message: "Method not found"}
		if h != nil {
			result, rpcErr = h(req.Params)
		}
		resp := map[string]any{"id": req.ID, "result": result, "error": nil}
		if rpcErr != nil {
			resp["result"], resp["error"] = nil, rpcErr
		}
		_ = json.NewEncoder(rw).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	c, err := rpc.NewClient(rpc.Config{URL: srv.URL, Name: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *walletRPC) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range f.calls {
		if m == method {
			n++
		}
	}
	return n
}

func walletCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
