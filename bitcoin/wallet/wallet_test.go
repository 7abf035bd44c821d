package wallet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"golang.org/x/crypto/sha3"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
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

// walletCoins returns n fake UTXOs of w, each worth value.
func walletCoins(w *wallet.Wallet, n int, value int64, salt string) []wallet.UTXO {
	coins := make([]wallet.UTXO, n)
	for i := range coins {
		coins[i] = wallet.UTXO{
			OutPoint:      wire.OutPoint{Hash: chainhash.HashH([]byte(salt + strconv.Itoa(i))), Index: uint32(i)},
			Value:         value,
			PkScript:      w.PkScript(),
			Confirmations: 10,
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
	payee, ok := bitcoin.PoPPayee(tx)
	if !ok || payee != w.Payee() {
		t.Fatalf("PoPPayee = %x, %v; want the wallet's payee %x", payee, ok, w.Payee())
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

// TestWalletFeeRate: the node's estimate is rounded up and clamped to the
// floor and the cap; no estimate gives the floor; node failures are errors.
func TestWalletFeeRate(t *testing.T) {
	smart := func(answer any, rpcErr *rpc.Error) map[string]func([]json.RawMessage) (any, *rpc.Error) {
		return map[string]func([]json.RawMessage) (any, *rpc.Error){
			"estimatesmartfee": func([]json.RawMessage) (any, *rpc.Error) { return answer, rpcErr },
		}
	}
	rate := func(btcPerKvB string) any { return map[string]any{"feerate": json.Number(btcPerKvB), "blocks": 2} }
	tests := []struct {
		name        string
		handlers    map[string]func([]json.RawMessage) (any, *rpc.Error)
		floor, cap  int64
		want        int64
		wantErr     bool
		wantErrType error
	}{
		{name: "exact 1 sat/vB", handlers: smart(rate("0.00001"), nil), want: 1},
		{name: "rounded up", handlers: smart(rate("0.0000123"), nil), want: 2},
		{name: "mid range", handlers: smart(rate("0.00042"), nil), want: 42},
		{name: "above the default cap", handlers: smart(rate("0.00250"), nil), want: 100},
		{name: "absurd estimate", handlers: smart(rate("1e300"), nil), want: 100},
		{name: "below a raised floor", handlers: smart(rate("0.00002"), nil), floor: 5, cap: 50, want: 5},
		{name: "above a lowered cap", handlers: smart(rate("0.00060"), nil), floor: 5, cap: 50, want: 50},
		{name: "tiny estimate", handlers: smart(rate("0.00000001"), nil), want: 1},
		{name: "no estimate (Core)", handlers: smart(map[string]any{"errors": []string{"Insufficient data or no feerate found"}, "blocks": 0}, nil), want: 1},
		{name: "no estimate, raised floor", handlers: smart(map[string]any{"errors": []string{"Insufficient data"}}, nil), floor: 3, cap: 9, want: 3},
		{name: "btcd without estimate", handlers: map[string]func([]json.RawMessage) (any, *rpc.Error){
			"estimatefee": func([]json.RawMessage) (any, *rpc.Error) { return -1, nil },
		}, want: 1},
		{name: "btcd estimate", handlers: map[string]func([]json.RawMessage) (any, *rpc.Error){
			"estimatefee": func([]json.RawMessage) (any, *rpc.Error) { return json.Number("0.0001"), nil },
		}, want: 10},
		{name: "node error", handlers: smart(nil, &rpc.Error{Code: -1, Message: "boom"}), wantErr: true},
		{name: "malformed answer", handlers: smart(rate("lots"), nil), wantErr: true, wantErrType: rpc.ErrBadData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := walletNewRPC(t, tc.handlers)
			w := walletNew(t, walletKey(1), wallet.P2WPKH, c)
			if tc.floor != 0 {
				if err := w.SetFeeLimits(tc.floor, tc.cap); err != nil {
					t.Fatal(err)
				}
			}
			got, err := w.FeeRate(walletCtx(t), 6)
			if tc.wantErr {
				if err == nil || (tc.wantErrType != nil && !errors.Is(err, tc.wantErrType)) {
					t.Fatalf("FeeRate = %d, %v; want an error (%v)", got, err, tc.wantErrType)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("FeeRate = %d, %v; want %d", got, err, tc.want)
			}
		})
	}

	w := walletNew(t, walletKey(1), wallet.P2WPKH, nil)
	if floor, cp := w.FeeLimits(); floor != 1 || cp != 100 {
		t.Errorf("default limits = %d, %d; want 1, 100", floor, cp)
	}
	for _, l := range [][2]int64{{0, 10}, {5, 4}, {1, wallet.MaxFeeCapSatPerVB + 1}, {-1, -1}} {
		if err := w.SetFeeLimits(l[0], l[1]); !errors.Is(err, wallet.ErrFeeRate) {
			t.Errorf("SetFeeLimits(%d, %d) = %v, want ErrFeeRate", l[0], l[1], err)
		}
	}
	if _, err := w.FeeRate(context.Background(), 0); !errors.Is(err, wallet.ErrBadInput) {
		t.Errorf("FeeRate(target 0) = %v, want ErrBadWalletInput", err)
	}
}

// TestWalletVSizeExact: the size the wallet computes before signing equals
// the real virtual size of the signed transaction, for both kinds, 1 to 3
// inputs, with and without change, over many keys and digests. This holds
// because the signer always makes 70-byte DER signatures; plain RFC6979
// signatures vary between 70 and 72 bytes.
func TestWalletVSizeExact(t *testing.T) {
	const coinValue = 100_000
	pop := walletPoPOutput(0xab)
	for _, kind := range walletKinds {
		for keyIndex := range 12 {
			w := walletNew(t, walletKey(100+keyIndex), kind, nil)
			for n := 1; n <= 3; n++ {
				rate := int64(1 + (keyIndex+n)%7)
				coins := walletCoins(w, 3, coinValue, fmt.Sprint(kind, keyIndex, n))
				payee := walletPayTo(t)

				// With change: an output that needs n-1 coins and a half.
				outputs := []*wire.TxOut{pop, wire.NewTxOut(int64(n-1)*coinValue+coinValue/2, payee)}
				tx, fee, err := w.BuildTx(coins, outputs, rate)
				if err != nil {
					t.Fatal(err)
				}
				vsize := wallet.VirtualSize(tx)
				if len(tx.TxIn) != n || len(tx.TxOut) != 3 {
					t.Fatalf("%v, %d inputs wanted: got %d inputs, %d outputs", kind, n, len(tx.TxIn), len(tx.TxOut))
				}
				if est := w.EstimateVSize(n, tx.TxOut); est != vsize {
					t.Fatalf("%v, %d inputs, change: estimate %d vB, signed tx %d vB", kind, n, est, vsize)
				}
				if fee != vsize*rate {
					t.Fatalf("%v, %d inputs: fee %d, want %d vB × %d", kind, n, fee, vsize, rate)
				}
				if in, out := int64(n)*coinValue, walletSum(tx.TxOut); in-out != fee {
					t.Fatalf("fee %d, but inputs - outputs = %d", fee, in-out)
				}
				walletVerify(t, w, tx, coins)

				// Without change: the remainder is 100 sat, under the dust
				// limit, so it goes to the fee.
				outputs = []*wire.TxOut{pop}
				noChangeFee := w.EstimateVSize(n, []*wire.TxOut{pop, wire.NewTxOut(0, payee)}) * rate
				outputs = append(outputs, wire.NewTxOut(int64(n)*coinValue-noChangeFee-100, payee))
				tx, fee, err = w.BuildTx(coins, outputs, rate)
				if err != nil {
					t.Fatal(err)
				}
				vsize = wallet.VirtualSize(tx)
				if len(tx.TxIn) != n || len(tx.TxOut) != 2 {
					t.Fatalf("%v, %d inputs, no change: got %d inputs, %d outputs", kind, n, len(tx.TxIn), len(tx.TxOut))
				}
				if est := w.EstimateVSize(n, tx.TxOut); est != vsize {
					t.Fatalf("%v, %d inputs, no change: estimate %d vB, signed tx %d vB", kind, n, est, vsize)
				}
				if fee != vsize*rate+100 {
					t.Fatalf("%v, %d inputs, no change: fee %d, want %d", kind, n, fee, vsize*rate+100)
				}
				walletVerify(t, w, tx, coins)
				for i, in := range tx.TxIn {
					sig := in.Witness
					if kind == wallet.P2PKH {
						sig = walletPushes(t, in.SignatureScript)
					}
					if len(sig) != 2 || len(sig[0]) != 71 || len(sig[1]) != 33 {
						t.Fatalf("input %d: want a 71-byte signature and a 33-byte key, got %d items", i, len(sig))
					}
				}
			}
		}
	}
}

// TestWalletSignerIsRFC6979: the wallet's signature is the library's
// RFC6979 signature whenever that one is 70 bytes, and otherwise another
// valid 70-byte signature of the same digest (ground with extra nonce data).
func TestWalletSignerIsRFC6979(t *testing.T) {
	key := walletKey(10)
	w := walletNew(t, key, wallet.P2PKH, nil)
	coins := walletCoins(w, 1, 1_000_000, "rfc6979")
	same, ground := 0, 0
	for i := range 64 {
		tx, _, err := w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(int64(10_000+i), walletPayTo(t))}, 1)
		if err != nil {
			t.Fatal(err)
		}
		digest, err := txscript.CalcSignatureHash(w.PkScript(), txscript.SigHashAll, tx, 0)
		if err != nil {
			t.Fatal(err)
		}
		pushes := walletPushes(t, tx.TxIn[0].SignatureScript)
		got := pushes[0][:len(pushes[0])-1]
		sig, err := ecdsa.ParseDERSignature(got)
		if err != nil || !sig.Verify(digest, key.PubKey()) || len(got) != 70 {
			t.Fatalf("signature %x does not verify (%v) or is not 70 bytes", got, err)
		}
		if std := ecdsa.Sign(key, digest).Serialize(); len(std) == 70 {
			if !bytes.Equal(got, std) {
				t.Fatalf("signature %x, RFC6979 gives %x", got, std)
			}
			same++
		} else {
			ground++
		}
	}
	if same == 0 || ground == 0 {
		t.Fatalf("%d plain and %d ground signatures: both paths should occur in 64 tries", same, ground)
	}
}

func walletSum(outs []*wire.TxOut) int64 {
	var s int64
	for _, o := range outs {
		s += o.Value
	}
	return s
}

func walletPushes(t *testing.T, script []byte) [][]byte {
	t.Helper()
	pushes, err := txscript.PushedData(script)
	if err != nil {
		t.Fatal(err)
	}
	return pushes
}

// TestWalletBuildTx: coin selection, change, the inputs refused and the
// insufficient-funds message.
func TestWalletBuildTx(t *testing.T) {
	for _, kind := range walletKinds {
		w := walletNew(t, walletKey(2), kind, nil)
		values := []int64{1_000, 50_000, 20_000, 50_000}
		coins := walletCoins(w, len(values), 0, "select")
		for i := range coins {
			coins[i].Value = values[i]
		}
		outputs := []*wire.TxOut{walletPoPOutput(1), wire.NewTxOut(60_000, walletPayTo(t))}

		// Largest first, ties by outpoint: the two 50k coins, and the
		// same transaction whatever the order of the list.
		tx, fee, err := w.BuildTx(coins, outputs, 2)
		if err != nil {
			t.Fatal(err)
		}
		byOutPoint := map[wire.OutPoint]wallet.UTXO{}
		for _, c := range coins {
			byOutPoint[c.OutPoint] = c
		}
		var spent []wallet.UTXO
		for _, in := range tx.TxIn {
			spent = append(spent, byOutPoint[in.PreviousOutPoint])
		}
		if len(spent) != 2 || spent[0].Value != 50_000 || spent[1].Value != 50_000 {
			t.Fatalf("%v: selected %v, want the two 50k coins", kind, spent)
		}
		walletVerify(t, w, tx, spent)
		change := tx.TxOut[len(tx.TxOut)-1]
		if !bytes.Equal(change.PkScript, w.PkScript()) || change.Value != 100_000-60_000-fee {
			t.Fatalf("%v: change %v, want %d sat to the wallet", kind, change, 100_000-60_000-fee)
		}
		reversed := slices.Clone(coins)
		slices.Reverse(reversed)
		tx2, _, err := w.BuildTx(reversed, outputs, 2)
		if err != nil || tx2.TxHash() != tx.TxHash() {
			t.Fatalf("%v: other order gave %v, %v; want the same transaction", kind, tx2, err)
		}

		// Insufficient funds: the message says how much, what there is and
		// where to send it.
		_, _, err = w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(200_000, w.PkScript())}, 2)
		if !errors.Is(err, wallet.ErrInsufficientFunds) || !strings.Contains(err.Error(), w.Address().EncodeAddress()) ||
			!strings.Contains(err.Error(), "121000 sat") {
			t.Fatalf("%v: err = %v; want ErrInsufficientFunds naming the 121000 sat held and the address", kind, err)
		}
		if _, _, err := w.BuildTx(nil, outputs, 2); !errors.Is(err, wallet.ErrInsufficientFunds) {
			t.Fatalf("%v: no coins: err = %v", kind, err)
		}
		// Immature coinbases are not spent.
		young := walletCoins(w, 1, 5_000_000_000, "coinbase")
		young[0].Coinbase, young[0].Confirmations = true, 99
		if _, _, err := w.BuildTx(young, outputs, 2); !errors.Is(err, wallet.ErrInsufficientFunds) {
			t.Fatalf("%v: immature coinbase: err = %v", kind, err)
		}
		young[0].Confirmations = 100
		if _, _, err := w.BuildTx(young, outputs, 2); err != nil {
			t.Fatalf("%v: mature coinbase: %v", kind, err)
		}

		other := walletNew(t, walletKey(3), kind, nil)
		bad := map[string]func() ([]wallet.UTXO, []*wire.TxOut, int64){
			"foreign coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(other, 1, 100_000, "x"), outputs, 2
			},
			"duplicate coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return append(slices.Clone(coins), coins[0]), outputs, 2
			},
			"zero coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(w, 1, 0, "x"), outputs, 2
			},
			"huge coin": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(w, 1, btcutil.MaxSatoshi+1, "x"), outputs, 2
			},
			"coins above 21M BTC": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return walletCoins(w, 2, btcutil.MaxSatoshi, "x"), outputs, 2
			},
			"no outputs": func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, nil, 2 },
			"nil output": func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, []*wire.TxOut{nil}, 2 },
			"negative output": func() ([]wallet.UTXO, []*wire.TxOut, int64) {
				return coins, []*wire.TxOut{wire.NewTxOut(-1, nil)}, 2
			},
			"rate above cap": func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, outputs, 101 },
			"rate zero":      func() ([]wallet.UTXO, []*wire.TxOut, int64) { return coins, outputs, 0 },
		}
		for name, f := range bad {
			if tx, _, err := w.BuildTx(f()); err == nil || tx != nil {
				t.Errorf("%v, %s: BuildTx succeeded", kind, name)
			}
		}
	}
}

