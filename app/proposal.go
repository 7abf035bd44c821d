package app

import (
	"context"
	"errors"
	"math"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"

	evmtypes "github.com/cosmos/evm/x/vm/types"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cosmos/cosmos-sdk/baseapp"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"

	"github.com/hemi-appchain/hemi/app/inject"
)

// ProposalsRejected counts the proposals this node's ProcessProposal rejected, by reason: "bytes"
// (over max_bytes), "entry" (an invalid injected Bitcoin entry: bad proof of work, a bad proof, not
// first, ...), "tx" (an item that does not decode) and "gas" (over max_gas). Each rejection is also
// logged with its error. hemid start registers it with the node's Prometheus registry.
var ProposalsRejected = newProposalsRejected()

// The reasons of ProposalsRejected.
const (
	RejectedBytes = "bytes"
	RejectedEntry = "entry"
	RejectedTx    = "tx"
	RejectedGas   = "gas"
)

// newProposalsRejected makes the counter with every reason at 0, so that each is exported before
// its first rejection.
func newProposalsRejected() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "hemid", Subsystem: "proposals", Name: "rejected_total",
		Help: "Proposals this node rejected in ProcessProposal, by reason (bytes, entry, tx, gas).",
	}, []string{"reason"})
	for _, reason := range []string{RejectedBytes, RejectedEntry, RejectedTx, RejectedGas} {
		c.WithLabelValues(reason)
	}
	return c
}

// The block gas meter is disabled (the EVM meters each transaction against the block limit
// itself), so nothing at execution stops a proposer from packing a block with more gas than
// max_gas, or with bytes that are not transactions. ProcessProposal refuses such blocks before any
// validator executes them; PrepareProposal selects by the same measures, so an honest proposer's
// block always passes.

// blockLimits are a proposal's bounds from the consensus params.
type blockLimits struct {
	maxBytes int64  // total proto size of the txs
	maxGas   uint64 // summed gas limits; 0 means no limit
}

func blockLimitsOf(ctx sdk.Context) blockLimits {
	limits := blockLimits{maxBytes: cmttypes.MaxBlockSizeBytes}
	if b := ctx.ConsensusParams().Block; b != nil {
		// max_bytes = -1 means CometBFT's hard cap.
		if b.MaxBytes > 0 && b.MaxBytes < limits.maxBytes {
			limits.maxBytes = b.MaxBytes
		}
		if b.MaxGas > 0 {
			limits.maxGas = uint64(b.MaxGas)
		}
	}
	return limits
}

// TxGasLimit is the gas a transaction may use: its fee's gas limit, or, if larger, the sum of the
// gas limits of its Ethereum messages. The ante handler makes the two equal for a valid EVM tx, but
// ProcessProposal runs before the ante handler, so a proposer's tx that declares less fee gas than
// its Ethereum transaction carries must still count the larger figure.
func TxGasLimit(tx sdk.Tx) uint64 {
	var gas uint64
	if p, ok := tx.(protoTxProvider); ok && !hasFee(p) {
		return math.MaxUint64 // no gas limit at all: not executable, and counted as over any limit
	}
	if feeTx, ok := tx.(sdk.FeeTx); ok {
		gas = feeTx.GetGas()
	}
	var evmGas uint64
	for _, msg := range tx.GetMsgs() {
		if eth, ok := msg.(*evmtypes.MsgEthereumTx); ok && eth.Raw.Transaction != nil {
			evmGas = addSaturating(evmGas, eth.GetGas())
		}
	}
	return max(gas, evmGas)
}

// protoTxProvider is the SDK's tx wrapper, whose getters assume fields that decoding does not
// guarantee (an empty byte string decodes to a tx without AuthInfo).
type protoTxProvider interface{ GetProtoTx() *txtypes.Tx }

func hasFee(p protoTxProvider) bool {
	t := p.GetProtoTx()
	return t != nil && t.Body != nil && t.AuthInfo != nil && t.AuthInfo.Fee != nil
}

// decodeProposalTx decodes a proposal's tx, refusing one without the body and fee the rest of the
// app reads without checking.
func (app *App) decodeProposalTx(bz []byte) (sdk.Tx, error) {
	tx, err := app.TxDecode(bz)
	if err != nil {
		return nil, err
	}
	if p, ok := tx.(protoTxProvider); ok && !hasFee(p) {
		return nil, errors.New("tx has no body or no fee")
	}
	return tx, nil
}

