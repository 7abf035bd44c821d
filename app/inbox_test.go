package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/watcher"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxkeeper "github.com/hemi-appchain/hemi/x/inbox/keeper"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// satGenesis sets x/tunnel's vault and gives every funded account sats sat at genesis.
func satGenesis(vault []byte, sats int64) func(codec.JSONCodec, map[string]json.RawMessage) {
	return func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		vaultGenesis(vault)(cdc, state)
		var bank banktypes.GenesisState
		cdc.MustUnmarshalJSON(state[banktypes.ModuleName], &bank)
		coins := sdk.NewCoins(sdk.NewInt64Coin(params.BTCDenom, sats))
		for i := range bank.Balances {
			if bank.Balances[i].Coins.AmountOf(params.BaseDenom).Equal(apptest.Balance) {
				bank.Balances[i].Coins = bank.Balances[i].Coins.Add(coins...)
				bank.Supply = bank.Supply.Add(coins...)
			}
		}
		state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bank)
	}
}

// bitcoinKey is acc's own key as a Bitcoin key: an account acts from Bitcoin with the key it has
// on hemi.
func bitcoinKey(acc *apptest.Account) *btcec.PrivateKey {
	key, _ := btcec.PrivKeyFromBytes(acc.Key.Key)
	return key
}

// inboxSpend is a P2WPKH spend by key whose only output besides change posts p.
func inboxSpend(t testing.TB, key *btcec.PrivateKey, p bitcoin.InboxPayload) datagen.Spend {
	t.Helper()
	raw, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return datagen.Spend{Kind: datagen.P2WPKH, Key: key, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.InboxScript(raw))}}
}

func transferPayload(t testing.TB, to sdk.AccAddress, denom bitcoin.InboxDenom, amount *big.Int) bitcoin.InboxPayload {
	t.Helper()
	p := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, Denom: denom}
	copy(p.To[:], to)
	var err error
	if p.Amount, err = bitcoin.InboxAmount(amount); err != nil {
		t.Fatal(err)
	}
	return p
}