// TestWalletTooManyInputs: paying from dust-sized coins stops at the
// standard weight with ErrTooManyInputs instead of building a transaction no
// node relays.
func TestWalletTooManyInputs(t *testing.T) {
	w := walletNew(t, walletKey(4), wallet.P2PKH, nil)
	coins := walletCoins(w, 3000, 1_000, "dust")
	_, _, err := w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(2_000_000, w.PkScript())}, 1)
	if !errors.Is(err, wallet.ErrTooManyInputs) {
		t.Fatalf("err = %v, want ErrTooManyInputs", err)
	}
}

// TestWalletBumpFee checks the replacement rules: same inputs, same
// payments, fee at least old fee + vsize × 1 sat/vB and at least the new
// rate, a strictly higher rate, the difference taken from the change; and
// the refusals (dust change, cap, not our transaction).
func TestWalletBumpFee(t *testing.T) {
	for _, kind := range walletKinds {
		w := walletNew(t, walletKey(5), kind, nil)
		coins := walletCoins(w, 2, 30_000, "bump")
		outputs := []*wire.TxOut{walletPoPOutput(2), wire.NewTxOut(40_000, walletPayTo(t))}
		orig, oldFee, err := w.BuildTx(coins, outputs, 2)
		if err != nil {
			t.Fatal(err)
		}
		vsize := wallet.VirtualSize(orig)

		check := func(newRate, wantFee int64) *wire.MsgTx {
			t.Helper()
			repl, fee, err := w.BumpFee(orig, coins, newRate)
			if err != nil {
				t.Fatalf("%v: BumpFee(%d): %v", kind, newRate, err)
			}
			if fee != wantFee {
				t.Fatalf("%v: BumpFee(%d) fee = %d, want %d", kind, newRate, fee, wantFee)
			}
			if wallet.VirtualSize(repl) != vsize {
				t.Fatalf("%v: replacement is %d vB, original %d", kind, wallet.VirtualSize(repl), vsize)
			}
			if fee < oldFee+vsize || fee*1000/vsize <= oldFee*1000/vsize {
				t.Fatalf("%v: fee %d breaks BIP125 against old fee %d at %d vB", kind, fee, oldFee, vsize)
			}
			if len(repl.TxOut) != len(orig.TxOut) {
				t.Fatalf("%v: %d outputs, want %d", kind, len(repl.TxOut), len(orig.TxOut))
			}
			for i, out := range orig.TxOut[:len(orig.TxOut)-1] {
				if repl.TxOut[i].Value != out.Value || !bytes.Equal(repl.TxOut[i].PkScript, out.PkScript) {
					t.Fatalf("%v: output %d changed", kind, i)
				}
			}
			last := len(orig.TxOut) - 1
			if repl.TxOut[last].Value != orig.TxOut[last].Value-(fee-oldFee) {
				t.Fatalf("%v: change %d, want %d", kind, repl.TxOut[last].Value, orig.TxOut[last].Value-(fee-oldFee))
			}
			for i, in := range repl.TxIn {
				if in.PreviousOutPoint != orig.TxIn[i].PreviousOutPoint {
					t.Fatalf("%v: replacement input %d spends %s, the original %s", kind, i, in.PreviousOutPoint, orig.TxIn[i].PreviousOutPoint)
				}
			}
			walletVerify(t, w, repl, coins)
			return repl
		}
		check(5, 5*vsize)      // the new rate decides
		check(1, oldFee+vsize) // BIP125 rule 4 decides: old fee + 1 sat/vB
		check(3, max(3*vsize, oldFee+vsize))
		second := check(4, 4*vsize)
		// A bump of a bump counts from the fee of the one it replaces.
		if _, fee, err := w.BumpFee(second, coins, 4); err != nil || fee != 5*vsize {
			t.Fatalf("%v: second bump: fee %d, %v; want %d", kind, fee, err, 5*vsize)
		}

		// The cap: 100 sat/vB is more than this change can give.
		if _, _, err := w.BumpFee(orig, coins, 100); !errors.Is(err, wallet.ErrBumpBelowDust) {
			t.Fatalf("%v: bump into dust: err = %v", kind, err)
		}
		if err := w.SetFeeLimits(1, 3); err != nil {
			t.Fatal(err)
		}
		third, _, err := w.BumpFee(orig, coins, 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.BumpFee(third, coins, 3); !errors.Is(err, wallet.ErrFeeAboveCap) {
			t.Fatalf("%v: bump above the cap: err = %v", kind, err)
		}
		if err := w.SetFeeLimits(1, 100); err != nil {
			t.Fatal(err)
		}

		// Not replaceable by this wallet.
		noChange, _, err := w.BuildTx(coins, []*wire.TxOut{wire.NewTxOut(60_000-w.EstimateVSize(2, []*wire.TxOut{outputs[1]})*2, outputs[1].PkScript)}, 2)
		if err != nil {
			t.Fatal(err)
		}
		final := orig.Copy()
		final.TxIn[1].Sequence = wire.MaxTxInSequenceNum
		bad := map[string]func() (*wire.MsgTx, []wallet.UTXO){
			"no change":        func() (*wire.MsgTx, []wallet.UTXO) { return noChange, coins },
			"missing spent":    func() (*wire.MsgTx, []wallet.UTXO) { return orig, coins[:1] },
			"no RBF signal":    func() (*wire.MsgTx, []wallet.UTXO) { return final, coins },
			"nil tx":           func() (*wire.MsgTx, []wallet.UTXO) { return nil, coins },
			"nil input":        func() (*wire.MsgTx, []wallet.UTXO) { o := orig.Copy(); o.TxIn[1] = nil; return o, coins },
			"nil output":       func() (*wire.MsgTx, []wallet.UTXO) { o := orig.Copy(); o.TxOut[0] = nil; return o, coins },
			"empty tx":         func() (*wire.MsgTx, []wallet.UTXO) { return wire.NewMsgTx(2), coins },
			"outputs > inputs": func() (*wire.MsgTx, []wallet.UTXO) { o := orig.Copy(); o.TxOut[0].Value = 1_000_000; return o, coins },
		}
		for name, f := range bad {
			tx, spent := f()
			if repl, _, err := w.BumpFee(tx, spent, 5); !errors.Is(err, wallet.ErrNotReplaceable) || repl != nil {
				t.Errorf("%v, %s: BumpFee err = %v, want ErrNotReplaceable", kind, name, err)
			}
		}
		foreign := slices.Clone(coins)
		foreign[0].PkScript = w.PkScript()[:3]
		if _, _, err := w.BumpFee(orig, foreign, 5); !errors.Is(err, wallet.ErrBadInput) {
			t.Errorf("%v: foreign spent UTXO: err = %v", kind, err)
		}
		if _, _, err := w.BumpFee(orig, coins, 101); !errors.Is(err, wallet.ErrFeeRate) {
			t.Errorf("%v: rate above the cap: err = %v", kind, err)
		}
	}
}

// walletFakeTx is a transaction spending ins (a coinbase if ins is nil) and
// paying outs; tag makes its txid unique.
func walletFakeTx(tag string, ins []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
	tx := wire.NewMsgTx(2)
	if ins == nil {
		ins = []wire.OutPoint{{Index: wire.MaxPrevOutIndex}}
	}
	for _, op := range ins {
		tx.AddTxIn(wire.NewTxIn(&op, []byte(tag), nil))
	}
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

func walletTxHex(t *testing.T, tx *wire.MsgTx) string {
	t.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(buf.Bytes())
}

// walletTxOutAnswer is a gettxout answer as btcd and Core print it.
func walletTxOutAnswer(conf int64, btc string, script []byte, coinbase bool) map[string]any {
	return map[string]any{
		"bestblock":     strings.Repeat("00", 32),
		"confirmations": conf,
		"value":         json.Number(btc),
		"scriptPubKey":  map[string]any{"hex": hex.EncodeToString(script), "type": "pubkeyhash"},
		"coinbase":      coinbase,
	}
}

// walletGetTxOut answers gettxout from a table keyed "txid:vout"; a missing
// entry is null (spent or unknown). asked records the questions.
func walletGetTxOut(answers map[string]any, asked *[]string, mu *sync.Mutex) func([]json.RawMessage) (any, *rpc.Error) {
	return func(params []json.RawMessage) (any, *rpc.Error) {
		var txid string
		var vout uint32
		var mempool bool
		if len(params) != 3 || json.Unmarshal(params[0], &txid) != nil || json.Unmarshal(params[1], &vout) != nil ||
			json.Unmarshal(params[2], &mempool) != nil || !mempool {
			return nil, &rpc.Error{Code: -8, Message: "want txid, vout, include_mempool=true"}
		}
		key := txid + ":" + strconv.Itoa(int(vout))
		mu.Lock()
		*asked = append(*asked, key)
		mu.Unlock()
		return answers[key], nil
	}
}

func walletOutPointKey(tx *wire.MsgTx, vout int) string {
	return tx.TxHash().String() + ":" + strconv.Itoa(vout)
}

// TestWalletUTXOsBtcdScan runs discovery against a scripted btcd: the
// history spans two pages of searchrawtransactions; outputs spent within it
// are never asked about; gettxout drops spent outputs and immature
// coinbases; minConf filters mempool outputs.
func TestWalletUTXOsBtcdScan(t *testing.T) {
	w := walletNew(t, walletKey(6), wallet.P2PKH, nil)
	ours, theirs := w.PkScript(), walletPayTo(t)
	cbMature := walletFakeTx("cb1", nil, wire.NewTxOut(50e8, ours), wire.NewTxOut(1, theirs))
	cbYoung := walletFakeTx("cb2", nil, wire.NewTxOut(25e8, ours))
	fund := walletFakeTx("fund", []wire.OutPoint{{Index: 7}}, wire.NewTxOut(5, theirs), wire.NewTxOut(1e8, ours), wire.NewTxOut(3e7, ours), wire.NewTxOut(0, ours))
	spend := walletFakeTx("spend", []wire.OutPoint{{Hash: fund.TxHash(), Index: 1}}, wire.NewTxOut(6e7, ours), walletPoPOutput(3))
	// The spending transaction comes on the second page, after 496 others.
	history := []*wire.MsgTx{cbMature, cbYoung, fund}
	for i := range 497 {
		history = append(history, walletFakeTx("other"+strconv.Itoa(i), []wire.OutPoint{{Index: uint32(i)}}, wire.NewTxOut(1000, theirs)))
	}
	history = append(history, spend, cbMature) // and a repeat, as when pages overlap
	hexes := make([]string, len(history))
	for i, tx := range history {
		hexes[i] = walletTxHex(t, tx)
	}

	var mu sync.Mutex
	var asked []string
	answers := map[string]any{
		walletOutPointKey(cbMature, 0): walletTxOutAnswer(150, "50", ours, true),
		walletOutPointKey(cbYoung, 0):  walletTxOutAnswer(99, "25", ours, true),
		// fund:2 is absent: spent in the chain by a transaction btcd's
		// index did not list, gettxout answers null.
		walletOutPointKey(spend, 0): walletTxOutAnswer(0, "0.6", ours, false),
	}
	search := func(params []json.RawMessage) (any, *rpc.Error) {
		var addr string
		var verbose, skip, count, vinExtra int
		var reverse bool
		if len(params) != 6 || json.Unmarshal(params[0], &addr) != nil || json.Unmarshal(params[1], &verbose) != nil ||
			json.Unmarshal(params[2], &skip) != nil || json.Unmarshal(params[3], &count) != nil ||
			json.Unmarshal(params[4], &vinExtra) != nil || json.Unmarshal(params[5], &reverse) != nil ||
			addr != w.Address().EncodeAddress() || verbose != 0 || count <= 0 || !reverse {
			return nil, &rpc.Error{Code: -8, Message: "bad parameters"}
		}
		if skip >= len(hexes) {
			return nil, &rpc.Error{Code: -5, Message: "No information available about address"}
		}
		return hexes[skip:min(skip+count, len(hexes))], nil
	}
	fake, c := walletNewRPC(t, map[string]func([]json.RawMessage) (any, *rpc.Error){
		"searchrawtransactions": search,
		"gettxout":              walletGetTxOut(answers, &asked, &mu),
	})
	w = walletNew(t, walletKey(6), wallet.P2PKH, c)

	utxos, err := w.UTXOs(walletCtx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[wire.OutPoint]wallet.UTXO{
		{Hash: cbMature.TxHash(), Index: 0}: {Value: 50e8, Confirmations: 150, Coinbase: true},
		{Hash: spend.TxHash(), Index: 0}:    {Value: 6e7, Confirmations: 0},
	}
	walletCheckUTXOs(t, w, utxos, want)
	if n := fake.count("searchrawtransactions"); n != 2 {
		t.Errorf("searchrawtransactions called %d times, want 2 pages", n)
	}
	slices.Sort(asked)
	wantAsked := []string{walletOutPointKey(cbMature, 0), walletOutPointKey(cbYoung, 0), walletOutPointKey(fund, 2), walletOutPointKey(spend, 0)}
	slices.Sort(wantAsked)
	if !slices.Equal(asked, wantAsked) {
		t.Errorf("gettxout asked about %v, want %v (not the output spent in the history, nor the zero-value one)", asked, wantAsked)
	}

	utxos, err = w.UTXOs(walletCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	delete(want, wire.OutPoint{Hash: spend.TxHash(), Index: 0})
	walletCheckUTXOs(t, w, utxos, want)
}

func walletCheckUTXOs(t *testing.T, w *wallet.Wallet, got []wallet.UTXO, want map[wire.OutPoint]wallet.UTXO) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d UTXOs %v, want %d", len(got), got, len(want))
	}
	for i, u := range got {
		wu, ok := want[u.OutPoint]
		if !ok || u.Value != wu.Value || u.Confirmations != wu.Confirmations || u.Coinbase != wu.Coinbase || !bytes.Equal(u.PkScript, w.PkScript()) {
			t.Fatalf("UTXO %d = %+v, want %+v", i, u, wu)
		}
		if i > 0 && bytes.Compare(got[i-1].OutPoint.Hash[:], u.OutPoint.Hash[:]) > 0 {
			t.Fatalf("UTXOs are not sorted by outpoint")
		}
	}
}

// TestWalletUTXOsCoreScan: a node without searchrawtransactions (Bitcoin
// Core) is asked with scantxoutset, and gettxout drops what its mempool
// spends.
func TestWalletUTXOsCoreScan(t *testing.T) {
	w := walletNew(t, walletKey(7), wallet.P2WPKH, nil)
	ours := w.PkScript()
	a, b, cb := chainhash.HashH([]byte("a")), chainhash.HashH([]byte("b")), chainhash.HashH([]byte("cb"))
	unspent := func(txid chainhash.Hash, vout int, btc string) map[string]any {
		return map[string]any{"txid": txid.String(), "vout": vout, "scriptPubKey": hex.EncodeToString(ours),
			"desc": "addr(...)", "amount": json.Number(btc), "height": 100}
	}
	var mu sync.Mutex
	var asked []string
	var scanParams []json.RawMessage
	_, c := walletNewRPC(t, map[string]func([]json.RawMessage) (any, *rpc.Error){
		"scantxoutset": func(params []json.RawMessage) (any, *rpc.Error) {
			scanParams = params
			return map[string]any{"success": true, "txouts": 1000, "height": 200, "unspents": []any{
				unspent(a, 1, "0.12345678"), unspent(b, 0, "2"), unspent(cb, 0, "50"),
			}, "total_amount": json.Number("52.12345678")}, nil
		},
		"gettxout": walletGetTxOut(map[string]any{
			a.String() + ":1": walletTxOutAnswer(5, "0.12345678", ours, false),
			// b:0 is spent by a mempool transaction: null.
			cb.String() + ":0": walletTxOutAnswer(101, "50", ours, true),
		}, &asked, &mu),
	})
	w = walletNew(t, walletKey(7), wallet.P2WPKH, c)
	utxos, err := w.UTXOs(walletCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	walletCheckUTXOs(t, w, utxos, map[wire.OutPoint]wallet.UTXO{
		{Hash: a, Index: 1}:  {Value: 12345678, Confirmations: 5},
		{Hash: cb, Index: 0}: {Value: 50e8, Confirmations: 101, Coinbase: true},
	})
	wantParams := `["start",["addr(` + w.Address().EncodeAddress() + `)"]]`
	if got, _ := json.Marshal(scanParams); string(got) != wantParams {
		t.Errorf("scantxoutset params %s, want %s", got, wantParams)
	}
}

// TestWalletUTXOsRejectsBadAnswers: every field of the node's answers is
// checked; a faulty answer is ErrRPCBadData and yields no UTXOs.
func TestWalletUTXOsRejectsBadAnswers(t *testing.T) {
	w := walletNew(t, walletKey(8), wallet.P2PKH, nil)
	ours := w.PkScript()
	funding := walletFakeTx("f", []wire.OutPoint{{Index: 1}}, wire.NewTxOut(1e8, ours))
	good := walletTxOutAnswer(3, "1", ours, false)
	withField := func(k string, v any) map[string]any {
		m := walletTxOutAnswer(3, "1", ours, false)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	btcd := func(page any, txOut any) map[string]func([]json.RawMessage) (any, *rpc.Error) {
		return map[string]func([]json.RawMessage) (any, *rpc.Error){
			"searchrawtransactions": func(params []json.RawMessage) (any, *rpc.Error) {
				var skip int
				_ = json.Unmarshal(params[2], &skip)
				if skip > 0 {
					return nil, &rpc.Error{Code: -5, Message: "No information available about address"}
				}
				return page, nil
			},
			"gettxout": func([]json.RawMessage) (any, *rpc.Error) { return txOut, nil },
		}
	}
	core := func(unspent map[string]any, success bool) map[string]func([]json.RawMessage) (any, *rpc.Error) {
		return map[string]func([]json.RawMessage) (any, *rpc.Error){
			"scantxoutset": func([]json.RawMessage) (any, *rpc.Error) {
				return map[string]any{"success": success, "unspents": []any{unspent}}, nil
			},
			"gettxout": func([]json.RawMessage) (any, *rpc.Error) { return good, nil },
		}
	}
	unspent := func(k string, v any) map[string]any {
		m := map[string]any{"txid": funding.TxHash().String(), "vout": 0, "scriptPubKey": hex.EncodeToString(ours), "amount": json.Number("1")}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	page := []string{walletTxHex(t, funding)}
	for name, handlers := range map[string]map[string]func([]json.RawMessage) (any, *rpc.Error){
		"not hex":                   btcd([]string{"zz"}, good),
		"not a transaction":         btcd([]string{"00"}, good),
		"trailing bytes":            btcd([]string{page[0] + "00"}, good),
		"verbose objects":           btcd([]any{map[string]any{"txid": "x"}}, good),
		"page too long":             btcd(slices.Repeat(page, 501), good),
		"value mismatch":            btcd(page, withField("value", json.Number("1.00000001"))),
		"script mismatch":           btcd(page, withField("scriptPubKey", map[string]any{"hex": "51"})),
		"script not hex":            btcd(page, withField("scriptPubKey", map[string]any{"hex": "zz"})),
		"no confirmations":          btcd(page, withField("confirmations", nil)),
		"negative confirmations":    btcd(page, withField("confirmations", -1)),
		"no coinbase flag":          btcd(page, withField("coinbase", nil)),
		"value not a number":        btcd(page, withField("value", "one")),
		"value overflows":           btcd(page, withField("value", json.Number("1e400"))),
		"value above 21M":           btcd(page, withField("value", json.Number("21000001"))),
		"negative value":            btcd(page, withField("value", json.Number("-1"))),
		"core: no success":          core(unspent("vout", 0), false),
		"core: bad txid":            core(unspent("txid", "abcd"), true),
		"core: no vout":             core(unspent("vout", nil), true),
		"core: negative vout":       core(unspent("vout", -1), true),
		"core: foreign script":      core(unspent("scriptPubKey", "51"), true),
		"core: negative amount":     core(unspent("amount", json.Number("-0.1")), true),
		"core: amount not a number": core(unspent("amount", "x"), true),
	} {
		t.Run(name, func(t *testing.T) {
			_, c := walletNewRPC(t, handlers)
			w := walletNew(t, walletKey(8), wallet.P2PKH, c)
			utxos, err := w.UTXOs(walletCtx(t), 0)
			if !errors.Is(err, rpc.ErrBadData) || utxos != nil {
				t.Fatalf("UTXOs = %v, %v; want ErrRPCBadData", utxos, err)
			}
		})
	}

	// Errors that are not bad data: passed on, never an empty wallet.
	for name, rpcErr := range map[string]*rpc.Error{
		"address of another network": {Code: -5, Message: "Invalid address or key: unknown address type"},
		"btcd without --addrindex":   {Code: -1, Message: "Address index must be enabled (--addrindex)"},
	} {
		_, c := walletNewRPC(t, map[string]func([]json.RawMessage) (any, *rpc.Error){
			"searchrawtransactions": func([]json.RawMessage) (any, *rpc.Error) { return nil, rpcErr },
		})
		w := walletNew(t, walletKey(8), wallet.P2PKH, c)
		var got *rpc.Error
		if utxos, err := w.UTXOs(walletCtx(t), 0); !errors.As(err, &got) || got.Code != rpcErr.Code || utxos != nil {
			t.Errorf("%s: UTXOs = %v, %v; want the node's error", name, utxos, err)
		}
	}

	// An address the node knows nothing about has no UTXOs.
	fake, c := walletNewRPC(t, btcd(nil, good))
	fake.handlers["searchrawtransactions"] = func([]json.RawMessage) (any, *rpc.Error) {
		return nil, &rpc.Error{Code: -5, Message: "No information available about address"}
	}
	w = walletNew(t, walletKey(8), wallet.P2PKH, c)
	if utxos, err := w.UTXOs(walletCtx(t), 0); err != nil || len(utxos) != 0 || fake.count("gettxout") != 0 {
		t.Fatalf("unused address: UTXOs = %v, %v", utxos, err)
	}
}

// TestWalletBtcd runs the wallet against a real btcd regtest node whose
// coinbases pay the wallet key's P2PKH address: discovery finds exactly the
// mature coinbases; a PoP-shaped transaction built and signed by the wallet is
// accepted (so its signatures are valid), confirms, and moves the coins as
// expected; a fee bump replaces the original in btcd's mempool and only the
// replacement is ever mined; then the same for P2WPKH after segwit activates.
func TestWalletBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	key := walletKey(9)
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	c := node.Client()
	ctx := walletCtx(t)
	legacy := walletNew(t, key, wallet.P2PKH, c)
	segwit := walletNew(t, key, wallet.P2WPKH, c)
	if legacy.Address().EncodeAddress() != node.MiningAddress().EncodeAddress() {
		t.Fatalf("wallet address %s, node mines to %s", legacy.Address(), node.MiningAddress())
	}

	const mined = 110
	node.Generate(mined)

	t.Run("discovers exactly the mature coinbases", func(t *testing.T) {
		want := map[wire.OutPoint]wallet.UTXO{}
		for h := int64(1); h <= mined-99; h++ {
			hash, err := c.GetBlockHash(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			block, err := c.GetBlock(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			cb := block.Transactions[0]
			want[wire.OutPoint{Hash: cb.TxHash(), Index: 0}] = wallet.UTXO{Value: cb.TxOut[0].Value, Confirmations: mined - h + 1, Coinbase: true}
		}
		utxos, err := legacy.UTXOs(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		walletCheckUTXOs(t, legacy, utxos, want)
		if utxos, err := segwit.UTXOs(ctx, 0); err != nil || len(utxos) != 0 {
			t.Fatalf("P2WPKH wallet: UTXOs = %v, %v; want none", utxos, err)
		}
		rate, err := legacy.FeeRate(ctx, 6)
		if err != nil || rate != 1 {
			t.Fatalf("FeeRate on a fresh regtest = %d, %v; want the floor 1", rate, err)
		}
	})

	walletPublishAndBump(t, node, legacy, 1)

	t.Run("insufficient funds", func(t *testing.T) {
		utxos, err := legacy.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = legacy.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(100_000e8, segwit.PkScript())}, 1)
		if !errors.Is(err, wallet.ErrInsufficientFunds) || !strings.Contains(err.Error(), legacy.Address().EncodeAddress()) {
			t.Fatalf("err = %v, want ErrInsufficientFunds naming %s", err, legacy.Address())
		}
	})

	// P2WPKH: btcd's regtest enforces segwit from height 432 on. The legacy
	// wallet funds the segwit address (same key) with two outputs.
	height, _ := node.BestBlock()
	node.Generate(int(432 - height))
	utxos, err := legacy.UTXOs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	funding, _, err := legacy.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(7e8, segwit.PkScript()), wire.NewTxOut(3e8, segwit.PkScript())}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := legacy.Broadcast(ctx, funding); err != nil {
		t.Fatal(err)
	}
	node.Generate(1)
	t.Run("P2WPKH discovery", func(t *testing.T) {
		utxos, err := segwit.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		walletCheckUTXOs(t, segwit, utxos, map[wire.OutPoint]wallet.UTXO{
			{Hash: funding.TxHash(), Index: 0}: {Value: 7e8, Confirmations: 1},
			{Hash: funding.TxHash(), Index: 1}: {Value: 3e8, Confirmations: 1},
		})
	})
	walletPublishAndBump(t, node, segwit, 2)
}

// walletPublishAndBump publishes a PoP-shaped transaction from w and mines
// it, then publishes another, replaces it with a fee bump and mines that.
func walletPublishAndBump(t *testing.T, node *btcdtest.Node, w *wallet.Wallet, tag byte) {
	c := node.Client()
	ctx := walletCtx(t)
	mempool := func(t *testing.T) []string {
		t.Helper()
		var txids []string
		if err := c.Call(ctx, "getrawmempool", nil, &txids); err != nil {
			t.Fatal(err)
		}
		slices.Sort(txids)
		return txids
	}
	minedTxIDs := func(t *testing.T, hash chainhash.Hash) []chainhash.Hash {
		t.Helper()
		block, err := c.GetBlock(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		var ids []chainhash.Hash
		for _, tx := range block.Transactions {
			ids = append(ids, tx.TxHash())
		}
		return ids
	}
	utxoSet := func(t *testing.T, minConf int64) map[wire.OutPoint]wallet.UTXO {
		t.Helper()
		utxos, err := w.UTXOs(ctx, minConf)
		if err != nil {
			t.Fatal(err)
		}
		set := map[wire.OutPoint]wallet.UTXO{}
		for _, u := range utxos {
			set[u.OutPoint] = u
		}
		return set
	}
	spentBy := func(tx *wire.MsgTx, before map[wire.OutPoint]wallet.UTXO) []wallet.UTXO {
		var coins []wallet.UTXO
		for _, in := range tx.TxIn {
			coins = append(coins, before[in.PreviousOutPoint])
		}
		return coins
	}

	t.Run(w.Kind().String()+" publish", func(t *testing.T) {
		before := utxoSet(t, 1)
		utxos, err := w.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		tx, fee, err := w.BuildTx(utxos, []*wire.TxOut{walletPoPOutput(tag)}, 3)
		if err != nil {
			t.Fatal(err)
		}
		walletVerify(t, w, tx, spentBy(tx, before))
		txid, err := w.Broadcast(ctx, tx)
		if err != nil || txid != tx.TxHash() {
			t.Fatalf("Broadcast = %s, %v", txid, err)
		}
		if txid, err := w.Broadcast(ctx, tx); err != nil || txid != tx.TxHash() {
			t.Fatalf("second Broadcast = %s, %v; want success (already known)", txid, err)
		}
		if got := mempool(t); !slices.Equal(got, []string{tx.TxHash().String()}) {
			t.Fatalf("mempool %v, want only %s", got, tx.TxHash())
		}
		// btcd has no getmempoolentry; the verbose mempool has the same.
		var entries map[string]struct {
			Vsize int64 `json:"vsize"`
		}
		if err := c.Call(ctx, "getrawmempool", []any{true}, &entries); err != nil {
			t.Fatal(err)
		}
		entry, ok := entries[tx.TxHash().String()]
		if !ok || entry.Vsize != wallet.VirtualSize(tx) {
			t.Errorf("btcd counts %d vB (listed %v), the wallet %d", entry.Vsize, ok, wallet.VirtualSize(tx))
		}
		t.Logf("published %s: %d inputs, %d vB, fee %d sat", tx.TxHash(), len(tx.TxIn), entry.Vsize, fee)
		if fee != 3*wallet.VirtualSize(tx) {
			t.Errorf("fee %d, want 3 sat/vB × %d vB", fee, wallet.VirtualSize(tx))
		}

		// In the mempool: the spent coin is gone at once, the change is
		// there with 0 confirmations, and not with minConf 1.
		change := wire.OutPoint{Hash: tx.TxHash(), Index: uint32(len(tx.TxOut) - 1)}
		now := utxoSet(t, 0)
		for _, in := range tx.TxIn {
			if _, ok := now[in.PreviousOutPoint]; ok {
				t.Fatalf("spent coin %s still listed", in.PreviousOutPoint)
			}
		}
		if u, ok := now[change]; !ok || u.Confirmations != 0 || u.Value != tx.TxOut[change.Index].Value {
			t.Fatalf("change %s: %+v, %v; want unconfirmed %d sat", change, u, ok, tx.TxOut[change.Index].Value)
		}
		if _, ok := utxoSet(t, 1)[change]; ok {
			t.Fatal("unconfirmed change listed with minConf 1")
		}

		hash := node.Generate(1)[0]
		if !slices.Contains(minedTxIDs(t, hash), tx.TxHash()) {
			t.Fatal("the transaction was not mined")
		}
		after := utxoSet(t, 1)
		if u, ok := after[change]; !ok || u.Confirmations != 1 {
			t.Fatalf("change after mining: %+v, %v", u, ok)
		}
		// Every other coin is still there (one more block matured no new
		// coinbase for a P2WPKH wallet, and only adds to a P2PKH one).
		spent := map[wire.OutPoint]bool{}
		for _, in := range tx.TxIn {
			spent[in.PreviousOutPoint] = true
		}
		for op := range before {
			if _, listed := after[op]; listed == spent[op] {
				t.Fatalf("coin %s: listed %v after the transaction, spent by it %v", op, listed, spent[op])
			}
		}
	})

	t.Run(w.Kind().String()+" bump", func(t *testing.T) {
		before := utxoSet(t, 1)
		utxos, err := w.UTXOs(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		orig, oldFee, err := w.BuildTx(utxos, []*wire.TxOut{walletPoPOutput(tag + 100)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Broadcast(ctx, orig); err != nil {
			t.Fatal(err)
		}
		spent := spentBy(orig, before)
		repl, newFee, err := w.BumpFee(orig, spent, 2)
		if err != nil {
			t.Fatal(err)
		}
		if newFee <= oldFee {
			t.Fatalf("bump fee %d, old %d", newFee, oldFee)
		}
		if _, err := w.Broadcast(ctx, repl); err != nil {
			t.Fatalf("btcd refused the replacement: %v", err)
		}
		t.Logf("replaced %s (fee %d sat) with %s (fee %d sat)", orig.TxHash(), oldFee, repl.TxHash(), newFee)
		if got := mempool(t); !slices.Equal(got, []string{repl.TxHash().String()}) {
			t.Fatalf("mempool %v, want only the replacement %s (original %s)", got, repl.TxHash(), orig.TxHash())
		}
		// The original cannot come back: it conflicts with the replacement
		// and pays less.
		if _, err := w.Broadcast(ctx, orig); err == nil {
			t.Fatal("btcd took the original back after the replacement")
		}
		now := utxoSet(t, 0)
		if _, ok := now[wire.OutPoint{Hash: orig.TxHash(), Index: uint32(len(orig.TxOut) - 1)}]; ok {
			t.Fatal("the replaced transaction's change is listed")
		}
		if _, ok := now[wire.OutPoint{Hash: repl.TxHash(), Index: uint32(len(repl.TxOut) - 1)}]; !ok {
			t.Fatal("the replacement's change is not listed")
		}

		hash := node.Generate(1)[0]
		ids := minedTxIDs(t, hash)
		if !slices.Contains(ids, repl.TxHash()) || slices.Contains(ids, orig.TxHash()) {
			t.Fatalf("block has %v; want the replacement %s and not the original %s", ids, repl.TxHash(), orig.TxHash())
		}
		if _, err := c.GetRawTransaction(ctx, orig.TxHash()); err == nil {
			t.Fatal("the original is known to the node after the replacement was mined")
		}
		if got := mempool(t); len(got) != 0 {
			t.Fatalf("mempool %v after mining, want empty", got)
		}
	})
}
