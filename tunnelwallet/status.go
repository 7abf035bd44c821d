package tunnelwallet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/bitcoin/rpc"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// ErrDepositRefused: the chain recorded the deposit but refused to mint it.
var ErrDepositRefused = errors.New("the chain refused to mint the deposit")

// TxState is a Bitcoin node's view of a transaction.
type TxState struct {
	Found         bool // in the node's mempool or chain
	Confirmations int64
	BlockHash     chainhash.Hash // zero while unconfirmed
}

// NodeTxState asks the node about txid (getrawtransaction, verbose; btcd needs --txindex for
// transactions no longer in its mempool). A node that knows nothing of it answers Found false.
func NodeTxState(ctx context.Context, node *rpc.Client, txid chainhash.Hash) (TxState, error) {
	var res struct {
		Confirmations int64  `json:"confirmations"`
		BlockHash     string `json:"blockhash"`
	}
	err := node.Call(ctx, "getrawtransaction", []any{txid.String(), 1}, &res)
	var rpcErr *rpc.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == rpc.CodeInvalidAddressOrKey {
		return TxState{}, nil
	}
	if err != nil {
		return TxState{}, err
	}
	st := TxState{Found: true, Confirmations: max(res.Confirmations, 0)}
	if res.BlockHash != "" {
		if st.BlockHash, err = rpc.ParseHash(res.BlockHash); err != nil {
			return TxState{}, node.BadAnswer("getrawtransaction", err)
		}
	}
	return st, nil
}

// DepositState is where a deposit stands on the chain.
type DepositState struct {
	// Status is the chain's; DEPOSIT_STATUS_UNSPECIFIED while the outpoint is not recorded
	// (unproven).
	Status tunneltypes.DepositStatus
	// Line says it in one line: "unproven: …", "pending: k/N confirmations …", "minted at hemi
	// height H …", "refused: …".
	Line string
}

// Final reports whether the deposit will not move any more: minted or refused.
func (s DepositState) Final() bool {
	return s.Status == tunneltypes.DEPOSIT_STATUS_MINTED || s.Status == tunneltypes.DEPOSIT_STATUS_REFUSED
}

// DepositStatus asks x/tunnel where the deposit at outpoint (txid:vout) stands. btc, if not nil,
// tells what the Bitcoin node knows of an unproven deposit's transaction.
func DepositStatus(ctx context.Context, q tunneltypes.QueryClient, outpoint string, btc func(context.Context, chainhash.Hash) (TxState, error)) (DepositState, error) {
	op, err := tunneltypes.ParseOutpoint(outpoint)
	if err != nil {
		return DepositState{}, err
	}
	params, err := q.Params(ctx, &tunneltypes.QueryParamsRequest{})
	if err != nil {
		return DepositState{}, fmt.Errorf("x/tunnel params: %w", err)
	}
	need := params.Params.MinConfirmations
	res, err := q.Deposit(ctx, &tunneltypes.QueryDepositRequest{Outpoint: outpoint})
	if status.Code(err) == codes.NotFound {
		line := "unproven: not recorded on hemi yet; a relayer proves it once it is mined"
		if btc != nil {
			st, err := btc(ctx, op.K1())
			switch {
			case err != nil:
				line += fmt.Sprintf(" (the Bitcoin node did not say where the transaction is: %v)", err)
			case !st.Found:
				line = fmt.Sprintf("unproven: the Bitcoin node knows no transaction %s (replaced by a fee bump, or dropped? a bumped deposit has a new txid: watch that one)", op.K1())
			case st.Confirmations == 0:
				line = "unproven: in the Bitcoin mempool, not mined yet"
			default:
				line = fmt.Sprintf("unproven: mined in Bitcoin block %s (%d confirmations), waiting for a relayer to prove it", st.BlockHash, st.Confirmations)
			}
		}
		if !params.Params.DepositsEnabled {
			line += "; deposits are disabled on the chain (circuit breaker) until governance re-enables them"
		}
		return DepositState{Line: line}, nil
	}
	if err != nil {
		return DepositState{}, fmt.Errorf("x/tunnel deposit %s: %w", outpoint, err)
	}
	d := res.Deposit
	switch d.Status {
	case tunneltypes.DEPOSIT_STATUS_PENDING:
		line := fmt.Sprintf("pending %d/%d confirmations: %d sat to %s, Bitcoin block %d %s", res.Confirmations, need, d.Amount, d.Recipient, d.BtcHeight, d.BtcBlockHash)
		if !params.Params.DepositsEnabled {
			line += "; minting paused: deposits are disabled (circuit breaker) until governance re-enables them"
		}
		return DepositState{Status: d.Status, Line: line}, nil
	case tunneltypes.DEPOSIT_STATUS_MINTED:
		return DepositState{Status: d.Status, Line: fmt.Sprintf("minted at hemi height %d: %d sat to %s", d.MintedHeight, d.Amount, d.Recipient)}, nil
	case tunneltypes.DEPOSIT_STATUS_REFUSED:
		return DepositState{Status: d.Status, Line: fmt.Sprintf("refused: the chain would not mint %d sat to %s (an account that may not hold coins); nothing was minted", d.Amount, d.Recipient)}, nil
	}
	return DepositState{}, fmt.Errorf("x/tunnel deposit %s has status %v", outpoint, d.Status)
}

