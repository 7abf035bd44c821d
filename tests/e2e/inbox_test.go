package e2e

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
)

// TestInboxOnBtcd: one hemid validator whose Bitcoin watcher follows btcd regtest, with no
// relayer and no one sending MsgSubmitInboxTx. A user's key, funded on both chains, posts with
// `hemid btc inbox` a transfer of ahemi, a tunnel withdrawal of sat (minted from its own deposit),
// a transfer of more sat than it holds and an undelegation of part of the stake it delegated on
// hemi. All four reach the chain through the proposer's injected entry alone and run once six
// Bitcoin blocks deep: the ahemi move, the withdrawal is queued in x/tunnel, the overdrawn
// transfer is recorded failed for insufficient funds, and the delegation shrinks.
// Proving the executed transfer again with `hemid tx inbox submit` is refused: an operation runs
// once.
func TestInboxOnBtcd(t *testing.T) {
	userKey, custodianKey := datagen.KeyFromSeed(51), datagen.KeyFromSeed(52)
	btc := btcdtest.Start(t, &btcdtest.Options{MiningKey: userKey})
	btc.Generate(110) // mature coinbases for the user's wallet
	vault := datagen.P2WPKHScript(t, custodianKey.PubKey())
	net := newNetwork(t, 1, 2, append(btcEnv(btc), "VAULT_SCRIPT="+base64.StdEncoding.EncodeToString(vault),
		"IMPORTED_KEYS=user:"+hex.EncodeToString(userKey.Serialize()))...)
	enableWatcher(t, net.home(0), btc.ClientConfig())
	net.start(0)
	net.waitHeight(0, 2, 3*time.Minute)
	lc := btclctypes.NewQueryClient(grpcConn(t, net))
	payee := bitcoin.KeyPayee(userKey.PubKey())
	user := sdk.AccAddress(payee[:]).String()
	recipient := net.devs[1].Address
	wallet := func(args ...string) string {
		t.Helper()
		out, err := net.cli(append(append([]string{"btc"}, args...), append(btcWalletFlags(net, btc, "user"), "--address-kind", "p2pkh")...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// mine mines a Bitcoin block and waits until x/btclc holds it.
	mine := func() {
		t.Helper()
		btc.Generate(1)
		height, hash := btc.BestBlock()
		waitLightClientTip(t, lc, height, hash, time.Minute)
	}

	// The user's sat: a deposit to its own account, which the watcher proves and the chain mints.
	out := wallet("deposit", "--to", user, "--amount", "100000", "--wait=false")
	m := regexp.MustCompile(`(?m)^outpoint ([0-9a-f]{64}:0)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("hemid btc deposit printed no outpoint:\n%s", out)
	}
	for range 6 {
		mine()
	}
	waitBTCStatus(t, net, m[1], "minted at hemi height ", time.Minute)

	post := func(args ...string) chainhash.Hash {
		t.Helper()
		out := wallet(append([]string{"inbox"}, append(args, "--wait=false")...)...)
		m := regexp.MustCompile(`(?m)^txid ([0-9a-f]{64})$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("hemid btc inbox %s printed no txid:\n%s", args[0], out)
		}
		if !strings.Contains(out, "as "+user) {
			t.Fatalf("hemid btc inbox %s does not say it acts as %s:\n%s", args[0], user, out)
		}
		txid, err := bitcoin.ParseDisplayHash(m[1])
		if err != nil {
			t.Fatal(err)
		}
		mine() // its coins are spent before the next operation picks coins
		return txid
	}
	var before struct{ Balance sdk.Coin }
	queryJSON(t, net, &before, "query", "bank", "balance", recipient, "ahemi")
	// The user's stake, for the undelegation: delegated on hemi with the same key.
	valoper, err := net.cli("keys", "show", "val0", "--bech", "val", "-a", "--keyring-backend", "test", "--home", net.home(0))
	if err != nil {
		t.Fatalf("keys show val0 --bech val: %v: %s", err, valoper)
	}
	valoper = strings.TrimSpace(valoper)
	if res := net.sendTx("tx", "staking", "delegate", valoper, "1000000ahemi", "--from", "user"); res.Code != 0 {
		t.Fatalf("delegate: code %d: %s", res.Code, res.RawLog)
	}
	transfer := post("transfer", "--to", recipient, "--amount", "12345")
	withdrawal := post("withdraw", "--amount", "30000")
	overdrawn := post("transfer", "--to", recipient, "--amount", "5000000", "--denom", "sat")
	undelegation := post("undelegate", "--validator", valoper, "--amount", "400000")

	deadline := time.Now().Add(3 * time.Minute)
	for {
		done := 0
		for _, txid := range []chainhash.Hash{transfer, withdrawal, overdrawn, undelegation} {
			if line := btcStatus(t, net, txid.String()); strings.HasPrefix(line, "executed") || strings.HasPrefix(line, "failed") {
				done++
			}
		}
		if done == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes: transfer %q, withdrawal %q, overdrawn %q, undelegation %q", btcStatus(t, net, transfer.String()),
				btcStatus(t, net, withdrawal.String()), btcStatus(t, net, overdrawn.String()), btcStatus(t, net, undelegation.String()))
		}
		mine()
	}

	op := func(txid chainhash.Hash) inboxtypes.OpView {
		t.Helper()
		out, err := net.cli("query", "inbox", "op", txid.String(), "--node", net.nodes[0].RPC, "--output", "json")
		if err != nil {
			t.Fatal(err)
		}
		var res inboxtypes.QueryOpResponse
		if err := codec.NewProtoCodec(codectypes.NewInterfaceRegistry()).UnmarshalJSON([]byte(out), &res); err != nil {
			t.Fatalf("query inbox op: %v\n%s", err, out)
		}
		return res.Op
	}
	executed := op(transfer)
	if executed.Status != inboxtypes.OP_STATUS_EXECUTED || executed.Account != user {
		t.Fatalf("transfer: %+v, want executed as %s", executed, user)
	}
	var after struct{ Balance sdk.Coin }
	queryJSON(t, net, &after, "query", "bank", "balance", recipient, "ahemi")
	if got := after.Balance.Amount.Sub(before.Balance.Amount); got.Int64() != 12345 {
		t.Fatalf("the recipient received %s ahemi, want 12345", got)
	}
	w := op(withdrawal)
	if w.Status != inboxtypes.OP_STATUS_EXECUTED || w.WithdrawalId == 0 {
		t.Fatalf("withdrawal: %+v, want executed with a withdrawal id", w)
	}
	if line := btcStatus(t, net, fmt.Sprint(w.WithdrawalId)); !strings.Contains(line, "queued") || !strings.Contains(line, "30000") {
		t.Fatalf("hemid btc status of withdrawal %d: %q, want 30000 sat queued", w.WithdrawalId, line)
	}
	if o := op(overdrawn); o.Status != inboxtypes.OP_STATUS_FAILED || !strings.Contains(o.Reason, "insufficient funds") {
		t.Fatalf("overdrawn transfer: %+v, want failed for insufficient funds", o)
	}

	if u := op(undelegation); u.Status != inboxtypes.OP_STATUS_EXECUTED {
		t.Fatalf("undelegation: %+v, want executed", u)
	}
	var delegation struct {
		DelegationResponse struct{ Balance sdk.Coin } `json:"delegation_response"`
	}
	queryJSON(t, net, &delegation, "query", "staking", "delegation", user, valoper)
	if got := delegation.DelegationResponse.Balance.Amount; got.Int64() != 600000 {
		t.Fatalf("the user's delegation after undelegating 400000 of 1000000 ahemi: %s, want 600000", got)
	}

	// Only the injected entry proved them.
	var events struct {
		TotalCount string `json:"total_count"`
	}
	queryJSON(t, net, &events, "query", "txs", "--query", "message.action='/hemi.inbox.v1.MsgSubmitInboxTx'")
	if events.TotalCount != "0" {
		t.Fatalf("%s transactions sent MsgSubmitInboxTx, want none", events.TotalCount)
	}

	// Proving the executed transfer again is refused.
	proofFile := filepath.Join(t.TempDir(), "proof.json")
	if err := os.WriteFile(proofFile, inboxProofJSON(t, btc, transfer), 0o600); err != nil {
		t.Fatal(err)
	}
	res := net.sendTx("tx", "inbox", "submit", proofFile, "--from", net.devs[0].Name, "--gas", "400000") // CheckTx runs no handler: the block refuses it
	if res.Code != inboxtypes.ErrDuplicateOp.ABCICode() || !strings.Contains(res.RawLog, "already recorded") {
		t.Fatalf("submitting the executed transfer again: code %d %q, want ErrDuplicateOp", res.Code, res.RawLog)
	}
	if got := op(transfer); got.Status != executed.Status || got.ExecutedHeight != executed.ExecutedHeight {
		t.Fatalf("the transfer after a second proof: %+v, want it as it ran: %+v", got, executed)
	}
	queryJSON(t, net, &before, "query", "bank", "balance", recipient, "ahemi")
	if !before.Balance.Amount.Equal(after.Balance.Amount) {
		t.Fatalf("the recipient's balance moved from %s to %s after a second proof", after.Balance.Amount, before.Balance.Amount)
	}
}

// inboxProofJSON is the proto JSON of txid's inclusion proof, with its funding transaction, from
// btc (searching its last 20 blocks).
func inboxProofJSON(t *testing.T, btc *btcdtest.Node, txid chainhash.Hash) []byte {
	t.Helper()
	ctx := context.Background()
	tx, err := btc.Client().GetRawTransaction(ctx, txid)
	if err != nil {
		t.Fatal(err)
	}
	funding, err := btc.Client().GetRawTransaction(ctx, tx.TxIn[0].PreviousOutPoint.Hash)
	if err != nil {
		t.Fatal(err)
	}
	tip, _ := btc.BestBlock()
	for h := tip; h > tip-20; h-- {
		hash, err := btc.Client().GetBlockHash(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		block, err := btc.Client().GetBlock(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := btclctypes.NewInclusionProof(block, txid, funding)
		if err != nil {
			continue
		}
		bz, err := codec.NewProtoCodec(codectypes.NewInterfaceRegistry()).MarshalJSON(&proof)
		if err != nil {
			t.Fatal(err)
		}
		return bz
	}
	t.Fatalf("transaction %s is not in btcd's last 20 blocks", txid)
	return nil
}
