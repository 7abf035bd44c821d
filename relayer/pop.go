package relayer

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/bitcoin/scan"
	"github.com/hemi-appchain/hemi/hemiclient"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// PoPProver proves PoP publications to x/pop, so that anchoring does not depend on the miner that
// published a keystone staying online.
type PoPProver interface {
	// Recorded tells whether x/pop already holds txid as a publication in a block of the main chain
	// (one recorded in a block a reorg took away must be proven again where it was mined anew).
	Recorded(ctx context.Context, txid chainhash.Hash) (bool, error)
	// Prove submits the proof of transaction txid of block, with funding, the transaction whose
	// output its first input spends (nil when the node could not serve it).
	Prove(ctx context.Context, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) error
}

// ScanDepth is how far below the Bitcoin tip the relayer looks for publications and deposits in the
// blocks it relays: older blocks (a first catch-up) cannot hold publications of keystones that
// still matter, and a deposit older than that is left to a MsgProveDeposit sent by hand.
const ScanDepth = 144

// scanBlocks looks in the relayed blocks near the tip for HEMI payloads and deposits to the
// vault, and proves those the chain lacks. It never fails the step: a proof the chain refuses (a
// keystone of another chain, a race with the miner) is logged and skipped.
func (r *Relayer) scanBlocks(ctx context.Context, headers [][]byte, from, btcTip int64) {
	var vault []byte
	if r.deposits != nil {
		var err error
		if vault, err = r.deposits.VaultScript(ctx); err != nil {
			r.log.Warn("could not read x/tunnel's vault script; not looking for deposits in this batch", "err", err)
		}
	}
	for i, raw := range headers {
		height := from + int64(i)
		if btcTip-height >= ScanDepth {
			continue
		}
		hash := chainhash.DoubleHashH(raw)
		block, err := r.btc.GetBlock(ctx, hash)
		if err != nil {
			r.log.Warn("could not read a relayed block to look for PoP publications and deposits", "height", height, "block", hash, "err", err)
			continue
		}
		if r.pop != nil {
			r.provePublications(ctx, block, height)
		}
		if len(vault) > 0 {
			r.proveDeposits(ctx, block, height, vault)
		}
	}
}

// provePublications proves the publications of block that x/pop lacks.
func (r *Relayer) provePublications(ctx context.Context, block *wire.MsgBlock, height int64) {
	hash := block.BlockHash()
	for _, p := range scan.Publications(ctx, r.btc, block) {
		known, err := r.pop.Recorded(ctx, p.TxID)
		if err != nil {
			r.log.Warn("could not ask x/pop about a PoP publication", "txid", p.TxID, "err", err)
			continue
		}
		if known {
			continue
		}
		if p.FundingErr != nil {
			// x/pop binds the publication's payee only through the funding transaction; without
			// it the publication still anchors its keystone, and the miner's own proof binds
			// the payee later.
			r.log.Warn("could not fetch the funding transaction of a PoP publication (does the Bitcoin node run with a "+
				"transaction index, btcd --txindex?); proving it without, so its payee stays unbound until the miner proves it",
				"txid", p.TxID, "err", p.FundingErr)
		}
		if err := r.pop.Prove(ctx, block, p.TxID, p.Funding); err != nil {
			r.log.Info("did not prove a PoP publication", "txid", p.TxID, "block", hash, "reason", err)
			continue
		}
		r.metrics.PublicationsProven.Inc()
		r.log.Info("proved a PoP publication", "txid", p.TxID, "block", hash, "height", height, "payee_bound", p.Funding != nil)
	}
}

// ChainPoPProver is x/pop on a hemid node, reached through hemiclient.
type ChainPoPProver struct {
	Client *hemiclient.Client
}

// Recorded asks x/pop for the publication and whether its block is on the main chain.
func (p ChainPoPProver) Recorded(ctx context.Context, txid chainhash.Hash) (bool, error) {
	res, err := poptypes.NewQueryClient(p.Client.Conn()).Publication(ctx, &poptypes.QueryPublicationRequest{Txid: txid.String()})
	if status.Code(err) == codes.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return res.Publication.OnMainChain, nil
}

// Prove submits the proof through hemiclient; a publication someone recorded meanwhile counts as
// proven.
func (p ChainPoPProver) Prove(ctx context.Context, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) error {
	_, err := p.Client.SubmitPoPProof(ctx, block, txid, funding)
	return err
}
