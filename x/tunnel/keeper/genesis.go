package keeper

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// InitGenesis checks the genesis state (and every address with the chain's
// codec) and stores it with its indexes. Deposits are taken as the exporting
// chain recorded them; a pending one whose block is not on x/btclc's chain
// is removed by the first EndBlock that reaches it in the mint queue.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, p := range gs.LockProofs {
		txid, err := bitcoin.TxID(p.Tx)
		if err != nil {
			return types.ErrInvalidGenesis.Wrap(err.Error())
		}
		if err := k.LockProofs.Set(ctx, txid, p); err != nil {
			return err
		}
	}
	for _, d := range gs.Deposits {
		if _, err := k.addressCodec.StringToBytes(d.Recipient); err != nil {
			return types.ErrInvalidGenesis.Wrapf("deposit %s: recipient: %v", types.FormatOutpoint(d.Outpoint()), err)
		}
		if err := k.setDeposit(ctx, d, types.DEPOSIT_STATUS_UNSPECIFIED); err != nil {
			return err
		}
	}
	for _, w := range gs.Withdrawals {
		if _, err := k.addressCodec.StringToBytes(w.Sender); err != nil {
			return types.ErrInvalidGenesis.Wrapf("withdrawal %d: sender: %v", w.Id, err)
		}
		if err := k.setWithdrawal(ctx, w, types.WITHDRAWAL_STATUS_UNSPECIFIED); err != nil {
			return err
		}
	}
	return k.NextWithdrawalID.Set(ctx, gs.NextWithdrawalId)
}

// ExportGenesis exports params, every deposit with its lock proof, every
// withdrawal and the next withdrawal id.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	exported := make(map[chainhash.Hash]bool)
	err = k.Deposits.Walk(ctx, nil, func(op types.Outpoint, d types.Deposit) (bool, error) {
		gs.Deposits = append(gs.Deposits, d)
		if exported[op.K1()] {
			return false, nil
		}
		exported[op.K1()] = true
		p, err := k.LockProofs.Get(ctx, op.K1())
		gs.LockProofs = append(gs.LockProofs, p)
		return false, err
	})
	if err != nil {
		return nil, err
	}
	err = k.Withdrawals.Walk(ctx, nil, func(_ uint64, w types.Withdrawal) (bool, error) {
		gs.Withdrawals = append(gs.Withdrawals, w)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if gs.NextWithdrawalId, err = k.NextWithdrawalID.Peek(ctx); err != nil {
		return nil, err
	}
	return gs, nil
}