// inboxProof is the proof of s's spending transaction in b, with its funding transaction, as the
// watcher builds it.
func inboxProof(t testing.TB, b *datagen.MinedBlock, s datagen.MinedSpend) btclctypes.InclusionProof {
	t.Helper()
	p, err := btclctypes.NewInclusionProof(b.Block, s.Spending.TxHash(), s.Funding)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func inboxOp(t testing.TB, c *apptest.Chain, txid chainhash.Hash) inboxtypes.Op {
	t.Helper()
	o, err := c.App().InboxKeeper.Ops.Get(c.Context(), txid)
	if err != nil {
		t.Fatalf("operation %s not recorded: %v", txid, err)
	}
	return o
}

// TestInboxThroughTheEntryAlone: four operations an account posts on Bitcoin with its own key (a
// transfer of ahemi, a tunnel withdrawal, an undelegation, and a transfer of more sat than it
// holds) reach the chain in a proposer's injected entry, with no transaction of the account or
// of anyone: they are recorded pending as that key's account, and run in the block whose injected
// headers bring them to min_confirmations, in Bitcoin order, before the block's transactions.
// The transfer moves the coins, the withdrawal is queued in x/tunnel with its id, the
// undelegation unbonds, and the overdrawn transfer is recorded failed with the bank's reason,
// changing nothing. Malformed or unsigned proofs make the proposal REJECTed; a recorded
// operation is left out by PrepareProposal and reported to the watcher. A Bitcoin reorg that
// replaces the block with one where the same coin posts another operation neither undoes what
// ran nor lets that coin act again (ErrOutpointUsed), even through MsgSubmitInboxTx.
func TestInboxThroughTheEntryAlone(t *testing.T) {
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7000).PubKey())
	c := apptest.New(t, apptest.Options{Genesis: satGenesis(vault, 100_000)})
	alice, bob := c.Accounts[0], c.Accounts[1]
	ctx := c.Context()
	validator := sdk.ValAddress(c.Validators[0].Address)

	// alice delegates from hemi first, so that she has something to undelegate from Bitcoin.
	stake := sdkmath.NewInt(1_000_000)
	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(alice, 0, stakingtypes.NewMsgDelegate(alice.String(), validator.String(),
		sdk.NewCoin(params.BaseDenom, stake)))), 0)

	key := bitcoinKey(alice)
	if payee := bitcoin.KeyPayee(key.PubKey()); !sdk.AccAddress(payee[:]).Equals(alice.Address) {
		t.Fatalf("alice's key binds %x on Bitcoin, not her account %x", payee, alice.Address)
	}
	withdrawTo := datagen.P2WPKHScript(t, key.PubKey())
	tunnelParams, err := c.App().TunnelKeeper.GetParams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	undelegate := bitcoin.InboxPayload{Op: bitcoin.InboxUndelegate}
	copy(undelegate.Validator[:], validator)
	undelegate.Amount, _ = bitcoin.InboxAmount(big.NewInt(400_000))
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1,
		inboxSpend(t, key, transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(12_345))),
		inboxSpend(t, key, bitcoin.InboxPayload{Op: bitcoin.InboxWithdrawal, AmountSats: 30_000, MaxFeeSats: tunnelParams.WithdrawalMaxFeeSats, Script: withdrawTo}),
		inboxSpend(t, key, undelegate),
		inboxSpend(t, key, transferPayload(t, bob.Address, bitcoin.InboxSat, big.NewInt(1_000_000))),            // alice holds 100000 sat
		datagen.Spend{Kind: datagen.P2WPKH, Key: key, Outputs: []*wire.TxOut{datagen.OpReturn(t, bob.Address)}}, // no HEMF
	)
	header := [][]byte{mined.RawHeader}
	var proofs []btclctypes.InclusionProof
	var txids []chainhash.Hash
	for _, s := range mined.Spends[:4] {
		proofs = append(proofs, inboxProof(t, mined, s))
		txids = append(txids, s.Spending.TxHash())
	}
	transfer, withdrawal, unbond, overdrawn := txids[0], txids[1], txids[2], txids[3]

	noFunding := proofs[0]
	noFunding.FundingTx = nil
	wrongFunding := proofs[0]
	wrongFunding.FundingTx = inboxProof(t, mined, mined.Spends[1]).FundingTx
	coinbase := proofs[0]
	coinbase.TxIndex = 0
	noOp := inboxProof(t, mined, mined.Spends[4])
	tooMany := &inject.Entry{Headers: header, Inbox: make([]btclctypes.InclusionProof, inject.MaxInboxOps+1)}
	for i := range tooMany.Inbox {
		tooMany.Inbox[i] = proofs[0]
	}
	rejects := map[string]*inject.Entry{
		"an operation without its funding tx":  {Headers: header, Inbox: []btclctypes.InclusionProof{noFunding}},
		"an operation with another funding tx": {Headers: header, Inbox: []btclctypes.InclusionProof{wrongFunding}},
		"an operation at the coinbase's index": {Headers: header, Inbox: []btclctypes.InclusionProof{coinbase}},
		"a transaction with no HEMF output":    {Headers: header, Inbox: []btclctypes.InclusionProof{noOp}},
		"an operation of an unknown block":     {Inbox: []btclctypes.InclusionProof{proofs[0]}},
		"the same operation twice":             {Headers: header, Inbox: []btclctypes.InclusionProof{proofs[0], proofs[0]}},
		"more operations than MaxInboxOps":     tooMany,
	}
	for name, e := range rejects {
		if got := c.ProcessProposal(encodeEntry(t, e)); got != abci.ResponseProcessProposal_REJECT {
			t.Errorf("%s: %s, want REJECT", name, got)
		}
	}
	oversized := proofs[0]
	oversized.FundingTx = append(append([]byte(nil), oversized.FundingTx...), make([]byte, inboxtypes.MaxInboxFundingBytes)...)
	if _, err := c.App().InboxKeeper.SubmitInboxTx(c.Context(), &inboxtypes.MsgSubmitInboxTx{Submitter: bob.String(), Proof: oversized}); !errors.Is(err, inboxtypes.ErrProofTooLarge) {
		t.Fatalf("a funding tx over %d bytes: %v, want ErrProofTooLarge", inboxtypes.MaxInboxFundingBytes, err)
	}
	for _, txid := range txids {
		if has, err := c.App().InboxKeeper.Ops.Has(c.Context(), txid); err != nil || has {
			t.Fatalf("a rejected proposal recorded operation %s (%v)", txid, err)
		}
	}

	entry := encodeEntry(t, &inject.Entry{Headers: header, Inbox: proofs})
	if got := c.ProcessProposal(entry); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of a header and four operations in it: %s", got)
	}
	c.FinalizeTxs(entry)
	provenAt := uint64(c.Height())
	for i, txid := range txids {
		o := inboxOp(t, c, txid)
		if o.Status != inboxtypes.OP_STATUS_PENDING || o.Account != alice.String() || o.ProvenHeight != provenAt ||
			o.BtcHeight != 1 || o.TxIndex != uint32(2*i+2) {
			t.Fatalf("operation %d: %+v, want pending as alice, proven at %d, at Bitcoin (1, %d)", i, o, provenAt, 2*i+2)
		}
	}

	// Recorded: an entry offering them again is rejected, and a proposer leaves them out.
	if got := c.ProcessProposal(encodeEntry(t, &inject.Entry{Inbox: proofs[:1]})); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal of a recorded operation: %s, want REJECT", got)
	}
	source := &fixedSource{candidate: inject.Candidate{Inbox: append(append([]btclctypes.InclusionProof(nil), proofs...), noOp)}}
	c.App().SetBitcoinSource(source)
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("PrepareProposal with recorded operations proposed %d items", len(txs))
	}
	if len(source.inboxDone) != 5 || source.inboxDone[4] != mined.Spends[4].Spending.TxHash() {
		t.Fatalf("the watcher was told of %v, want the four recorded and the one without HEMF", source.inboxDone)
	}
	c.App().SetBitcoinSource(nil)

	// Five more headers: six confirmations. The operations run in that block, before its txs.
	ctx = c.Context()
	bobAhemi := c.App().BankKeeper.GetBalance(ctx, bob.Address, params.BaseDenom).Amount
	bobSat := c.App().BankKeeper.GetBalance(ctx, bob.Address, params.BTCDenom).Amount
	more := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(datagen.RegtestChain(t, *mined.Header(), 5, 2))})
	if got := c.ProcessProposal(more); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of five headers: %s", got)
	}
	c.FinalizeTxs(more)
	ctx = c.Context()
	ranAt := uint64(c.Height())
	for _, txid := range []chainhash.Hash{transfer, withdrawal, unbond} {
		if o := inboxOp(t, c, txid); o.Status != inboxtypes.OP_STATUS_EXECUTED || o.ExecutedHeight != ranAt || o.Reason != "" {
			t.Fatalf("operation %s after six confirmations: %+v, want executed at %d", txid, o, ranAt)
		}
	}
	if got := c.App().BankKeeper.GetBalance(ctx, bob.Address, params.BaseDenom).Amount; !got.Equal(bobAhemi.AddRaw(12_345)) {
		t.Fatalf("bob holds %s ahemi, want %s + 12345", got, bobAhemi)
	}
	w, err := c.App().TunnelKeeper.Withdrawals.Get(ctx, inboxOp(t, c, withdrawal).WithdrawalId)
	if err != nil || w.Sender != alice.String() || w.Amount != 30_000 || string(w.Script) != string(withdrawTo) ||
		w.Status != tunneltypes.WITHDRAWAL_STATUS_QUEUED {
		t.Fatalf("withdrawal %d: %+v (%v), want 30000 sat queued from alice to her script", inboxOp(t, c, withdrawal).WithdrawalId, w, err)
	}
	if got := c.App().BankKeeper.GetBalance(ctx, alice.Address, params.BTCDenom).Amount; got.Int64() != 70_000 {
		t.Fatalf("alice holds %s sat, want 70000 after the withdrawal burned 30000", got)
	}
	del, err := c.App().StakingKeeper.GetDelegation(ctx, alice.Address, validator)
	if err != nil || !del.Shares.TruncateInt().Equal(stake.SubRaw(400_000)) {
		t.Fatalf("alice's delegation after undelegating 400000: %v (%v), want %s", del.Shares, err, stake.SubRaw(400_000))
	}
	failed := inboxOp(t, c, overdrawn)
	if failed.Status != inboxtypes.OP_STATUS_FAILED || failed.ExecutedHeight != ranAt || !strings.Contains(failed.Reason, "insufficient funds") {
		t.Fatalf("the overdrawn transfer: %+v, want failed at %d for insufficient funds", failed, ranAt)
	}
	if got := c.App().BankKeeper.GetBalance(ctx, bob.Address, params.BTCDenom).Amount; !got.Equal(bobSat) {
		t.Fatalf("bob holds %s sat after a failed transfer, want %s", got, bobSat)
	}

	// The queries: by account, by status.
	q := inboxkeeper.NewQuerier(c.App().InboxKeeper)
	byAccount, err := q.Ops(ctx, &inboxtypes.QueryOpsRequest{Account: alice.String()})
	if err != nil || len(byAccount.Ops) != 4 {
		t.Fatalf("alice's operations: %d (%v), want 4", len(byAccount.Ops), err)
	}
	byStatus, err := q.Ops(ctx, &inboxtypes.QueryOpsRequest{Account: alice.String(), Status: inboxtypes.OP_STATUS_FAILED})
	if err != nil || len(byStatus.Ops) != 1 || byStatus.Ops[0].Txid != overdrawn.String() || byStatus.Ops[0].Amount != "1000000" {
		t.Fatalf("alice's failed operations: %+v (%v), want the overdrawn transfer", byStatus.Ops, err)
	}
	for _, bad := range []string{"", "zz", strings.ToUpper(transfer.String()), transfer.String() + "00"} {
		if _, err := q.Op(ctx, &inboxtypes.QueryOpRequest{Txid: bad}); status.Code(err) != codes.InvalidArgument {
			t.Errorf("query op %q: %v, want InvalidArgument", bad, err)
		}
	}
	if _, err := q.Op(ctx, &inboxtypes.QueryOpRequest{Txid: chainhash.Hash{7}.String()}); status.Code(err) != codes.NotFound {
		t.Errorf("query op of an unknown txid: %v, want NotFound", err)
	}
	one, err := q.Op(ctx, &inboxtypes.QueryOpRequest{Txid: transfer.String()})
	if err != nil || one.Confirmations != 6 || one.Op.To != bob.String() || one.Op.Denom != params.BaseDenom {
		t.Fatalf("query op %s: %+v (%v), want 6 confirmations, a transfer to bob", transfer, one, err)
	}

	// A reorg: a heavier fork replaces block 1 with one where the transfer's coin posts another
	// transfer. What ran stays; the coin never acts again.
	again := datagen.SignedSpend(t, inboxSpend(t, key, transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(99))), mined.Spends[0].Funding.TxIn[0].PreviousOutPoint.Hash)
	if again.Funding.TxHash() != mined.Spends[0].Funding.TxHash() {
		t.Fatal("the fork's spend does not spend the transfer's coin")
	}
	fork := datagen.MineTxBlock(t, &genesis, 9, again.Funding, again.Spending)
	forkHeaders := append([][]byte{fork.RawHeader}, datagen.SerializeHeaders(datagen.RegtestChain(t, *fork.Header(), 7, 9))...)
	reorg := encodeEntry(t, &inject.Entry{Headers: forkHeaders})
	if got := c.ProcessProposal(reorg); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of a heavier fork: %s", got)
	}
	c.FinalizeTxs(reorg)
	if tip := btcTip(t, c); tip.Height != 8 {
		t.Fatalf("x/btclc's tip at %d after the fork, want 8", tip.Height)
	}
	if o := inboxOp(t, c, transfer); o.Status != inboxtypes.OP_STATUS_EXECUTED {
		t.Fatalf("the executed transfer after its block left the chain: %s, want executed still", o.Status)
	}
	forkProof, err := btclctypes.NewInclusionProof(fork.Block, again.Spending.TxHash(), again.Funding)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ProcessProposal(encodeEntry(t, &inject.Entry{Inbox: []btclctypes.InclusionProof{forkProof}})); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal of a spent coin's second operation: %s, want REJECT", got)
	}
	res := c.NextBlock(c.SignTx(bob, 0, &inboxtypes.MsgSubmitInboxTx{Submitter: bob.String(), Proof: forkProof}))
	if r := res.TxResults[0]; r.Codespace != inboxtypes.ModuleName || r.Code != inboxtypes.ErrOutpointUsed.ABCICode() {
		t.Fatalf("MsgSubmitInboxTx of a spent coin's second operation: code %d (%s) %q, want ErrOutpointUsed", r.Code, r.Codespace, r.Log)
	}
	if _, err := c.App().InboxKeeper.Ops.Get(c.Context(), again.Spending.TxHash()); err == nil {
		t.Fatal("the spent coin's second operation was recorded")
	}
	// The Coin query answers for the coin, whichever transaction spends it: the transfer ran.
	coin := again.Spending.TxIn[0].PreviousOutPoint.String()
	byCoin, err := q.Coin(c.Context(), &inboxtypes.QueryCoinRequest{Outpoint: coin})
	if err != nil || byCoin.Op.Txid != transfer.String() || byCoin.Op.Status != inboxtypes.OP_STATUS_EXECUTED {
		t.Fatalf("query coin %s: %+v (%v), want the executed transfer %s", coin, byCoin, err, transfer)
	}
	if _, err := q.Coin(c.Context(), &inboxtypes.QueryCoinRequest{Outpoint: chainhash.Hash{7}.String() + ":0"}); status.Code(err) != codes.NotFound {
		t.Fatalf("query coin of an unknown outpoint: %v, want NotFound", err)
	}
	if _, err := q.Coin(c.Context(), &inboxtypes.QueryCoinRequest{Outpoint: transfer.String()}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("query coin without a vout: %v, want InvalidArgument", err)
	}
}

