package keeper

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/x/inbox/types"
)

// InitGenesis checks the genesis state (and every account with the chain's codec) and stores it
// with its indexes. A pending operation whose block is not on x/btclc's chain is removed by the
// first BeginBlock that reaches it in the queue.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, o := range gs.Ops {
		if _, err := k.addressCodec.StringToBytes(o.Account); err != nil {
			return types.ErrInvalidGenesis.Wrapf("op %s: account: %v", o.TxID(), err)
		}
		if err := k.setOp(ctx, o, types.OP_STATUS_UNSPECIFIED); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis exports params and every operation.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	err = k.Ops.Walk(ctx, nil, func(_ chainhash.Hash, o types.Op) (bool, error) {
		gs.Ops = append(gs.Ops, o)
		return false, nil
	})
	return gs, err
}
