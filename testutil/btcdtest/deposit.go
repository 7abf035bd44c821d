package btcdtest

import (
	"context"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

// SendBumpedDeposit broadcasts, from w's confirmed coins, a tunnel deposit paying amount to vault
// with recipient (20 bytes) in an OP_RETURN output first, then its fee bump (RBF: the same inputs
// under a new txid), and returns both txids. Only the bump can be mined; the vault output is
// output 1 of each.
func SendBumpedDeposit(tb testing.TB, w *wallet.Wallet, vault, recipient []byte, amount int64) (replaced, bumped chainhash.Hash) {
	tb.Helper()
	ctx := context.Background()
	utxos, err := w.UTXOs(ctx, 1)
	if err != nil {
		tb.Fatal(err)
	}
	opReturn, err := txscript.NullDataScript(recipient)
	if err != nil {
		tb.Fatal(err)
	}
	tx, _, err := w.BuildTx(utxos, []*wire.TxOut{wire.NewTxOut(0, opReturn), wire.NewTxOut(amount, vault)}, 2)
	if err != nil {
		tb.Fatal(err)
	}
	if replaced, err = w.Broadcast(ctx, tx); err != nil {
		tb.Fatal(err)
	}
	bump, _, err := w.BumpFee(tx, utxos, 20)
	if err != nil {
		tb.Fatal(err)
	}
	if bumped, err = w.Broadcast(ctx, bump); err != nil {
		tb.Fatalf("broadcasting the fee bump of %s: %v", replaced, err)
	}
	return replaced, bumped
}
