package keeper

import (
	"bytes"
	"context"
	"math/big"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// InsertHeaders applies a MsgInsertHeaders: a chain of raw headers that
// extends the canonical tip, or forks from a canonical ancestor and replaces
// the tip if it has strictly more cumulative work. Everything is checked
// before anything is written, so a rejected message changes no state; the
// error is a registered x/btclc error (or the SDK's invalid-address error)
// that names the failing header.
//
// Gas: params.gas_per_header for every header validated and for every
// header a reorg removes, and a tenth of it for every stored header the
// validation reads. These are the whole price of the store access here,
// which therefore runs with a zero KV gas config: see README.md, "Gas", for
// the reasons and the bounds.
func (k Keeper) InsertHeaders(ctx context.Context, signer string, raw [][]byte) (*types.MsgInsertHeadersResponse, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	gasMeter := sdkCtx.GasMeter()
	ctx = sdkCtx.WithKVGasConfig(storetypes.GasConfig{})

	// Who may insert.
	signerAddr, err := k.addressCodec.StringToBytes(signer)
	if err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("invalid signer address %q: %v", signer, err)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := k.checkAllowed(params, signer, signerAddr); err != nil {
		return nil, err
	}

	// The batch on its own.
	n := len(raw)
	if n == 0 {
		return nil, types.ErrEmptyBatch.Wrap("send at least one 80-byte header")
	}
	if n > int(params.MaxHeadersPerMsg) {
		return nil, types.ErrBatchTooLarge.Wrapf("%d headers, at most %d (max_headers_per_msg): split the batch", n, params.MaxHeadersPerMsg)
	}
	// "Too far in the future" is judged against the block time that
	// consensus agreed on, never a local clock, so every node decides alike.
	blockTime := sdkCtx.BlockTime()
	for i, b := range raw {
		h, err := bitcoin.ParseHeader(b)
		if err == nil {
			err = bitcoin.CheckTimeNotTooNew(h, blockTime)
		}
		if err != nil {
			return nil, errorsmod.Wrapf(types.WrapBitcoinError(err), "header %d of %d", i, n)
		}
	}

	gasMeter.ConsumeGas(params.GasPerHeader*uint64(n), "btclc: validate headers")

	// Where the batch attaches.
	p, err := k.Network(ctx)
	if err != nil {
		return nil, err
	}
	tip, err := k.Tip(ctx)
	if err != nil {
		return nil, err
	}
	var prev chainhash.Hash
	copy(prev[:], raw[0][4:36])
	parentHeight, found, err := k.heightOf(ctx, prev)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, types.ErrUnknownParent.Wrapf("header 0 builds on block %s, which is not on the canonical chain (tip %d, %s): insert the headers it builds on first",
			prev, tip.Height, tip.Hash())
	}
	isFork := parentHeight < tip.Height
	if isFork {
		// The child of a canonical header that is itself canonical means the
		// batch repeats known headers: a relayer should send only what
		// follows the last header it knows is in.
		first := chainhash.DoubleHashH(raw[0])
		if height, known, err := k.heightOf(ctx, first); err != nil {
			return nil, err
		} else if known {
			return nil, types.ErrKnownHeader.Wrapf("header 0 (%s) is already canonical at height %d (tip %d): send only headers after the last known one",
				first, height, tip.Height)
		}
	}

	// Every header, as a Bitcoin node checks it, on top of its parent.
	view := k.newStoreView(ctx)
	overlay, err := bitcoin.ConnectHeaders(p, view, parentHeight, raw)
	gasMeter.ConsumeGas(view.reads*params.ReadGas(), "btclc: read stored headers")
	if view.err != nil {
		return nil, view.err
	}
	if err != nil {
		return nil, types.WrapBitcoinError(err)
	}

	// Fork choice.
	parent, err := k.HeaderByHeight(ctx, parentHeight)
	if err != nil {
		return nil, err
	}
	newWork := new(big.Int).Add(parent.Work(), overlay.AddedWork())
	if isFork && newWork.Cmp(tip.Work()) <= 0 {
		return nil, types.ErrForkNotHeavier.Wrapf("fork from height %d to %d has cumulative work %s, the canonical tip %d has %s: a fork replaces the tip only with strictly more work (on equal work the first seen stays)",
			parentHeight, overlay.TipHeight(), newWork, tip.Height, tip.Work())
	}

	// The largest work written is newWork; refuse it here, not halfway
	// through the writes, if it does not fit (no real chain comes close).
	if err := sdkmath.UintOverflow(newWork); err != nil {
		return nil, types.ErrInvalidHeader.Wrapf("cumulative work at height %d: %v", overlay.TipHeight(), err)
	}

	// Everything is valid: apply it.
	removed := tip.Height - parentHeight
	if removed > 0 {
		gasMeter.ConsumeGas(params.GasPerHeader*removed, "btclc: roll back headers")
		if err := k.removeAbove(ctx, parentHeight, tip.Height); err != nil {
			return nil, err
		}
	}
	newTip, err := k.appendHeaders(ctx, parent, overlay, raw)
	if err != nil {
		return nil, err
	}
	newTipHash := newTip.Hash()

	if isFork {
		if err := emitRollBack(sdkCtx, tip.Height, parentHeight, parent.Hash()); err != nil {
			return nil, err
		}
		if err := k.recordRollBack(ctx, parentHeight); err != nil {
			return nil, err
		}
	}
	if err := emitRollForward(sdkCtx, parentHeight+1, newTip.Height, uint32(n), newTipHash); err != nil {
		return nil, err
	}
	if err := k.PendingRollForward.Set(ctx, true); err != nil {
		return nil, err
	}
	return &types.MsgInsertHeadersResponse{TipHeight: newTip.Height, TipHash: newTipHash.String(), Reorged: isFork}, nil
}

