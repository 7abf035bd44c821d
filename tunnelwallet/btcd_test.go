package tunnelwallet_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/core/header"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"google.golang.org/grpc"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	"github.com/hemi-appchain/hemi/testutil/btcdtest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	"github.com/hemi-appchain/hemi/tunnelwallet"
	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	popkeeper "github.com/hemi-appchain/hemi/x/pop/keeper"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunnelkeeper "github.com/hemi-appchain/hemi/x/tunnel/keeper"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// chain is x/btclc, x/pop and x/tunnel's real keepers (testutil/keeper) that the test drives
// block by block, with x/btclc fed the headers of a btcd node.
type chain struct {
	t      *testing.T
	env    *testkeeper.Env
	ctx    sdk.Context
	btclc  btclckeeper.Keeper
	pop    popkeeper.Keeper
	tunnel tunnelkeeper.Keeper
	bank   *testkeeper.Bank
	height int64
	synced int64 // the last btcd height relayed
	node   *btcdtest.Node
}

func newChain(t *testing.T, node *btcdtest.Node, params tunneltypes.Params) *chain {
	env, lc, pop, tunnel, bank := testkeeper.BTCLCPopAndTunnel(t)
	c := &chain{t: t, env: env, ctx: env.Ctx, btclc: lc, pop: pop, tunnel: tunnel, bank: bank, node: node}
	must(t, lc.InitGenesis(c.ctx, btclctypes.DefaultGenesis()))
	must(t, pop.InitGenesis(c.ctx, poptypes.DefaultGenesis()))
	gs := tunneltypes.DefaultGenesis()
	gs.Params = params
	must(t, tunnel.InitGenesis(c.ctx, gs))
	env.Commit()
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// block runs one hemi block, with fn inside it, in the app's order.
func (c *chain) block(fn func() error) error {
	c.height++
	h := c.height
	hash := []byte(fmt.Sprintf("%032d", h))
	c.ctx = c.ctx.WithBlockHeight(h).WithHeaderHash(hash).
		WithHeaderInfo(header.Info{Height: h, Hash: hash, AppHash: hash, Time: testkeeper.BlockTime}).
		WithEventManager(sdk.NewEventManager())
	must(c.t, c.pop.BeginBlocker(c.ctx))
	var err error
	if fn != nil {
		err = fn()
	}
	must(c.t, c.btclc.EndBlocker(c.ctx))
	must(c.t, c.pop.EndBlocker(c.ctx))
	must(c.t, c.tunnel.EndBlocker(c.ctx))
	c.env.Commit()
	return err
}

// sync relays btcd's new headers to x/btclc in one hemi block, as the relayer does.
func (c *chain) sync() {
	c.t.Helper()
	tip, _ := c.node.BestBlock()
	ctx := context.Background()
	raw, err := c.node.Client().GetHeaderRange(ctx, c.synced+1, tip)
	must(c.t, err)
	must(c.t, c.block(func() error {
		_, err := btclckeeper.NewMsgServerImpl(c.btclc).InsertHeaders(c.ctx, btclctypes.NewMsgInsertHeaders(testSubmitter(), raw))
		return err
	}))
	c.synced = tip
}

func testSubmitter() string { return sdk.AccAddress([]byte("submitter-account-20")).String() }

// tunnelQueries is x/tunnel's query service over the keeper at the chain's last block.
type tunnelQueries struct{ c *chain }

func (q tunnelQueries) s() tunnelkeeper.Querier { return tunnelkeeper.NewQuerier(q.c.tunnel) }
func (q tunnelQueries) Params(_ context.Context, r *tunneltypes.QueryParamsRequest, _ ...grpc.CallOption) (*tunneltypes.QueryParamsResponse, error) {
	return q.s().Params(q.c.ctx, r)
}
func (q tunnelQueries) Deposit(_ context.Context, r *tunneltypes.QueryDepositRequest, _ ...grpc.CallOption) (*tunneltypes.QueryDepositResponse, error) {
	return q.s().Deposit(q.c.ctx, r)
}
func (q tunnelQueries) Deposits(_ context.Context, r *tunneltypes.QueryDepositsRequest, _ ...grpc.CallOption) (*tunneltypes.QueryDepositsResponse, error) {
	return q.s().Deposits(q.c.ctx, r)
}
func (q tunnelQueries) Withdrawal(_ context.Context, r *tunneltypes.QueryWithdrawalRequest, _ ...grpc.CallOption) (*tunneltypes.QueryWithdrawalResponse, error) {
	return q.s().Withdrawal(q.c.ctx, r)
}
func (q tunnelQueries) Withdrawals(_ context.Context, r *tunneltypes.QueryWithdrawalsRequest, _ ...grpc.CallOption) (*tunneltypes.QueryWithdrawalsResponse, error) {
	return q.s().Withdrawals(q.c.ctx, r)
}
func (q tunnelQueries) Provenance(_ context.Context, r *tunneltypes.QueryProvenanceRequest, _ ...grpc.CallOption) (*tunneltypes.QueryProvenanceResponse, error) {
	return q.s().Provenance(q.c.ctx, r)
}

// btclcQueries is x/btclc's Tip query over the keeper.
type btclcQueries struct {
	btclctypes.QueryClient
	c *chain
}

func (q btclcQueries) Tip(_ context.Context, r *btclctypes.QueryTipRequest, _ ...grpc.CallOption) (*btclctypes.QueryTipResponse, error) {
	return btclckeeper.NewQuerier(q.c.btclc).Tip(q.c.ctx, r)
}

// TestDepositAndWithdrawalOnBtcd runs the wallet's code against a real btcd regtest node and the
// chain's real keepers fed that node's headers: a deposit built by BuildDeposit and broadcast to
// btcd is proven with x/tunnel's MsgProveDeposit to the right recipient and amount, goes pending
// and is minted at 6 confirmations; a withdrawal of the minted sat is paid by the Custodian from
// the vault (the deposit's own output), is not paid again by later rounds, and the Custodian's
// proof completes it.
func TestDepositAndWithdrawalOnBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	userKey := datagen.KeyFromSeed(11)
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: userKey})
	btc := node.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	user := newWallet(t, 11, wallet.P2PKH, btc)
	if user.Address().EncodeAddress() != node.MiningAddress().EncodeAddress() {
		t.Fatalf("user wallet %s, btcd mines to %s", user.Address(), node.MiningAddress())
	}
	vault := newWallet(t, 12, wallet.P2WPKH, btc)
	// btcd's regtest enforces segwit, which the vault's payments need, from height 432.
	node.Generate(440)
	c := newChain(t, node, chainParams(vault.PkScript()))
	c.sync()
	q := tunnelQueries{c}

	// The deposit.
	utxos, err := user.UTXOs(ctx, 1)
	must(t, err)
	tx, _, err := tunnelwallet.BuildDeposit(user, utxos, c.params(), 50_000, testRecipient, nil, 1)
	must(t, err)
	txid, err := user.Broadcast(ctx, tx)
	must(t, err)
	outpoint := tunnelwallet.DepositOutpoint(tx)
	st, err := tunnelwallet.DepositStatus(ctx, q, outpoint, func(ctx context.Context, h chainhash.Hash) (tunnelwallet.TxState, error) {
		return tunnelwallet.NodeTxState(ctx, btc, h)
	})
	must(t, err)
	if st.Status != tunneltypes.DEPOSIT_STATUS_UNSPECIFIED || st.Line != "unproven: in the Bitcoin mempool, not mined yet" {
		t.Fatalf("before mining: %v %q", st.Status, st.Line)
	}
	if outcome, err := tunnelwallet.ProveDeposit(ctx, btc, c.send, testSubmitter(), txid); err != nil || outcome != tunnelwallet.NotYet {
		t.Fatalf("proving an unmined deposit: %v, %v; want NotYet", outcome, err)
	}
	node.Generate(1)
	if outcome, err := tunnelwallet.ProveDeposit(ctx, btc, c.send, testSubmitter(), txid); err != nil || outcome != tunnelwallet.NotYet {
		t.Fatalf("proving a deposit whose block x/btclc lacks: %v, %v; want NotYet", outcome, err)
	}
	c.sync()
	if outcome, err := tunnelwallet.ProveDeposit(ctx, btc, c.send, testSubmitter(), txid); err != nil || outcome != tunnelwallet.Proven {
		t.Fatalf("proving the mined deposit: %v, %v", outcome, err)
	}
	if outcome, err := tunnelwallet.ProveDeposit(ctx, btc, c.send, testSubmitter(), txid); err != nil || outcome != tunnelwallet.AlreadyProven {
		t.Fatalf("proving it again: %v, %v; want AlreadyProven", outcome, err)
	}
	d, err := q.Deposit(ctx, &tunneltypes.QueryDepositRequest{Outpoint: outpoint})
	must(t, err)
	recipient := sdk.AccAddress(testRecipient[:]).String()
	if d.Deposit.Amount != 50_000 || d.Deposit.Recipient != recipient || d.Deposit.Status != tunneltypes.DEPOSIT_STATUS_PENDING {
		t.Fatalf("recorded %+v, want 50000 sat to %s, pending", d.Deposit, recipient)
	}
	if st, err := tunnelwallet.DepositStatus(ctx, q, outpoint, nil); err != nil || st.Line[:len("pending 1/6")] != "pending 1/6" {
		t.Fatalf("after the proof: %q, %v", st.Line, err)
	}
	node.Generate(5)
	c.sync()
	must(t, c.block(nil))
	if st, err := tunnelwallet.DepositStatus(ctx, q, outpoint, nil); err != nil || st.Status != tunneltypes.DEPOSIT_STATUS_MINTED {
		t.Fatalf("at 6 confirmations: %q, %v", st.Line, err)
	}
	if got := c.bank.Balance(testRecipient[:]).AmountOf(tunneltypes.Denom).Int64(); got != 50_000 {
		t.Fatalf("recipient holds %d sat, want 50000", got)
	}

	// The withdrawal, paid by the custodian from the vault.
	payee := newWallet(t, 13, wallet.P2WPKH, nil).PkScript()
	var wres *tunneltypes.MsgWithdrawResponse
	must(t, c.block(func() (err error) {
		wres, err = tunnelkeeper.NewMsgServerImpl(c.tunnel).Withdraw(c.ctx, &tunneltypes.MsgWithdraw{Sender: recipient, Amount: 25_000, BtcScript: payee})
		return err
	}))
	var printed []string
	custodian := &tunnelwallet.Custodian{
		Wallet: vault, Node: btc, Tunnel: q, BTCLC: btclcQueries{c: c}, ConfTarget: 1, Submitter: testSubmitter(),
		Send:  c.send,
		Print: func(s string) { t.Log(s); printed = append(printed, s) },
	}
	// While the circuit breaker holds deposits disabled, nothing is paid.
	setDepositsEnabled := func(on bool) {
		p := c.params()
		p.DepositsEnabled = on
		must(t, c.block(func() error {
			_, err := tunnelkeeper.NewMsgServerImpl(c.tunnel).UpdateParams(c.ctx, tunneltypes.NewMsgUpdateParams(c.env.Authority, p))
			return err
		}))
	}
	setDepositsEnabled(false)
	if paid, err := custodian.Round(ctx); err != nil || paid != 0 || len(printed) != 1 || !strings.Contains(printed[0], "not paid: deposits are disabled") {
		t.Fatalf("with the breaker tripped a round paid %d, %v, and said %q", paid, err, printed)
	}
	setDepositsEnabled(true)
	printed = nil
	paid, err := custodian.Round(ctx)
	if err != nil || paid != 1 {
		t.Fatalf("first round paid %d, %v; want 1", paid, err)
	}
	// Unconfirmed, then confirmed but not deep enough: later rounds never pay again.
	for _, blocks := range []int{0, 1} {
		if blocks > 0 {
			node.Generate(blocks)
			c.sync()
		}
		if paid, err := custodian.Round(ctx); err != nil || paid != 0 {
			t.Fatalf("a later round paid %d, %v; want 0", paid, err)
		}
	}
	history, err := vault.History(ctx)
	must(t, err)
	wview, err := q.Withdrawal(ctx, &tunneltypes.QueryWithdrawalRequest{Id: wres.Id})
	must(t, err)
	payment, ok := tunnelwallet.PaymentOf(tunnelwallet.Payments(history, vault.PkScript())[wres.Id], wview.Withdrawal)
	if !ok {
		t.Fatalf("the vault's history holds no payment of withdrawal %d", wres.Id)
	}
	if payment.Tx.TxIn[0].PreviousOutPoint != (wire.OutPoint{Hash: txid, Index: tunnelwallet.DepositVout}) {
		t.Fatalf("the payment spends %s, want the deposit %s", payment.Tx.TxIn[0].PreviousOutPoint, outpoint)
	}
	node.Generate(5)
	c.sync()
	if paid, err := custodian.Round(ctx); err != nil || paid != 0 {
		t.Fatalf("the proving round paid %d, %v", paid, err)
	}
	w, line, err := tunnelwallet.WithdrawalStatus(ctx, q, btclcQueries{c: c}, wres.Id)
	must(t, err)
	if w.Status != tunneltypes.WITHDRAWAL_STATUS_COMPLETED || w.BtcTxid != payment.Tx.TxHash().String() {
		t.Fatalf("withdrawal: %q (%v), want completed by %s; custodian said %q", line, w.Status, payment.Tx.TxHash(), printed)
	}
	if paid, err := custodian.Round(ctx); err != nil || paid != 0 {
		t.Fatalf("with nothing queued a round paid %d, %v", paid, err)
	}

	// A withdrawal whose deadline is closer than min_confirmations is left to be refunded, and
	// one outside --id is not touched.
	p := c.params()
	p.WithdrawalTimeoutBlocks = uint64(p.MinConfirmations) - 1
	must(t, c.block(func() error {
		_, err := tunnelkeeper.NewMsgServerImpl(c.tunnel).UpdateParams(c.ctx, tunneltypes.NewMsgUpdateParams(c.env.Authority, p))
		return err
	}))
	for range 2 {
		must(t, c.block(func() error {
			_, err := tunnelkeeper.NewMsgServerImpl(c.tunnel).Withdraw(c.ctx, &tunneltypes.MsgWithdraw{Sender: recipient, Amount: 11_000, BtcScript: payee})
			return err
		}))
	}
	printed = nil
	custodian.IDs = []uint64{wres.Id + 1}
	if paid, err := custodian.Round(ctx); err != nil || paid != 0 || len(printed) != 1 ||
		!strings.HasPrefix(printed[0], fmt.Sprintf("withdrawal %d: not paid: its deadline", wres.Id+1)) {
		t.Fatalf("a round over a withdrawal too close to its deadline paid %d, %v, and said %q", paid, err, printed)
	}
}

