package wallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
)

const (
	// searchPageSize is how many transactions one searchrawtransactions
	// call asks for; maxSearchTxs bounds the scan of one address's history
	// so that a node answering full pages forever cannot keep us looping.
	searchPageSize = 500
	maxSearchTxs   = 1_000_000
)

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
	candidates, sources, err := w.searchAddress(ctx)
	var rpcErr *rpc.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == rpc.CodeMethodNotFound {
		candidates, err = w.scanUTXOSet(ctx)
		sources = nil // fetched below, for the outputs still unspent
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
		if u.SourceTx = sources[op.Hash]; u.SourceTx == nil {
			// Bitcoin Core's scan lists outputs, not transactions. The
			// source transaction binds the PoP payee, so it is needed.
			if u.SourceTx, err = w.node.GetRawTransaction(ctx, op.Hash); err != nil {
				return nil, fmt.Errorf("fetching the transaction that created %s (Bitcoin Core needs -txindex): %w", op, err)
			}
		}
		utxos = append(utxos, u)
	}
	return utxos, nil
}

// searchAddress is the btcd scan: the outputs paying the wallet in the
// address's history that no transaction of that history spends, with their
// values, and the transactions that created them.
func (w *Wallet) searchAddress(ctx context.Context) (map[wire.OutPoint]int64, map[chainhash.Hash]*wire.MsgTx, error) {
	const method = "searchrawtransactions"
	txs, err := w.History(ctx)
	if err != nil {
		return nil, nil, err
	}
	outputs := map[wire.OutPoint]int64{}
	spent := map[wire.OutPoint]bool{}
	seen := make(map[chainhash.Hash]*wire.MsgTx, len(txs))
	for _, tx := range txs {
		txid := tx.TxHash()
		seen[txid] = tx
		for i, out := range tx.TxOut {
			if !bytes.Equal(out.PkScript, w.pkScript) {
				continue
			}
			if out.Value < 0 || out.Value > btcutil.MaxSatoshi {
				return nil, nil, w.node.BadData(method, nil, "transaction %s output %d has value %d sat", txid, i, out.Value)
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
	for op := range spent {
		delete(outputs, op)
	}
	return outputs, seen, nil
}

// History returns every transaction that pays or spends the wallet's
// address, mempool transactions first, each once, as btcd's address index
// (searchrawtransactions; btcd run with --txindex --addrindex) lists them.
// A node without that index answers with an *rpc.Error of code
// rpc.CodeMethodNotFound.
func (w *Wallet) History(ctx context.Context) ([]*wire.MsgTx, error) {
	const method = "searchrawtransactions"
	if w.node == nil {
		return nil, errors.New("wallet has no node to read its history from")
	}
	addr := w.addr.EncodeAddress()
	var txs []*wire.MsgTx
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
			txs = append(txs, tx)
		}
		if len(page) < searchPageSize {
			break
		}
	}
	return txs, nil
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
