package tunnelwallet_test

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

func TestMain(m *testing.M) {
	params.SetAddressPrefixes(sdk.GetConfig())
	os.Exit(m.Run())
}

// newWallet is the wallet of key seed on regtest.
func newWallet(t *testing.T, seed uint32, kind wallet.AddressKind, node *rpc.Client) *wallet.Wallet {
	t.Helper()
	w, err := wallet.New(datagen.KeyFromSeed(seed), &chaincfg.RegressionNetParams, kind, node)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// coins are n outputs of value paying w, each from its own source transaction.
func coins(w *wallet.Wallet, n int, value int64, salt string) []wallet.UTXO {
	out := make([]wallet.UTXO, n)
	for i := range out {
		source := wire.NewMsgTx(2)
		source.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.HashH([]byte(salt + strconv.Itoa(i)))}, []byte{txscript.OP_TRUE}, nil))
		source.AddTxOut(wire.NewTxOut(value, w.PkScript()))
		out[i] = wallet.UTXO{OutPoint: wire.OutPoint{Hash: source.TxHash()}, Value: value, PkScript: w.PkScript(), Confirmations: 10, SourceTx: source}
	}
	return out
}

// chainParams are x/tunnel's default params with vault as the vault.
func chainParams(vault []byte) tunneltypes.Params {
	p := tunneltypes.DefaultParams()
	p.VaultScript = bytes.Clone(vault)
	return p
}

// roundTrip serializes tx and decodes it with the chain's bounded decoder.
func roundTrip(t *testing.T, tx *wire.MsgTx) *wire.MsgTx {
	t.Helper()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	decoded, err := bitcoin.DecodeTx(buf.Bytes())
	if err != nil {
		t.Fatalf("the chain's decoder refuses the transaction: %v", err)
	}
	return decoded
}
