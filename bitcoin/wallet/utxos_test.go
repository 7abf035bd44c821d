package wallet_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

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
		// The source transaction, which binds the PoP payee, comes along.
		if u.SourceTx == nil || u.SourceTx.TxHash() != u.OutPoint.Hash {
			t.Fatalf("UTXO %s has source transaction %v", u.OutPoint, u.SourceTx)
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
	// The source transactions, which the scan does not list: the wallet
	// fetches those of the unspent outputs with getrawtransaction.
	txA := walletFakeTx("a", []wire.OutPoint{{Index: 3}}, wire.NewTxOut(1, ours), wire.NewTxOut(12345678, ours))
	txCB := walletFakeTx("cb", nil, wire.NewTxOut(50e8, ours))
	sources := map[string]*wire.MsgTx{txA.TxHash().String(): txA, txCB.TxHash().String(): txCB}
	a, b, cb := txA.TxHash(), chainhash.HashH([]byte("b")), txCB.TxHash()
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
		"getrawtransaction": func(params []json.RawMessage) (any, *rpc.Error) {
			var txid string
			_ = json.Unmarshal(params[0], &txid)
			if tx, ok := sources[txid]; ok {
				return walletTxHex(t, tx), nil
			}
			return nil, &rpc.Error{Code: -5, Message: "No such mempool or blockchain transaction"}
		},
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