// WatchDeposit prints the deposit's status line each time it changes, polling every poll, until
// it is minted (nil), refused (ErrDepositRefused) or ctx ends (its error, with the last status).
// Query errors are printed and retried: the node may be restarting. prove, if not nil, is called
// while the deposit is unproven, to prove it without waiting for a relayer; its errors are
// printed and it is tried again.
func WatchDeposit(ctx context.Context, q tunneltypes.QueryClient, outpoint string, btc func(context.Context, chainhash.Hash) (TxState, error),
	prove func(context.Context) (ProveOutcome, error), poll time.Duration, print func(string),
) error {
	if _, err := tunneltypes.ParseOutpoint(outpoint); err != nil {
		return err
	}
	last := ""
	for {
		st, err := DepositStatus(ctx, q, outpoint, btc)
		line := st.Line
		if err != nil {
			line = "status unknown: " + err.Error()
		}
		if err == nil && st.Status == tunneltypes.DEPOSIT_STATUS_UNSPECIFIED && prove != nil {
			switch outcome, perr := prove(ctx); {
			case perr != nil:
				line += "; proving it failed: " + perr.Error()
			case outcome == Proven || outcome == AlreadyProven:
				if st, err = DepositStatus(ctx, q, outpoint, btc); err != nil {
					line = "status unknown: " + err.Error()
				} else {
					line = st.Line
				}
			}
		}
		if line != last && ctx.Err() == nil {
			print(line)
			last = line
		}
		switch {
		case err == nil && st.Status == tunneltypes.DEPOSIT_STATUS_MINTED:
			return nil
		case err == nil && st.Status == tunneltypes.DEPOSIT_STATUS_REFUSED:
			return fmt.Errorf("%w: %s", ErrDepositRefused, outpoint)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deposit %s is not minted yet (%s): %w", outpoint, last, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// ProvenanceLine says where a deposit comes from, in its three parts: the lock proof in Bitcoin,
// the hemi blocks that proved and minted it, and the keystone covering its minting block with
// that keystone's Bitcoin block and whether it is superfinal.
func ProvenanceLine(ctx context.Context, q tunneltypes.QueryClient, outpoint string) (string, error) {
	res, err := q.Provenance(ctx, &tunneltypes.QueryProvenanceRequest{Outpoint: outpoint})
	if err != nil {
		return "", fmt.Errorf("x/tunnel provenance %s: %w", outpoint, err)
	}
	lock := fmt.Sprintf("lock proof: Bitcoin block %d %s, %d confirmations", res.Lock.BtcHeight, res.Lock.BtcBlockHash, res.Lock.Confirmations)
	if !res.Lock.OnMainChain {
		lock += " (no longer on x/btclc's main chain)"
	}
	m := res.Minting
	minting := fmt.Sprintf("minting: proven at hemi height %d", m.ProvenHeight)
	if m.ProvenTxHash != "" {
		minting += " by tx " + m.ProvenTxHash
	}
	if m.MintedHeight != 0 {
		minting += fmt.Sprintf(", minted at hemi height %d", m.MintedHeight)
	} else {
		minting += ", not minted yet"
	}
	lock += "; " + minting
	if !res.Anchoring.Found || res.Anchoring.Keystone == nil {
		return lock + "; anchoring: no keystone covers the minting block yet", nil
	}
	s := res.Anchoring.Status
	anchor := fmt.Sprintf("anchoring: keystone %d", res.Anchoring.Keystone.Height)
	// The earliest publication still on the main chain (the list is earliest first).
	for _, p := range s.Publications {
		if p.OnMainChain {
			anchor += fmt.Sprintf(" published in Bitcoin block %d %s", p.Publication.BtcHeight, p.Publication.BtcBlockHash)
			break
		}
	}
	if s.EffectiveBtcHeight != 0 && s.EffectiveBtcHeight != s.FirstBtcHeight {
		anchor += fmt.Sprintf(" (anchored from Bitcoin height %d by a later keystone)", s.EffectiveBtcHeight)
	}
	anchor += fmt.Sprintf(", %d publications, %d Bitcoin confirmations", len(s.Publications), s.Confirmations)
	if s.Superfinal {
		anchor += ", superfinal"
	} else {
		anchor += ", not superfinal yet"
	}
	return lock + "; " + anchor, nil
}

// WithdrawalStatus says in one line where withdrawal id stands. lc, if not nil, gives x/btclc's
// tip, to tell how far the deadline is.
func WithdrawalStatus(ctx context.Context, q tunneltypes.QueryClient, lc btclctypes.QueryClient, id uint64) (tunneltypes.WithdrawalView, string, error) {
	res, err := q.Withdrawal(ctx, &tunneltypes.QueryWithdrawalRequest{Id: id})
	if err != nil {
		return tunneltypes.WithdrawalView{}, "", fmt.Errorf("x/tunnel withdrawal %d: %w", id, err)
	}
	w := res.Withdrawal
	to := "script " + w.Script
	switch w.Status {
	case tunneltypes.WITHDRAWAL_STATUS_QUEUED:
		line := fmt.Sprintf("queued: %d sat (less at most %d sat fee) to %s, deadline Bitcoin height %d", w.Amount, w.MaxFee, to, w.Deadline)
		if lc != nil {
			if tip, err := lc.Tip(ctx, &btclctypes.QueryTipRequest{}); err == nil {
				if tip.Header.Height > w.Deadline {
					line += fmt.Sprintf(" (passed: x/btclc's tip is %d; anyone may refund it with `hemid tx tunnel refund-withdrawal %d`)", tip.Header.Height, id)
				} else {
					line += fmt.Sprintf(" (%d Bitcoin blocks left)", w.Deadline-tip.Header.Height)
				}
			}
		}
		return w, line, nil
	case tunneltypes.WITHDRAWAL_STATUS_COMPLETED:
		return w, fmt.Sprintf("completed at hemi height %d: paid to %s by Bitcoin transaction %s", w.ClosedHeight, to, w.BtcTxid), nil
	case tunneltypes.WITHDRAWAL_STATUS_REFUNDED:
		return w, fmt.Sprintf("refunded at hemi height %d: %d sat re-minted to %s (the custodian missed the deadline)", w.ClosedHeight, w.Amount, w.Sender), nil
	}
	return w, "", fmt.Errorf("x/tunnel withdrawal %d has status %v", id, w.Status)
}

// ParseWithdrawalID reads a withdrawal id.
func ParseWithdrawalID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("withdrawal id %q: give the positive number `hemid tx tunnel withdraw` returned", s)
	}
	return id, nil
}
