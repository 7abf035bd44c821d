package wallet_test

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin/wallet"
)

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
