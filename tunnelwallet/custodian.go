package tunnelwallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// ErrNotCustodian: the wallet's key is not the vault's.
var ErrNotCustodian = errors.New("this key is not the vault's custodian")

// PaymentOutputs are the outputs of the custodian's payment of withdrawal w when its Bitcoin fee
// is fee sat: amount − min(fee, max_fee) to the withdrawal's script (the user bears the fee up to
// max_fee, the vault the rest), then OP_RETURN "HEMW" ‖ id, the payload MsgProveWithdrawal reads.
// It returns the outputs and what the script is paid.
func PaymentOutputs(w tunneltypes.WithdrawalView, fee int64) ([]*wire.TxOut, int64, error) {
	script, err := hex.DecodeString(w.Script)
	if err != nil {
		return nil, 0, fmt.Errorf("withdrawal %d: script %q is not hex", w.Id, w.Script)
	}
	if err := tunneltypes.ValidatePayoutScript(script); err != nil {
		return nil, 0, fmt.Errorf("withdrawal %d: %w", w.Id, err)
	}
	if w.Amount > tunneltypes.MaxSats || w.MaxFee >= w.Amount || fee < 0 {
		return nil, 0, fmt.Errorf("withdrawal %d: amount %d, max_fee %d and fee %d do not leave a payment", w.Id, w.Amount, w.MaxFee, fee)
	}
	paid := int64(w.Amount) - min(fee, int64(w.MaxFee))
	return []*wire.TxOut{
		wire.NewTxOut(paid, script),
		wire.NewTxOut(0, bitcoin.WithdrawalScript(w.Id)),
	}, paid, nil
}

// BuildPayment builds and signs the payment of withdrawal w from the vault's coins at feeRate
// sat/vB (see PaymentOutputs), with change back to the vault, and returns it with what it pays
// the withdrawal's script and its fee. Every coin of the wallet pays the vault, so input 0 spends
// a vault output, as x/tunnel requires.
func BuildPayment(wal *wallet.Wallet, utxos []wallet.UTXO, w tunneltypes.WithdrawalView, feeRate int64) (*wire.MsgTx, int64, int64, error) {
	// The fee depends on the inputs the payment needs; a first build at the full amount finds
	// them, and paying less than that can only need as many or fewer.
	outputs, _, err := PaymentOutputs(w, 0)
	if err != nil {
		return nil, 0, 0, err
	}
	_, fee, err := wal.BuildTx(utxos, outputs, feeRate)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("withdrawal %d: %w", w.Id, err)
	}
	outputs, paid, err := PaymentOutputs(w, fee)
	if err != nil {
		return nil, 0, 0, err
	}
	tx, fee, err := wal.BuildTx(utxos, outputs, feeRate)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("withdrawal %d: %w", w.Id, err)
	}
	return tx, paid, fee, nil
}

// Payment is a transaction of the vault that carries a withdrawal id, with the transaction its
// first input spends (the funding transaction x/tunnel's proof needs).
type Payment struct {
	Tx      *wire.MsgTx
	Funding *wire.MsgTx
}

// Payments finds, by withdrawal id, the vault's payments among txs (the vault address's history,
// mempool included): transactions whose input 0 spends an output paying vault, created by a
// transaction among txs, and that carry a HEMW id, in the order of txs. A transaction anyone
// else sends with a HEMW id, without spending the vault, is not a payment. One id may have
// several: a vault shared with another chain, or used before a restart of this one, carries
// the same ids for other withdrawals; PaymentOf picks the one that pays a given withdrawal.
func Payments(txs []*wire.MsgTx, vault []byte) map[uint64][]Payment {
	byID := make(map[chainhash.Hash]*wire.MsgTx, len(txs))
	for _, tx := range txs {
		byID[tx.TxHash()] = tx
	}
	payments := map[uint64][]Payment{}
	for _, tx := range txs {
		if len(tx.TxIn) == 0 {
			continue
		}
		prev := tx.TxIn[0].PreviousOutPoint
		funding := byID[prev.Hash]
		if funding == nil || int(prev.Index) >= len(funding.TxOut) || !bytes.Equal(funding.TxOut[prev.Index].PkScript, vault) {
			continue
		}
		id, err := bitcoin.FindWithdrawalID(tx)
		if err != nil {
			continue
		}
		payments[id] = append(payments[id], Payment{Tx: tx, Funding: funding})
	}
	return payments
}

