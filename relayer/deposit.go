package relayer

import (
	"context"
	"errors"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/scan"
	"github.com/hemi-appchain/hemi/hemiclient"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// DepositProver proves deposits to x/tunnel. The relayer proves each deposit transaction once,
// from one confirmation; x/tunnel's pending state mints it at min_confirmations by itself.
type DepositProver interface {
	// VaultScript is x/tunnel's vault_script param: the chain names its vault, never the relayer's
	// configuration.
	VaultScript(ctx context.Context) ([]byte, error)
	// Recorded tells whether x/tunnel holds outpoint txid:vout as minted, or as pending from
	// block (a pending deposit recorded from another block, one a reorg took away, must be proven
	// again where it was mined anew).
	Recorded(ctx context.Context, txid chainhash.Hash, vout uint32, block chainhash.Hash) (bool, error)
	// Prove submits one MsgProveDeposit with proof.
	Prove(ctx context.Context, proof btclctypes.InclusionProof) error
}

// proveDeposits proves the transactions of block that pay vault and have an output x/tunnel
// does not hold yet. Outputs are matched by script (bitcoin/scan), so a deposit whose funding
// transaction was fee-bumped is proven under the txid that was mined.
func (r *Relayer) proveDeposits(ctx context.Context, block *wire.MsgBlock, height int64, vault []byte) {
	hash := block.BlockHash()
	deposits, err := scan.Deposits(block, vault)
	if err != nil {
		r.log.Warn("could not read the deposits of a relayed block", "block", hash, "height", height, "err", err)
		return
	}
	for _, d := range deposits {
		if d.RecipientErr != nil {
			r.log.Warn("a Bitcoin transaction pays the vault but names no recipient x/tunnel accepts; not proving it",
				"txid", d.TxID, "block", hash, "err", d.RecipientErr)
			continue
		}
		fresh, err := r.anyUnrecorded(ctx, d, hash)
		if err != nil {
			r.log.Warn("could not ask x/tunnel about a deposit", "txid", d.TxID, "err", err)
			continue
		}
		if !fresh {
			continue
		}
		if err := r.deposits.Prove(ctx, d.Proof); err != nil {
			r.log.Info("did not prove a deposit", "txid", d.TxID, "block", hash, "reason", err)
			continue
		}
		r.metrics.DepositsProven.Inc()
		r.log.Info("proved a deposit", "txid", d.TxID, "vault_outputs", len(d.Vouts), "block", hash, "height", height)
	}
}

// anyUnrecorded tells whether x/tunnel lacks one of d's vault outputs.
func (r *Relayer) anyUnrecorded(ctx context.Context, d scan.Deposit, block chainhash.Hash) (bool, error) {
	for _, vout := range d.Vouts {
		known, err := r.deposits.Recorded(ctx, d.TxID, vout, block)
		if err != nil || !known {
			return !known, err
		}
	}
	return false, nil
}

// ChainDepositProver is x/tunnel on a hemid node, reached through hemiclient.
type ChainDepositProver struct {
	Client *hemiclient.Client
}

var _ DepositProver = ChainDepositProver{}

// VaultScript reads x/tunnel's params.
func (p ChainDepositProver) VaultScript(ctx context.Context) ([]byte, error) {
	res, err := tunneltypes.NewQueryClient(p.Client.Conn()).Params(ctx, &tunneltypes.QueryParamsRequest{})
	if err != nil {
		return nil, err
	}
	return res.Params.VaultScript, nil
}

// Recorded asks x/tunnel's deposit query.
func (p ChainDepositProver) Recorded(ctx context.Context, txid chainhash.Hash, vout uint32, block chainhash.Hash) (bool, error) {
	res, err := tunneltypes.NewQueryClient(p.Client.Conn()).Deposit(ctx,
		&tunneltypes.QueryDepositRequest{Outpoint: tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(txid, vout))})
	if status.Code(err) == codes.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return depositHeld(res.Deposit, block)
}

// depositHeld tells whether a recorded deposit needs no proof from block: minted, or pending from
// that block.
func depositHeld(d tunneltypes.DepositView, block chainhash.Hash) (bool, error) {
	if d.Status == tunneltypes.DEPOSIT_STATUS_MINTED {
		return true, nil
	}
	recordedIn, err := bitcoin.ParseDisplayHash(d.BtcBlockHash)
	if err != nil {
		return false, err
	}
	return recordedIn == block, nil
}

// Prove sends the MsgProveDeposit; a deposit someone recorded meanwhile counts as proven.
func (p ChainDepositProver) Prove(ctx context.Context, proof btclctypes.InclusionProof) error {
	_, err := p.Client.SendTx(ctx, &tunneltypes.MsgProveDeposit{Submitter: p.Client.Address().String(), Proof: proof})
	if errors.Is(err, tunneltypes.ErrDuplicateDeposit) {
		return nil
	}
	return err
}
