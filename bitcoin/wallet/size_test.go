package wallet_test

import (
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

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
