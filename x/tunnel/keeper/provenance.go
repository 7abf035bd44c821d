package keeper

import (
	"context"

	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Provenance answers where a deposit's sat come from, in three parts: (1)
// the Bitcoin lock proof as recorded and its block's confirmations now, (2)
// the hemi blocks (and the transaction) that proved and minted it, (3) the
// first keystone recorded above the minting block, which commits to the
// state the mint wrote, with its anchoring in Bitcoin from x/pop. Part 3 is
// empty until the deposit is minted and a keystone covers that block.
func (k Keeper) Provenance(ctx context.Context, d types.Deposit) (*types.QueryProvenanceResponse, error) {
	op := d.Outpoint()
	proof, err := k.LockProofs.Get(ctx, op.K1())
	if err != nil {
		return nil, err
	}
	confirmations, onChain, err := k.confirmations(ctx, d)
	if err != nil {
		return nil, err
	}
	v := d.View()
	resp := &types.QueryProvenanceResponse{
		Deposit: v,
		Lock: types.LockProof{
			Proof:         proof,
			Txid:          v.Txid,
			Vout:          v.Vout,
			BtcBlockHash:  v.BtcBlockHash,
			BtcHeight:     v.BtcHeight,
			OnMainChain:   onChain,
			Confirmations: confirmations,
		},
		Minting: types.Minting{ProvenHeight: v.ProvenHeight, ProvenTxHash: v.ProvenTxHash, MintedHeight: v.MintedHeight},
	}
	if d.Status != types.DEPOSIT_STATUS_MINTED {
		return resp, nil
	}
	ks, st, found, err := k.pop.CoveringKeystone(ctx, d.MintedHeight)
	if err != nil || !found {
		return resp, err
	}
	view := ks.View()
	resp.Anchoring = types.Anchoring{Found: true, Keystone: &view, Status: st}
	return resp, nil
}

// confirmations is the depth of d's block now, 0 when it is not canonical.
func (k Keeper) confirmations(ctx context.Context, d types.Deposit) (uint64, bool, error) {
	onChain, err := k.btclc.IsOnMainChain(ctx, d.BlockHash())
	if err != nil || !onChain {
		return 0, false, err
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return 0, false, err
	}
	return tip.Height - d.BtcHeight + 1, true, nil
}