// TestInboxBoundedAndReorged: 150 operations due at once run MaxExecutionsPerBlock in the first
// block, in Bitcoin order, and the rest in the next. A pending operation whose Bitcoin block is
// replaced by a fork holding the same transaction is proven again in its new block (replacing
// the stale record) and runs once; one the fork does not hold is removed when due, never run.
func TestInboxBoundedAndReorged(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	alice, bob := c.Accounts[0], c.Accounts[1]
	key := bitcoinKey(alice)
	one := transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(1))

	// Block 1 holds 60 operations and block 2 holds 90: the first block to run them runs block 1's
	// and the first 40 of block 2 by tx index, which (height, txid) order would not pick.
	genesis := datagen.RegtestGenesis()
	spends := func(n int) []datagen.Spend {
		out := make([]datagen.Spend, n)
		for i := range out {
			out[i] = inboxSpend(t, key, one)
		}
		return out
	}
	b1 := datagen.MineSpendBlock(t, &genesis, 1, spends(60)...)
	b2 := datagen.MineSpendBlock(t, b1.Header(), 2, spends(90)...)
	var order []chainhash.Hash // Bitcoin order
	for _, b := range []*datagen.MinedBlock{b1, b2} {
		e := &inject.Entry{Headers: [][]byte{b.RawHeader}}
		for _, s := range b.Spends {
			e.Inbox = append(e.Inbox, inboxProof(t, b, s))
			order = append(order, s.Spending.TxHash())
		}
		bz := encodeEntry(t, e)
		if got := c.ProcessProposal(bz); got != abci.ResponseProcessProposal_ACCEPT {
			t.Fatalf("ProcessProposal of %d operations: %s", len(e.Inbox), got)
		}
		c.FinalizeTxs(bz)
	}
	executed := func() int {
		n := 0
		for _, txid := range order {
			if inboxOp(t, c, txid).Status == inboxtypes.OP_STATUS_EXECUTED {
				n++
			}
		}
		return n
	}
	chain := datagen.RegtestChain(t, *b2.Header(), 5, 3)
	more := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(chain)})
	if got := c.ProcessProposal(more); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of five headers: %s", got)
	}
	c.FinalizeTxs(more)
	if n := executed(); n != inboxtypes.MaxExecutionsPerBlock {
		t.Fatalf("%d operations ran in the block that made 150 due, want %d", n, inboxtypes.MaxExecutionsPerBlock)
	}
	for i, txid := range order[:inboxtypes.MaxExecutionsPerBlock] {
		if inboxOp(t, c, txid).Status != inboxtypes.OP_STATUS_EXECUTED {
			t.Fatalf("operation %d in Bitcoin order did not run first", i)
		}
	}
	c.NextBlock()
	if n := executed(); n != len(order) {
		t.Fatalf("%d of %d operations ran after two blocks", n, len(order))
	}

	// Two pending operations in block 8.
	tip := chain[4]
	stay := datagen.SignedSpend(t, inboxSpend(t, key, one), chainhash.Hash{0x51})
	lost := datagen.SignedSpend(t, inboxSpend(t, key, one), chainhash.Hash{0x52})
	a := datagen.MineTxBlock(t, &tip, 4, stay.Funding, stay.Spending, lost.Funding, lost.Spending)
	e := encodeEntry(t, &inject.Entry{Headers: [][]byte{a.RawHeader}, Inbox: []btclctypes.InclusionProof{
		inboxProof(t, a, datagen.MinedSpend{Spending: stay.Spending, Funding: stay.Funding}),
		inboxProof(t, a, datagen.MinedSpend{Spending: lost.Spending, Funding: lost.Funding}),
	}})
	if got := c.ProcessProposal(e); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of two operations: %s", got)
	}
	c.FinalizeTxs(e)

	// A heavier fork from the same parent holds only the first transaction.
	forkBlock := datagen.MineTxBlock(t, &tip, 5, stay.Funding, stay.Spending)
	forkRest := datagen.SerializeHeaders(datagen.RegtestChain(t, *forkBlock.Header(), 6, 5))
	fork := append([][]byte{forkBlock.RawHeader}, forkRest[0])
	stayProof := inboxProof(t, forkBlock, datagen.MinedSpend{Spending: stay.Spending, Funding: stay.Funding})
	e = encodeEntry(t, &inject.Entry{Headers: fork, Inbox: []btclctypes.InclusionProof{stayProof}})
	if got := c.ProcessProposal(e); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of the fork and the operation proven again in it: %s", got)
	}
	c.FinalizeTxs(e)
	if o := inboxOp(t, c, stay.Spending.TxHash()); o.BlockHash() != forkBlock.Block.BlockHash() || o.Status != inboxtypes.OP_STATUS_PENDING {
		t.Fatalf("the operation proven again: %+v, want pending in the fork's block", o)
	}
	// Deep enough: the one proven again runs, the lost one is removed.
	deep := encodeEntry(t, &inject.Entry{Headers: forkRest[1:]})
	if got := c.ProcessProposal(deep); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of the fork's next headers: %s", got)
	}
	c.FinalizeTxs(deep)
	if o := inboxOp(t, c, stay.Spending.TxHash()); o.Status != inboxtypes.OP_STATUS_EXECUTED {
		t.Fatalf("the operation proven again in the fork: %s, want executed", o.Status)
	}
	if has, err := c.App().InboxKeeper.Ops.Has(c.Context(), lost.Spending.TxHash()); err != nil || has {
		t.Fatalf("the operation whose block left the chain is still recorded (%v)", err)
	}
	if has, err := c.App().InboxKeeper.Spent.Has(c.Context(), collections.Join(lost.Funding.TxHash(), uint32(0))); err != nil || has {
		t.Fatalf("the removed operation still holds its coin (%v)", err)
	}
}

