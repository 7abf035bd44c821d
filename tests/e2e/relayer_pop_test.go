package e2e

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/crypto"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
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

// TestRelayerProvesDeposits: with a vault in genesis, a deposit sent with the project's wallet and
// replaced by its fee bump (RBF: a new txid) before it is mined is found by the relayer, by the
// vault script it reads from the chain, in the block it relays, proven once under the mined
// txid, recorded pending, and minted by x/tunnel by itself at six confirmations. The replaced
// txid is never recorded.
func TestRelayerProvesDeposits(t *testing.T) {
	key, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e deposit sender key 32b!"))
	vaultKey, _ := btcec.PrivKeyFromBytes([]byte("hemi e2e custodian vault key 32b"))
	vault, err := txscript.PayToAddrScript(mustP2WPKH(t, vaultKey))
	if err != nil {
		t.Fatal(err)
	}
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: key})
	btc.Generate(110)
	net, _ := btcNetwork(t, btc, "VAULT_SCRIPT="+base64.StdEncoding.EncodeToString(vault))
	relayer := startRelayer(t, net, btc, fmt.Sprintf("127.0.0.1:%d", freePortBase(t, 1)), 200)
	t.Cleanup(relayer.stop)
	tunnel := tunneltypes.NewQueryClient(grpcConn(t, net))
	ctx := context.Background()
	if p, err := tunnel.Params(ctx, &tunneltypes.QueryParamsRequest{}); err != nil || string(p.Params.VaultScript) != string(vault) {
		t.Fatalf("genesis vault script %x (%v), want %x", p.GetParams().VaultScript, err, vault)
	}

	w, err := wallet.New(key, &chaincfg.RegressionNetParams, wallet.P2PKH, btc.Client())
	if err != nil {
		t.Fatal(err)
	}
	recipient := sdk.MustAccAddressFromBech32(net.devs[0].Address)
	first, bumped := btcdtest.SendBumpedDeposit(t, w, vault, recipient, 250_000)
	btc.Generate(1)

	deposit := func(txid fmt.Stringer) (*tunneltypes.QueryDepositResponse, error) {
		return tunnel.Deposit(ctx, &tunneltypes.QueryDepositRequest{Outpoint: txid.String() + ":1"})
	}
	wait := func(status tunneltypes.DepositStatus) *tunneltypes.QueryDepositResponse {
		t.Helper()
		var res *tunneltypes.QueryDepositResponse
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			if res, err = deposit(bumped); err == nil && res.Deposit.Status == status {
				return res
			}
		}
		t.Fatalf("deposit %s:1 is not %s: %+v (%v)", bumped, status, res, err)
		return nil
	}
	pending := wait(tunneltypes.DEPOSIT_STATUS_PENDING)
	if pending.Deposit.Amount != 250_000 || pending.Deposit.Recipient != recipient.String() {
		t.Fatalf("pending deposit %+v, want 250000 sat to %s", pending.Deposit, recipient)
	}
	btc.Generate(5)
	minted := wait(tunneltypes.DEPOSIT_STATUS_MINTED)
	if minted.Deposit.ProvenTxHash != pending.Deposit.ProvenTxHash {
		t.Fatalf("the deposit was proven again: %s, then %s", pending.Deposit.ProvenTxHash, minted.Deposit.ProvenTxHash)
	}
	if _, err := deposit(first); err == nil {
		t.Fatalf("the replaced deposit %s was recorded", first)
	}
	t.Logf("deposit %s:1 (a fee bump of %s) pending at hemi height %d, minted at %d", bumped, first, minted.Deposit.ProvenHeight, minted.Deposit.MintedHeight)
}

func mustP2WPKH(t *testing.T, key *btcec.PrivateKey) btcutil.Address {
	t.Helper()
	addr, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(key.PubKey().SerializeCompressed()), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