func addSaturating(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// txsSize is the size the txs take in a block (what CometBFT counts against max_bytes).
func txsSize(txs ...[]byte) int64 {
	cmtTxs := make([]cmttypes.Tx, len(txs))
	for i, tx := range txs {
		cmtTxs[i] = tx
	}
	return cmttypes.ComputeProtoSizeForTxs(cmtTxs)
}

// processProposal rejects a proposal whose txs do not decode, whose summed gas limits exceed
// max_gas, whose size exceeds max_bytes, or whose injected Bitcoin entry is not first, not the
// only one, or not accepted by x/btclc and x/pop on this state.
func (app *App) processProposal(ctx sdk.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	reject := func(kind, reason string, keyvals ...any) (*abci.ResponseProcessProposal, error) {
		ProposalsRejected.WithLabelValues(kind).Inc()
		app.Logger().Info("rejecting proposal: "+reason, append([]any{"height", req.Height, "proposer", req.ProposerAddress}, keyvals...)...)
		return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
	}
	limits := blockLimitsOf(ctx)
	if size := txsSize(req.Txs...); size > limits.maxBytes {
		return reject(RejectedBytes, "txs exceed max_bytes", "size", size, "max_bytes", limits.maxBytes)
	}
	if err := app.checkEntry(ctx, req.Txs); err != nil {
		return reject(RejectedEntry, "invalid injected Bitcoin entry", "err", err)
	}
	if err := app.censored(req.Txs); err != nil {
		return reject(RejectedEntry, "censoring", "err", err)
	}
	var gas uint64
	for i, bz := range req.Txs {
		if i == 0 && inject.IsEntry(bz) {
			continue // checked above; it carries no gas
		}
		tx, err := app.decodeProposalTx(bz)
		if err != nil {
			return reject(RejectedTx, "tx does not decode", "index", i, "err", err)
		}
		gas = addSaturating(gas, TxGasLimit(tx))
		if limits.maxGas > 0 && gas > limits.maxGas {
			return reject(RejectedGas, "summed gas limits exceed max_gas", "index", i, "gas", gas, "max_gas", limits.maxGas)
		}
	}
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// withInjectedEntry puts the node's injected Bitcoin entry, if it has one, first in the proposal,
// and lets next choose the txs in the bytes that remain. The entry takes at most half of
// max_tx_bytes, so it never crowds the transactions out.
func (app *App) withInjectedEntry(next sdk.PrepareProposalHandler) sdk.PrepareProposalHandler {
	return func(ctx sdk.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
		entry := app.buildEntry(ctx, req.MaxTxBytes/2)
		if entry == nil {
			return next(ctx, req)
		}
		inner := *req
		inner.MaxTxBytes -= txsSize(entry)
		res, err := next(ctx, &inner)
		if err != nil {
			return nil, err
		}
		res.Txs = append([][]byte{entry}, res.Txs...)
		return res, nil
	}
}

// limitSelector picks mempool txs for a proposal while their size stays within the request's
// max_tx_bytes and their gas, counted as TxGasLimit counts it, within max_gas.
type limitSelector struct {
	bytes    int64
	gas      uint64
	selected [][]byte
}

var _ baseapp.TxSelector = (*limitSelector)(nil)

func (s *limitSelector) SelectedTxs(context.Context) [][]byte {
	return append([][]byte(nil), s.selected...)
}

func (s *limitSelector) Clear() { *s = limitSelector{} }

func (s *limitSelector) SelectTxForProposal(_ context.Context, maxTxBytes, maxBlockGas uint64, tx sdk.Tx, bz []byte) bool {
	size := txsSize(bz)
	var gas uint64
	if tx != nil {
		gas = TxGasLimit(tx)
	}
	fitsBytes := uint64(s.bytes+size) <= maxTxBytes
	fitsGas := maxBlockGas == 0 || addSaturating(s.gas, gas) <= maxBlockGas
	if fitsBytes && fitsGas {
		s.bytes += size
		s.gas += gas
		s.selected = append(s.selected, bz)
	}
	// Stop when full; a tx that did not fit is skipped, and a smaller one after it may still fit.
	return uint64(s.bytes) >= maxTxBytes || (maxBlockGas > 0 && s.gas >= maxBlockGas)
}
