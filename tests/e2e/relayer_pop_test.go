package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/crypto"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestRelayerProvesOthersPublications: with no PoP miner running, someone publishes a keystone to
// Bitcoin with a key hemi has never seen; the relayer finds the payload in the block it relays
// and proves it, and the publication's payee is that key's account.
func TestRelayerProvesOthersPublications(t *testing.T) {
	publisherKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e other publisher key 32b"))
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: publisherKey})
	btc.Generate(110)
	net, _ := btcNetwork(t, btc, "KEYSTONE_INTERVAL=10")
	net.waitHeight(0, 11, 3*time.Minute) // the first keystone is at 10
	relayer := startRelayer(t, net, btc, fmt.Sprintf("127.0.0.1:%d", freePortBase(t, 1)), 200)
	t.Cleanup(relayer.stop)

	conn := grpcConn(t, net)
	pop := poptypes.NewQueryClient(conn)
	ctx := context.Background()
	res, err := pop.Keystones(ctx, &poptypes.QueryKeystonesRequest{Pagination: &query.PageRequest{Limit: 1}})
	if err != nil || len(res.Keystones) == 0 {
		t.Fatalf("no keystone recorded: %v", err)
	}
	payload, err := res.Keystones[0].Abbreviate()
	if err != nil {
		t.Fatal(err)
	}

	w, err := wallet.New(publisherKey, &chaincfg.RegressionNetParams, wallet.P2PKH, btc.Client())
	if err != nil {
		t.Fatal(err)
	}
	utxos, err := w.UTXOs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	tx, _, err := w.BuildTx(utxos, []*wire.TxOut{{PkScript: bitcoin.PoPScript(payload)}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Broadcast(ctx, tx); err != nil {
		t.Fatal(err)
	}
	btc.Generate(1)
	txid := tx.TxHash()

	var pub *poptypes.QueryPublicationResponse
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if pub, err = pop.Publication(ctx, &poptypes.QueryPublicationRequest{Txid: txid.String()}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("the relayer did not prove publication %s of keystone %d: %v", txid, payload.KeystoneHeight, err)
	}
	wantPayee := sdk.AccAddress(crypto.PubkeyToAddress(publisherKey.ToECDSA().PublicKey).Bytes()).String()
	if pub.Publication.Publication.Payee != wantPayee || pub.Publication.Publication.Submitter != net.devs[0].Address {
		t.Fatalf("publication %+v: want payee %s (the publishing key) and submitter %s (the relayer)", pub.Publication, wantPayee, net.devs[0].Address)
	}
	t.Logf("the relayer proved %s (keystone %d, payload %s), payee %s", txid, payload.KeystoneHeight, hex.EncodeToString(bitcoin.PoPScript(payload)), wantPayee)
}
