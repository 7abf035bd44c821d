package keeper

import (
	"context"

	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// InitGenesis checks the genesis state as if every header were inserted, then
// stores it. It starts with no pending hook calls: the chain a genesis holds
// is the starting point, not a change.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.validateParams(gs.Params); err != nil {
		return types.ErrInvalidGenesis.Wrap(err.Error())
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.NetworkName.Set(ctx, gs.Network); err != nil {
		return err
	}
	base := gs.Headers[0].Height
	for i, raw := range gs.BaseAncestors {
		if err := k.BaseAncestors.Set(ctx, base-uint64(len(gs.BaseAncestors)-i), raw); err != nil {
			return err
		}
	}
	for _, h := range gs.Headers {
		if err := k.Headers.Set(ctx, h.Height, h); err != nil {
			return err
		}
		if err := k.HashToHeight.Set(ctx, h.Hash(), h.Height); err != nil {
			return err
		}
	}
	return k.TipHeight.Set(ctx, gs.Headers[len(gs.Headers)-1].Height)
}

// ExportGenesis exports the params, the network, the whole canonical chain
// and the base's ancestors; the lowest header stays the base of the new
// chain. The side-chain store is not exported: a fork in progress is sent
// again from its canonical ancestor.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	network, err := k.NetworkName.Get(ctx)
	if err != nil {
		return nil, err
	}
	var headers []types.HeaderInfo
	err = k.Headers.Walk(ctx, nil, func(_ uint64, h types.HeaderInfo) (bool, error) {
		headers = append(headers, h)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	var ancestors [][]byte
	err = k.BaseAncestors.Walk(ctx, nil, func(_ uint64, raw []byte) (bool, error) {
		ancestors = append(ancestors, raw)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return &types.GenesisState{Params: params, Network: network, Headers: headers, BaseAncestors: ancestors}, nil
}

// validateParams is Params.Validate plus what needs the address codec.
func (k Keeper) validateParams(p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return p.ValidateAddresses(k.addressCodec.StringToBytes)
}