// PaymentOf returns the first of payments (the vault's transactions carrying w's id) that pays
// w's script at least amount − max_fee, the rule MsgProveWithdrawal applies. A transaction with
// w's id that pays something else is another withdrawal's, and does not make w paid.
func PaymentOf(payments []Payment, w tunneltypes.WithdrawalView) (Payment, bool) {
	script, err := hex.DecodeString(w.Script)
	if err != nil {
		return Payment{}, false
	}
	due := tunneltypes.Withdrawal{Amount: w.Amount, MaxFee: w.MaxFee}.Due()
	for _, p := range payments {
		if paid := tunneltypes.PaidTo(p.Tx, script); paid > 0 && paid >= due {
			return p, true
		}
	}
	return Payment{}, false
}

// Custodian pays the chain's queued withdrawals from the vault and proves its payments.
//
// It never pays a withdrawal twice: before paying, it reads the vault address's whole history
// from the Bitcoin node (mempool included) and skips every withdrawal a vault transaction already
// pays (PaymentOf: its id, and its script at least amount − max_fee), whether that transaction is
// confirmed or not, and it pays only withdrawals the chain lists as queued. The chain's state and
// the node's history are the only state, so a restart does not pay again. Two processes running
// a round at once could both pay, unless their payments conflict: run one per vault. One gap: a
// payment that every mempool dropped unconfirmed is no longer in the history, so its withdrawal
// is paid again, and were the dropped transaction broadcast again later, both could confirm. The
// vault's node must therefore keep its mempool (btcd and Bitcoin Core keep transactions for two
// weeks) and the fee cap must let payments confirm well within that.
//
// While x/tunnel's circuit breaker holds deposits disabled it pays nothing (it still proves what
// it paid before): a minted deposit was reorged away, so some sat may be unbacked, and no BTC
// leaves the vault for them until governance has looked; an unpaid withdrawal is refunded in sat.
//
// It pays only withdrawals that can be proven before anyone may refund them: a payment needs
// min_confirmations blocks, and a refund is possible once x/btclc's tip passes the deadline, so
// one closer than that to its deadline is left to be refunded rather than paid twice.
type Custodian struct {
	Wallet     *wallet.Wallet
	Node       *rpc.Client
	Tunnel     tunneltypes.QueryClient
	BTCLC      btclctypes.QueryClient
	ConfTarget int64
	// Send sends a hemi transaction (nil: payments are not proven here).
	Send      Sender
	Submitter string
	// IDs, if not empty, are the only withdrawals to pay.
	IDs []uint64
	// Print reports what the custodian did, one line at a time.
	Print func(string)

	// said is the last problem said about each withdrawal (0: the round itself), so that a
	// loop does not repeat it every round.
	said map[uint64]string
}

// sayOnce reports a problem with withdrawal id (0: the round), once until it changes.
func (c *Custodian) sayOnce(id uint64, line string) {
	if c.said == nil {
		c.said = map[uint64]string{}
	}
	if c.said[id] != line {
		c.said[id] = line
		c.Print(line)
	}
}