// TestCensoringSwitch: the test-only censoring validator (app.UnsafeCensorInboxEnv) refuses
// MsgSubmitInboxTx in CheckTx and rejects proposals carrying an inbox operation, in the entry or
// as a transaction; without the switch both are taken.
func TestCensoringSwitch(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	alice, bob := c.Accounts[0], c.Accounts[1]
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1, inboxSpend(t, bitcoinKey(alice), transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(1))))
	proof := inboxProof(t, mined, mined.Spends[0])
	withHeader := encodeEntry(t, &inject.Entry{Headers: [][]byte{mined.RawHeader}})
	withOp := encodeEntry(t, &inject.Entry{Headers: [][]byte{mined.RawHeader}, Inbox: []btclctypes.InclusionProof{proof}})
	submit := c.SignTx(bob, 0, &inboxtypes.MsgSubmitInboxTx{Submitter: bob.String(), Proof: proof})

	c.App().SetUnsafeCensorInbox(true)
	if res := c.CheckTx(submit); res.Code == 0 {
		t.Fatal("a censoring node took MsgSubmitInboxTx into its mempool")
	}
	if res, err := c.App().InsertTx(&abci.RequestInsertTx{Tx: submit}); err != nil || res.Code == 0 {
		t.Fatalf("a censoring node inserted MsgSubmitInboxTx into its app-side mempool (%v)", err)
	}
	if got := c.ProcessProposal(withOp); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("a censoring validator's ProcessProposal of an entry with an inbox operation: %s", got)
	}
	if got := c.ProcessProposal(withHeader, submit); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("a censoring validator's ProcessProposal of a MsgSubmitInboxTx: %s", got)
	}
	if got := c.ProcessProposal(withHeader); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("a censoring validator's ProcessProposal of headers alone: %s", got)
	}
	c.App().SetUnsafeCensorInbox(false)
	if res := c.CheckTx(submit); res.Code != 0 {
		t.Fatalf("CheckTx of MsgSubmitInboxTx without the switch: %d %s", res.Code, res.Log)
	}
	if got := c.ProcessProposal(withOp); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of an entry with an inbox operation without the switch: %s", got)
	}
}