// checkAllowed applies params.insert_allowlist: empty lets anyone relay.
// Entries are compared as decoded addresses, so any encoding the address
// codec accepts matches.
func (k Keeper) checkAllowed(params types.Params, signer string, signerAddr []byte) error {
	if len(params.InsertAllowlist) == 0 {
		return nil
	}
	for _, allowed := range params.InsertAllowlist {
		addr, err := k.addressCodec.StringToBytes(allowed)
		if err == nil && bytes.Equal(addr, signerAddr) {
			return nil
		}
	}
	return types.ErrNotAllowed.Wrapf("%s may not insert headers: params.insert_allowlist has %d other addresses", signer, len(params.InsertAllowlist))
}

// removeAbove deletes the canonical headers from above the fork point up to
// the old tip, from both indexes.
func (k Keeper) removeAbove(ctx context.Context, forkHeight, tipHeight uint64) error {
	for height := forkHeight + 1; height <= tipHeight; height++ {
		info, err := k.Headers.Get(ctx, height)
		if err != nil {
			return err
		}
		if err := k.HashToHeight.Remove(ctx, info.Hash()); err != nil {
			return err
		}
		if err := k.Headers.Remove(ctx, height); err != nil {
			return err
		}
	}
	return nil
}

// appendHeaders writes the validated batch above parent with the cumulative
// work of each header, and returns the new tip.
func (k Keeper) appendHeaders(ctx context.Context, parent types.HeaderInfo, overlay *bitcoin.Overlay, raw [][]byte) (types.HeaderInfo, error) {
	work := parent.Work()
	var (
		info     types.HeaderInfo
		lastBits uint32
		lastWork *big.Int
	)
	for i, b := range raw {
		height := parent.Height + 1 + uint64(i)
		h, _ := overlay.HeaderByHeight(height) // the overlay holds every height it validated
		hash, _ := overlay.HashByHeight(height)
		// Consecutive headers nearly always share nBits.
		if lastWork == nil || h.Bits != lastBits {
			lastBits, lastWork = h.Bits, bitcoin.CalcWork(h.Bits)
		}
		work.Add(work, lastWork)
		var err error
		if info, err = types.NewHeaderInfo(b, height, work); err != nil {
			return types.HeaderInfo{}, err
		}
		if err := k.Headers.Set(ctx, height, info); err != nil {
			return types.HeaderInfo{}, err
		}
		if err := k.HashToHeight.Set(ctx, hash, height); err != nil {
			return types.HeaderInfo{}, err
		}
	}
	return info, nil
}