// send delivers x/tunnel messages to the keeper in a hemi block, as hemiclient's SendTx does to
// a node.
func (c *chain) send(_ context.Context, msgs ...sdk.Msg) (*sdk.TxResponse, error) {
	srv := tunnelkeeper.NewMsgServerImpl(c.tunnel)
	return &sdk.TxResponse{}, c.block(func() error {
		for _, msg := range msgs {
			var err error
			switch m := msg.(type) {
			case *tunneltypes.MsgProveDeposit:
				_, err = srv.ProveDeposit(c.ctx, m)
			case *tunneltypes.MsgProveWithdrawal:
				_, err = srv.ProveWithdrawal(c.ctx, m)
			default:
				err = fmt.Errorf("unexpected message %T", msg)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *chain) params() tunneltypes.Params {
	p, err := c.tunnel.Params.Get(c.ctx)
	must(c.t, err)
	return p
}

// TestBumpedDepositOnBtcd: a deposit fee-bumped with BumpTx is replaced in btcd's mempool; only
// the replacement is mined, the chain records and mints it under the new txid, and the original
// outpoint stays unproven, the node knowing nothing of it.
func TestBumpedDepositOnBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts btcd")
	}
	node := btcdtest.Start(t, &btcdtest.Options{MiningKey: datagen.KeyFromSeed(21)})
	btc := node.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	user := newWallet(t, 21, wallet.P2PKH, btc)
	vault := newWallet(t, 22, wallet.P2WPKH, nil)
	node.Generate(110)
	c := newChain(t, node, chainParams(vault.PkScript()))
	c.sync()
	q := tunnelQueries{c}
	nodeState := func(ctx context.Context, h chainhash.Hash) (tunnelwallet.TxState, error) {
		return tunnelwallet.NodeTxState(ctx, btc, h)
	}

	utxos, err := user.UTXOs(ctx, 1)
	must(t, err)
	original, _, err := tunnelwallet.BuildDeposit(user, utxos, c.params(), 20_000, testRecipient, nil, 1)
	must(t, err)
	_, err = user.Broadcast(ctx, original)
	must(t, err)
	bumped, fee, err := user.BumpTx(ctx, original.TxHash(), 5)
	must(t, err)
	newTxid, err := user.Broadcast(ctx, bumped)
	must(t, err)
	if fee < 5*wallet.VirtualSize(bumped) || newTxid == original.TxHash() {
		t.Fatalf("replacement %s pays %d sat for %d vB", newTxid, fee, wallet.VirtualSize(bumped))
	}
	mined := node.Generate(6)[0]
	c.sync()
	block, err := btc.GetBlock(ctx, mined)
	must(t, err)
	for _, tx := range block.Transactions {
		if tx.TxHash() == original.TxHash() {
			t.Fatal("the original deposit was mined")
		}
	}
	proof, err := btclctypes.NewInclusionProof(block, newTxid, nil)
	must(t, err)
	must(t, c.block(func() error {
		_, err := tunnelkeeper.NewMsgServerImpl(c.tunnel).ProveDeposit(c.ctx, &tunneltypes.MsgProveDeposit{Submitter: testSubmitter(), Proof: proof})
		return err
	}))
	must(t, c.block(nil))
	st, err := tunnelwallet.DepositStatus(ctx, q, tunnelwallet.DepositOutpoint(bumped), nodeState)
	if err != nil || st.Status != tunneltypes.DEPOSIT_STATUS_MINTED {
		t.Fatalf("the bumped deposit: %q, %v; want minted", st.Line, err)
	}
	st, err = tunnelwallet.DepositStatus(ctx, q, tunnelwallet.DepositOutpoint(original), nodeState)
	if err != nil || st.Status != tunneltypes.DEPOSIT_STATUS_UNSPECIFIED || !strings.Contains(st.Line, "knows no transaction") {
		t.Fatalf("the original: %q, %v; want unproven and unknown to the node", st.Line, err)
	}
	if got := c.bank.Balance(testRecipient[:]).AmountOf(tunneltypes.Denom).Int64(); got != 20_000 {
		t.Fatalf("recipient holds %d sat, want 20000 (minted once)", got)
	}
}