// inboxRecords counts x/inbox's records of every collection but the params.
func inboxRecords(t testing.TB, c *apptest.Chain) int {
	t.Helper()
	k, ctx := c.App().InboxKeeper, c.Context()
	n := 0
	count := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	count(k.Ops.Walk(ctx, nil, func(chainhash.Hash, inboxtypes.Op) (bool, error) { n++; return false, nil }))
	count(k.Spent.Walk(ctx, nil, func(inboxkeeper.OutpointKey, chainhash.Hash) (bool, error) { n++; return false, nil }))
	count(k.OpsByAccount.Walk(ctx, nil, func(collections.Pair[sdk.AccAddress, chainhash.Hash]) (bool, error) { n++; return false, nil }))
	count(k.OpsByStatus.Walk(ctx, nil, func(collections.Pair[int32, chainhash.Hash]) (bool, error) { n++; return false, nil }))
	count(k.Pending.Walk(ctx, nil, func(inboxkeeper.QueueKey) (bool, error) { n++; return false, nil }))
	return n
}

// fundingSource serves one funding transaction, as a Bitcoin node with a transaction index.
type fundingSource struct{ tx *wire.MsgTx }

func (f fundingSource) GetRawTransaction(_ context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	if txid != f.tx.TxHash() {
		return nil, fmt.Errorf("no transaction %s", txid)
	}
	return f.tx, nil
}