// Round pays every queued withdrawal not paid yet, and proves each payment that is deep enough
// and whose withdrawal is still queued. It returns the number of payments it broadcast. Errors of
// one withdrawal are reported and the others still handled; the first is returned.
func (c *Custodian) Round(ctx context.Context) (int, error) {
	res, err := c.Tunnel.Params(ctx, &tunneltypes.QueryParamsRequest{})
	if err != nil {
		return 0, fmt.Errorf("x/tunnel params: %w", err)
	}
	params := res.Params
	if len(params.VaultScript) == 0 {
		return 0, errors.New("the chain has no vault configured (params.vault_script is empty): nothing to pay")
	}
	if !bytes.Equal(params.VaultScript, c.Wallet.PkScript()) {
		return 0, fmt.Errorf("%w: the vault script is %x, this key's %s script is %x (%s): use the custodian's key, or --address-kind of the vault",
			ErrNotCustodian, params.VaultScript, c.Wallet.Kind(), c.Wallet.PkScript(), c.Wallet.Address())
	}
	queued, err := c.queued(ctx)
	if err != nil {
		return 0, err
	}
	if len(queued) == 0 {
		return 0, nil
	}
	tip, err := c.BTCLC.Tip(ctx, &btclctypes.QueryTipRequest{})
	if err != nil {
		return 0, fmt.Errorf("x/btclc tip: %w", err)
	}
	history, err := c.Wallet.History(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading the vault's transactions from the Bitcoin node (btcd needs --txindex --addrindex): %w", err)
	}
	payments := Payments(history, params.VaultScript)

	var errs []error
	paid := 0
	for _, w := range queued {
		if p, ok := PaymentOf(payments[w.Id], w); ok {
			if err := c.prove(ctx, w, p, params.MinConfirmations); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if !params.DepositsEnabled {
			c.sayOnce(w.Id, fmt.Sprintf("withdrawal %d: not paid: deposits are disabled (x/tunnel's circuit breaker: a minted deposit's Bitcoin block left the chain, so some sat may be unbacked); nothing is paid until governance re-enables them, and a withdrawal left past its deadline is refunded in sat",
				w.Id))
			continue
		}
		if tip.Header.Height+uint64(params.MinConfirmations) > w.Deadline {
			c.sayOnce(w.Id, fmt.Sprintf("withdrawal %d: not paid: its deadline, Bitcoin height %d, is less than min_confirmations (%d) blocks after x/btclc's tip %d, so a payment could not be proven before a refund; it is left to be refunded",
				w.Id, w.Deadline, params.MinConfirmations, tip.Header.Height))
			continue
		}
		p, err := c.pay(ctx, w)
		if err != nil {
			c.sayOnce(w.Id, fmt.Sprintf("withdrawal %d: not paid: %v", w.Id, err))
			errs = append(errs, err)
			continue
		}
		payments[w.Id] = append(payments[w.Id], p)
		paid++
	}
	if len(errs) > 0 {
		return paid, errs[0]
	}
	return paid, nil
}

// Run calls Round every poll until ctx ends.
func (c *Custodian) Run(ctx context.Context, poll time.Duration) error {
	for {
		if _, err := c.Round(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrNotCustodian) {
				return err
			}
			c.sayOnce(0, "round failed, retrying: "+err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// queued lists the queued withdrawals the custodian is to pay, by id.
func (c *Custodian) queued(ctx context.Context) ([]tunneltypes.WithdrawalView, error) {
	var out []tunneltypes.WithdrawalView
	var key []byte
	for {
		res, err := c.Tunnel.Withdrawals(ctx, &tunneltypes.QueryWithdrawalsRequest{
			Status: tunneltypes.WITHDRAWAL_STATUS_QUEUED, Pagination: &query.PageRequest{Key: key, Limit: 100},
		})
		if err != nil {
			return nil, fmt.Errorf("x/tunnel queued withdrawals: %w", err)
		}
		for _, w := range res.Withdrawals {
			if w.Status == tunneltypes.WITHDRAWAL_STATUS_QUEUED && (len(c.IDs) == 0 || slices.Contains(c.IDs, w.Id)) {
				out = append(out, w)
			}
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			break
		}
		key = res.Pagination.NextKey
	}
	slices.SortFunc(out, func(a, b tunneltypes.WithdrawalView) int { return cmpUint(a.Id, b.Id) })
	return out, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pay builds, signs and broadcasts the payment of w.
func (c *Custodian) pay(ctx context.Context, w tunneltypes.WithdrawalView) (Payment, error) {
	// Unconfirmed change counts: the payments of one round chain on each other.
	utxos, err := c.Wallet.UTXOs(ctx, 0)
	if err != nil {
		return Payment{}, fmt.Errorf("the vault's coins: %w", err)
	}
	rate, err := c.Wallet.FeeRate(ctx, c.ConfTarget)
	if err != nil {
		return Payment{}, fmt.Errorf("fee rate: %w", err)
	}
	tx, paid, fee, err := BuildPayment(c.Wallet, utxos, w, rate)
	if err != nil {
		return Payment{}, err
	}
	var funding *wire.MsgTx
	for _, u := range utxos {
		if u.OutPoint == tx.TxIn[0].PreviousOutPoint {
			funding = u.SourceTx
		}
	}
	txid, err := c.Wallet.Broadcast(ctx, tx)
	if err != nil {
		return Payment{}, fmt.Errorf("broadcasting the payment: %w", err)
	}
	c.Print(fmt.Sprintf("withdrawal %d: paid %d sat (amount %d less %d sat toward the Bitcoin fee, which is %d sat) to script %s in Bitcoin transaction %s",
		w.Id, paid, w.Amount, int64(w.Amount)-paid, fee, w.Script, txid))
	return Payment{Tx: tx, Funding: funding}, nil
}

// prove proves w's payment p once it is min_confirmations deep. Too shallow is not an error: a
// later round proves it.
func (c *Custodian) prove(ctx context.Context, w tunneltypes.WithdrawalView, p Payment, minConf uint32) error {
	if c.Send == nil {
		return nil
	}
	outcome, err := ProveWithdrawal(ctx, c.Node, c.Send, c.Submitter, w.Id, p, int64(minConf))
	if err != nil {
		c.sayOnce(w.Id, fmt.Sprintf("withdrawal %d: %v", w.Id, err))
		return err
	}
	if outcome == Proven {
		c.Print(fmt.Sprintf("withdrawal %d: proved payment %s: completed", w.Id, p.Tx.TxHash()))
	}
	return nil
}
