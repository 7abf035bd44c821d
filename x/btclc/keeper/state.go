package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// Reads of the canonical chain: the keeper API other modules (x/pop,
// x/tunnel, x/hvm) use, and the ChainView the validation core reads.

// Tip returns the canonical chain's last header.
func (k Keeper) Tip(ctx context.Context) (types.HeaderInfo, error) {
	iter, err := k.Headers.Iterate(ctx, new(collections.Range[uint64]).Descending())
	if err != nil {
		return types.HeaderInfo{}, err
	}
	defer iter.Close()
	if !iter.Valid() {
		return types.HeaderInfo{}, types.ErrHeaderNotFound.Wrap("the light client holds no headers: x/btclc genesis was not initialised")
	}
	return iter.Value()
}

// HeaderByHeight returns the canonical header at height.
func (k Keeper) HeaderByHeight(ctx context.Context, height uint64) (types.HeaderInfo, error) {
	info, err := k.Headers.Get(ctx, height)
	if errors.Is(err, collections.ErrNotFound) {
		return types.HeaderInfo{}, types.ErrHeaderNotFound.Wrapf("no canonical header at height %d", height)
	}
	return info, err
}

// HeaderByHash returns the canonical header with this hash (internal byte
// order). A header that is not, or no longer, canonical is not found.
func (k Keeper) HeaderByHash(ctx context.Context, hash chainhash.Hash) (types.HeaderInfo, error) {
	height, found, err := k.heightOf(ctx, hash)
	if err != nil {
		return types.HeaderInfo{}, err
	}
	if !found {
		return types.HeaderInfo{}, types.ErrHeaderNotFound.Wrapf("block %s is not on the canonical chain", hash)
	}
	return k.HeaderByHeight(ctx, height)
}

// IsOnMainChain tells whether the block is on the canonical chain.
func (k Keeper) IsOnMainChain(ctx context.Context, hash chainhash.Hash) (bool, error) {
	return k.HashToHeight.Has(ctx, hash)
}

// Confirmations is the block's depth, tip height - height + 1 (the tip has
// 1), or 0 when the block is not on the canonical chain.
func (k Keeper) Confirmations(ctx context.Context, hash chainhash.Hash) (uint64, error) {
	height, found, err := k.heightOf(ctx, hash)
	if err != nil || !found {
		return 0, err
	}
	tip, err := k.Tip(ctx)
	if err != nil {
		return 0, err
	}
	return tip.Height - height + 1, nil
}

// Network returns the parameters of the Bitcoin network set at genesis.
func (k Keeper) Network(ctx context.Context) (*bitcoin.Params, error) {
	name, err := k.NetworkName.Get(ctx)
	if err != nil {
		return nil, err
	}
	p, err := bitcoin.NetworkByName(name)
	if err != nil {
		return nil, types.WrapBitcoinError(err)
	}
	return p, nil
}

// GetParams returns the module's params.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) {
	return k.Params.Get(ctx)
}

// heightOf looks a block up in the hash index.
func (k Keeper) heightOf(ctx context.Context, hash chainhash.Hash) (uint64, bool, error) {
	height, err := k.HashToHeight.Get(ctx, hash)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return height, true, nil
}

// storeView is a bitcoin.ChainView of the canonical chain in the store, for
// validating one message. It decodes each header once. A ChainView cannot
// return errors, so a store failure reads as a missing header and is kept in
// err for the caller to report instead of the validation error it causes.
type storeView struct {
	ctx     context.Context
	headers collections.Map[uint64, types.HeaderInfo]
	cache   map[uint64]viewEntry
	// reads counts store lookups, which the message pays for: the
	// minimum-difficulty walk-back can read up to a period of headers for
	// a single new one.
	reads uint64
	err   error
}

type viewEntry struct {
	header *wire.BlockHeader // nil: no header at this height
	raw    []byte
}

var _ bitcoin.ChainView = (*storeView)(nil)

func (k Keeper) newStoreView(ctx context.Context) *storeView {
	return &storeView{ctx: ctx, headers: k.Headers, cache: make(map[uint64]viewEntry)}
}

// entry reads a height once, found or not: the median time of the first
// headers above the base asks for the missing heights below it again and
// again.
func (v *storeView) entry(height uint64) (viewEntry, bool) {
	if e, ok := v.cache[height]; ok {
		return e, e.header != nil
	}
	v.reads++
	e, err := v.load(height)
	if err != nil {
		if !errors.Is(err, collections.ErrNotFound) && v.err == nil {
			v.err = err
		}
		e = viewEntry{}
	}
	v.cache[height] = e
	return e, e.header != nil
}

func (v *storeView) load(height uint64) (viewEntry, error) {
	info, err := v.headers.Get(v.ctx, height)
	if err != nil {
		return viewEntry{}, err
	}
	h, err := bitcoin.ParseHeader(info.Header)
	if err != nil {
		return viewEntry{}, types.ErrInvalidHeader.Wrapf("stored header at height %d is corrupt: %v", height, err)
	}
	return viewEntry{header: h, raw: info.Header}, nil
}

// HeaderByHeight implements bitcoin.ChainView.
func (v *storeView) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	e, ok := v.entry(height)
	return e.header, ok
}

// HashByHeight implements bitcoin.ChainView. Validation asks only for the
// parent's hash, so it is computed on demand rather than stored twice.
func (v *storeView) HashByHeight(height uint64) (chainhash.Hash, bool) {
	e, ok := v.entry(height)
	if !ok {
		return chainhash.Hash{}, false
	}
	return chainhash.DoubleHashH(e.raw), true
}