// TestSubmitInboxTxMessage: MsgSubmitInboxTx, which anyone may send, refuses each malformed or
// unprovable proof with its registered error and records nothing; a proof whose witness was
// rewritten (the txid, all the merkle path commits to, does not cover it) cannot make the
// operation run as another key's account, or as any. A valid proof sent by bob records alice's
// operation as hers, and the same proof again is ErrDuplicateOp. MsgUpdateParams is the
// authority's only and takes valid params only.
func TestSubmitInboxTxMessage(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	alice, bob := c.Accounts[0], c.Accounts[1]
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1,
		inboxSpend(t, bitcoinKey(alice), transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(5))),
		datagen.Spend{Kind: datagen.P2WPKH, Key: bitcoinKey(alice), Outputs: []*wire.TxOut{datagen.OpReturn(t, bob.Address)}}, // no HEMF
	)
	unrelayed := datagen.MineSpendBlock(t, &genesis, 2, inboxSpend(t, bitcoinKey(alice), transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(5))))
	c.FinalizeTxs(encodeEntry(t, &inject.Entry{Headers: [][]byte{mined.RawHeader}}))
	valid := inboxProof(t, mined, mined.Spends[0])

	withWitness := func(witness wire.TxWitness) btclctypes.InclusionProof {
		tx, err := bitcoin.DecodeTx(valid.Tx)
		if err != nil {
			t.Fatal(err)
		}
		tx.TxIn[0].Witness = witness
		var buf bytes.Buffer
		if err := tx.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		p := valid
		p.Tx = buf.Bytes()
		if got, _ := bitcoin.DecodeTx(p.Tx); got.TxHash() != mined.Spends[0].Spending.TxHash() {
			t.Fatal("rewriting the witness changed the txid")
		}
		return p
	}
	sig := mined.Spends[0].Spending.TxIn[0].Witness[0]
	bobKey := bitcoinKey(bob).PubKey().SerializeCompressed()
	edit := func(f func(p *btclctypes.InclusionProof)) btclctypes.InclusionProof {
		p := valid
		p.MerkleSiblings = append([][]byte(nil), valid.MerkleSiblings...)
		f(&p)
		return p
	}
	cases := []struct {
		name      string
		submitter string
		proof     btclctypes.InclusionProof
		want      error
	}{
		{"a submitter that is no address", "hemi1nope", valid, sdkerrors.ErrInvalidAddress},
		{"the coinbase's index", bob.String(), edit(func(p *btclctypes.InclusionProof) { p.TxIndex = 0 }), inboxtypes.ErrCoinbaseTx},
		{"no funding tx", bob.String(), edit(func(p *btclctypes.InclusionProof) { p.FundingTx = nil }), inboxtypes.ErrNoFundingTx},
		{"a transaction over the size bound", bob.String(), edit(func(p *btclctypes.InclusionProof) {
			p.Tx = append(append([]byte(nil), p.Tx...), make([]byte, inboxtypes.MaxInboxTxBytes)...)
		}), inboxtypes.ErrProofTooLarge},
		{"another funding tx", bob.String(), edit(func(p *btclctypes.InclusionProof) {
			p.FundingTx = inboxProof(t, mined, mined.Spends[1]).FundingTx
		}), btclctypes.ErrInvalidFundingTx},
		{"a wrong merkle path", bob.String(), edit(func(p *btclctypes.InclusionProof) { p.MerkleSiblings[0] = make([]byte, 32) }), btclctypes.ErrInvalidSPVProof},
		{"a block x/btclc does not hold", bob.String(), inboxProof(t, unrelayed, unrelayed.Spends[0]), btclctypes.ErrNotOnMainChain},
		{"no HEMF output", bob.String(), inboxProof(t, mined, mined.Spends[1]), inboxtypes.ErrNoOperation},
		{"the witness stripped", bob.String(), withWitness(nil), inboxtypes.ErrNoSigner},
		{"the witness naming bob's key", bob.String(), withWitness(wire.TxWitness{sig, bobKey}), inboxtypes.ErrNoSigner},
	}
	for _, tc := range cases {
		_, err := c.App().InboxKeeper.SubmitInboxTx(c.Context(), &inboxtypes.MsgSubmitInboxTx{Submitter: tc.submitter, Proof: tc.proof})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if n := inboxRecords(t, c); n != 0 {
			t.Fatalf("%s: refused, but x/inbox holds %d records", tc.name, n)
		}
	}

	// An operation whose second input carries a 12 kB witness: the txid does not commit to it and
	// the chain reads input 0's alone, so the proof honest nodes build (the signer form) is small
	// and taken, and the node guard, judging that form, counts the operation as one the chain
	// takes. The same transaction sent with every witness is over the bound.
	bulky := datagen.SignedSpend(t, inboxSpend(t, bitcoinKey(alice), transferPayload(t, bob.Address, bitcoin.InboxAhemi, big.NewInt(6))), chainhash.Hash{0x61})
	bulky.Spending.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{0x62}}, Sequence: wire.MaxTxInSequenceNum,
		Witness: wire.TxWitness{make([]byte, 12_000)}})
	bulkyBlock := datagen.MineTxBlock(t, mined.Header(), 3, bulky.Funding, bulky.Spending)
	c.FinalizeTxs(encodeEntry(t, &inject.Entry{Headers: [][]byte{bulkyBlock.RawHeader}}))
	bulkyProof, err := btclctypes.NewInclusionProof(bulkyBlock.Block, bulky.Spending.TxHash(), bulky.Funding)
	if err != nil {
		t.Fatal(err)
	}
	if len(bulkyProof.Tx) > inboxtypes.MaxInboxTxBytes {
		t.Fatalf("the proof of a transaction with a large witness on input 1 carries %d bytes", len(bulkyProof.Tx))
	}
	if ops, unread := watcher.InboxOpsOf(c.Context(), fundingSource{bulky.Funding}, bulkyBlock.Block, 2); len(ops) != 1 ||
		ops[0].TxID != bulky.Spending.TxHash() || ops[0].Account != [20]byte(alice.Address) || len(unread) != 0 {
		t.Fatalf("the node guard finds %+v (and %d unread) in the block, want the operation, as alice", ops, len(unread))
	}
	var full bytes.Buffer
	if err := bulky.Spending.Serialize(&full); err != nil {
		t.Fatal(err)
	}
	fullProof := bulkyProof
	fullProof.Tx = full.Bytes()
	if _, err := c.App().InboxKeeper.SubmitInboxTx(c.Context(), &inboxtypes.MsgSubmitInboxTx{Submitter: bob.String(), Proof: fullProof}); !errors.Is(err, inboxtypes.ErrProofTooLarge) {
		t.Fatalf("the transaction with every witness: %v, want ErrProofTooLarge", err)
	}
	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(bob, 400_000, &inboxtypes.MsgSubmitInboxTx{Submitter: bob.String(), Proof: bulkyProof})), 0)
	inboxOp(t, c, bulky.Spending.TxHash())

	// bob relays alice's operation: it is hers.
	msg := &inboxtypes.MsgSubmitInboxTx{Submitter: bob.String(), Proof: valid}
	apptest.RequireTxOK(t, c.NextBlock(c.SignTx(bob, 400_000, msg)), 0)
	if o := inboxOp(t, c, mined.Spends[0].Spending.TxHash()); o.Account != alice.String() || o.Status != inboxtypes.OP_STATUS_PENDING {
		t.Fatalf("the relayed operation: %+v, want pending as alice", o)
	}
	res := c.FinalizeTxs(c.SignTx(bob, 400_000, msg))
	if r := res.TxResults[0]; r.Codespace != inboxtypes.ModuleName || r.Code != inboxtypes.ErrDuplicateOp.ABCICode() {
		t.Fatalf("the same proof again: code %d (%s) %q, want ErrDuplicateOp", r.Code, r.Codespace, r.Log)
	}

	msgs := inboxkeeper.NewMsgServerImpl(c.App().InboxKeeper)
	authority := c.App().InboxKeeper.Authority()
	p := inboxtypes.Params{MinConfirmations: 3, InboxDeadline: 10}
	if _, err := msgs.UpdateParams(c.Context(), &inboxtypes.MsgUpdateParams{Authority: bob.String(), Params: p}); err == nil {
		t.Fatal("bob replaced x/inbox's params")
	}
	bad := inboxtypes.Params{MinConfirmations: 6, InboxDeadline: 5}
	if _, err := msgs.UpdateParams(c.Context(), &inboxtypes.MsgUpdateParams{Authority: authority, Params: bad}); !errors.Is(err, inboxtypes.ErrInvalidParams) {
		t.Fatalf("a deadline below min_confirmations: %v, want ErrInvalidParams", err)
	}
	if got, _ := c.App().InboxKeeper.GetParams(c.Context()); got != inboxtypes.DefaultParams() {
		t.Fatalf("refused updates changed the params to %+v", got)
	}
	if _, err := msgs.UpdateParams(c.Context(), &inboxtypes.MsgUpdateParams{Authority: authority, Params: p}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.App().InboxKeeper.GetParams(c.Context()); got != p {
		t.Fatalf("params %+v after the update, want %+v", got, p)
	}
}

// TestInboxFailuresAreRecorded: a transfer to an address that may not receive coins (a module
// account) and a withdrawal whose max_fee_sats is below x/tunnel's fee allowance run and fail,
// each recorded with its registered reason, and change no balance.
func TestInboxFailuresAreRecorded(t *testing.T) {
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7001).PubKey())
	c := apptest.New(t, apptest.Options{Genesis: satGenesis(vault, 100_000)})
	alice := c.Accounts[0]
	key := bitcoinKey(alice)
	blocked := authtypes.NewModuleAddress(tunneltypes.ModuleName)
	if !c.App().BankKeeper.BlockedAddr(blocked) {
		t.Fatalf("x/tunnel's module account %s is not blocked; pick another", blocked)
	}
	tunnelParams, err := c.App().TunnelKeeper.GetParams(c.Context())
	if err != nil {
		t.Fatal(err)
	}
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1,
		inboxSpend(t, key, transferPayload(t, blocked, bitcoin.InboxAhemi, big.NewInt(7))),
		inboxSpend(t, key, bitcoin.InboxPayload{Op: bitcoin.InboxWithdrawal, AmountSats: 30_000,
			MaxFeeSats: tunnelParams.WithdrawalMaxFeeSats - 1, Script: datagen.P2WPKHScript(t, key.PubKey())}),
	)
	e := &inject.Entry{Headers: [][]byte{mined.RawHeader}}
	for _, s := range mined.Spends {
		e.Inbox = append(e.Inbox, inboxProof(t, mined, s))
	}
	bz := encodeEntry(t, e)
	if got := c.ProcessProposal(bz); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal: %s", got)
	}
	c.FinalizeTxs(bz)
	ctx := c.Context()
	before := c.App().BankKeeper.GetAllBalances(ctx, alice.Address)
	c.FinalizeTxs(encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(datagen.RegtestChain(t, *mined.Header(), 5, 2))}))
	for i, want := range []error{inboxtypes.ErrBlockedRecipient, inboxtypes.ErrFeeAboveMax} {
		o := inboxOp(t, c, mined.Spends[i].Spending.TxHash())
		if o.Status != inboxtypes.OP_STATUS_FAILED || !strings.Contains(o.Reason, want.Error()) {
			t.Errorf("operation %d: %s %q, want failed with %q", i, o.Status, o.Reason, want)
		}
	}
	if after := c.App().BankKeeper.GetAllBalances(c.Context(), alice.Address); !after.Equal(before) {
		t.Fatalf("alice's balances went from %s to %s through failed operations", before, after)
	}
}
