package keeper

import (
	"bytes"
	"context"
	"fmt"
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
// extends the canonical tip, extends a side chain in the side-chain store, or
// forks from a canonical ancestor. Headers already known at the start of the
// batch (canonical or in the side-chain store) are skipped, so overlapping
// batches from two relayers both succeed; a batch that is entirely known
// changes nothing. The canonical tip moves to another branch only when that
// branch has strictly more cumulative work; a branch with less or equal work
// is kept in the side-chain store until it has more.
//
// Everything is checked before anything is written, so a rejected message
// changes no state; the error is a registered x/btclc error (or the SDK's
// invalid-address error) that names the failing header.
//
// Gas: params.gas_per_header for every header validated; PruneGas for every
// header it stores in the side-chain store, its removal paid in advance (the
// side-chain headers this message prunes or evicts, at most as many as it
// validates, cost it nothing); RemoveGas and PromoteGas (fractions of it, each
// at its measured cost) for every header a reorg moves off or onto the
// canonical chain; and params.ReadGas for every store lookup. These are the whole
// price of the store access here, which therefore runs with a zero KV gas
// config: see README.md, "Gas", for how the price was measured.
func (k Keeper) InsertHeaders(ctx context.Context, signer string, raw [][]byte) (*types.MsgInsertHeadersResponse, error) {
	ctx = sdk.UnwrapSDKContext(ctx).WithKVGasConfig(storetypes.GasConfig{})

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
	return k.ApplyHeaders(ctx, params, raw)
}

// ApplyHeaders is InsertHeaders without the signer: the checks of the batch
// and of every header, the fork choice and the writes, with the same errors
// and gas. The proposer's injected entry (app/inject) applies its headers
// through it, so both paths check Bitcoin headers with one function.
func (k Keeper) ApplyHeaders(ctx context.Context, params types.Params, raw [][]byte) (*types.MsgInsertHeadersResponse, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx).WithKVGasConfig(storetypes.GasConfig{})
	gasMeter := sdkCtx.GasMeter()
	ctx = sdkCtx

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

	p, err := k.Network(ctx)
	if err != nil {
		return nil, err
	}
	tip, err := k.Tip(ctx)
	if err != nil {
		return nil, err
	}
	// Side-chain headers below the floor are dead: no lookup finds them.
	floor, floorInfo, err := k.pruneFloor(ctx, params, tip)
	if err != nil {
		return nil, err
	}

	// Skip the known prefix: what another relayer (or an attacker copying
	// the first header) already sent is not an error.
	skipped, parent, parentOnSide, reads, err := k.knownPrefix(ctx, raw, floor)
	gasMeter.ConsumeGas(reads*params.ReadGas(), "btclc: look up known headers")
	if err != nil {
		return nil, err
	}
	if skipped == n {
		return &types.MsgInsertHeadersResponse{TipHeight: tip.Height, TipHash: tip.Hash().String(), Skipped: uint32(n)}, nil
	}
	fresh := raw[skipped:]
	if skipped == 0 {
		var prev chainhash.Hash
		copy(prev[:], raw[0][4:36])
		var found bool
		parent, parentOnSide, found, reads, err = k.lookup(ctx, prev, floor)
		gasMeter.ConsumeGas(reads*params.ReadGas(), "btclc: look up parent")
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, types.ErrUnknownParent.Wrapf("header 0 builds on block %s, which is neither on the canonical chain (tip %d, %s) nor in the side-chain store: insert the headers it builds on first",
				prev, tip.Height, tip.Hash())
		}
	}

	gasMeter.ConsumeGas(params.GasPerHeader*uint64(len(fresh)), "btclc: validate headers")

	// Every new header, as a Bitcoin node checks it, on top of the branch
	// it extends.
	view, err := k.newStoreView(ctx, parent, parentOnSide, floor)
	if err != nil {
		return nil, err
	}
	overlay, err := bitcoin.ConnectHeaders(p, view, parent.Height, fresh)
	gasMeter.ConsumeGas(view.reads*params.ReadGas(), "btclc: read stored headers")
	if view.err == nil && err != nil {
		err = types.WrapBitcoinError(err)
	}
	if view.err != nil {
		err = view.err
	}
	if err != nil {
		if skipped > 0 {
			return nil, errorsmod.Wrapf(err, "after skipping %d known headers", skipped)
		}
		return nil, err
	}

	// The largest work written is newWork; refuse it here, not halfway
	// through the writes, if it does not fit (no real chain comes close).
	newWork := new(big.Int).Add(parent.Work(), overlay.AddedWork())
	if err := sdkmath.UintOverflow(newWork); err != nil {
		return nil, types.ErrInvalidHeader.Wrapf("cumulative work at height %d: %v", overlay.TipHeight(), err)
	}

	var resp *types.MsgInsertHeadersResponse
	switch {
	case !parentOnSide && parent.Height == tip.Height:
		resp, err = k.extendTip(sdkCtx, params, parent, overlay, fresh)
	case newWork.Cmp(tip.Work()) > 0:
		resp, err = k.reorg(sdkCtx, params, tip, view, parent, parentOnSide, overlay, fresh)
	default:
		resp, err = k.storeSide(sdkCtx, params, tip, floor, floorInfo, parent, overlay, fresh, newWork)
	}
	if err != nil {
		return nil, err
	}
	resp.Skipped = uint32(skipped)

	// The tip may have moved: prune what fell too far below it, and evict
	// beyond the capacity, at most as many headers as this message
	// validated. Their removal was paid when they were stored.
	if resp.TipHeight != tip.Height || resp.Reorged {
		newTip, err := k.Tip(ctx)
		if err != nil {
			return nil, err
		}
		if floor, _, err = k.pruneFloor(ctx, params, newTip); err != nil {
			return nil, err
		}
	}
	if _, err := k.pruneSide(ctx, params, floor, uint64(len(fresh))); err != nil {
		return nil, err
	}
	return resp, nil
}

// knownPrefix counts the headers at the start of raw that are already
// canonical or live in the side-chain store (floor: see liveSide), and
// returns the last of them. Known
// headers must still link to each other.
func (k Keeper) knownPrefix(ctx context.Context, raw [][]byte, floor *big.Int) (skipped int, last types.HeaderInfo, onSide bool, reads uint64, err error) {
	var prevHash chainhash.Hash
	for i, b := range raw {
		if i > 0 && !bytes.Equal(b[4:36], prevHash[:]) {
			return 0, types.HeaderInfo{}, false, reads, types.WrapBitcoinError(fmt.Errorf("header %d of %d: %w: prev %s, header %d is %s",
				i, len(raw), bitcoin.ErrPrevBlockMismatch, chainhash.Hash(b[4:36]), i-1, prevHash))
		}
		hash := chainhash.DoubleHashH(b)
		info, side, found, n, err := k.lookup(ctx, hash, floor)
		reads += n
		if err != nil {
			return 0, types.HeaderInfo{}, false, reads, err
		}
		if !found {
			break
		}
		skipped, last, onSide, prevHash = i+1, info, side, hash
	}
	return skipped, last, onSide, reads, nil
}

// extendTip appends the batch to the canonical tip.
func (k Keeper) extendTip(ctx sdk.Context, params types.Params, tip types.HeaderInfo, overlay *bitcoin.Overlay, fresh [][]byte) (*types.MsgInsertHeadersResponse, error) {
	newTip, err := k.appendHeaders(ctx, tip, overlay, fresh)
	if err != nil {
		return nil, err
	}
	if err := k.recordRollForward(ctx, tip.Height+1, newTip, uint32(len(fresh))); err != nil {
		return nil, err
	}
	return &types.MsgInsertHeadersResponse{TipHeight: newTip.Height, TipHash: newTip.Hash().String()}, nil
}

// reorg makes the batch's branch canonical: it has strictly more work than
// the tip. The branch forks from a canonical header, directly or through
// side-chain headers, which move onto the canonical chain with it.
func (k Keeper) reorg(ctx sdk.Context, params types.Params, tip types.HeaderInfo, view *storeView, parent types.HeaderInfo, parentOnSide bool,
	overlay *bitcoin.Overlay, fresh [][]byte,
) (*types.MsgInsertHeadersResponse, error) {
	forkHeight, branch := parent.Height, []types.HeaderInfo(nil)
	if parentOnSide {
		var err error
		paid := view.reads // the validation's reads are paid already
		branch, forkHeight, err = view.sideBranch()
		ctx.GasMeter().ConsumeGas((view.reads-paid)*params.ReadGas(), "btclc: read side chain")
		if err != nil {
			return nil, err
		}
	}
	fork := parent
	if parentOnSide {
		var err error
		if fork, err = k.HeaderByHeight(ctx, forkHeight); err != nil {
			return nil, err
		}
	}
	removed := tip.Height - forkHeight
	ctx.GasMeter().ConsumeGas(params.RemoveGas()*removed, "btclc: remove canonical headers")
	ctx.GasMeter().ConsumeGas(params.PromoteGas()*uint64(len(branch)), "btclc: promote side-chain headers")

	if err := k.removeAbove(ctx, forkHeight, tip.Height); err != nil {
		return nil, err
	}
	// A promoted header keeps its side-chain entry: its removal was paid
	// when it was stored, and the pruner takes it like any other (least work
	// first, below the floor or over the count). Until then every lookup
	// reads the hash index first, so the entry is never seen as a side-chain
	// header while the header is canonical; if a later reorg removes it from
	// the canonical chain, it is a validated side-chain header again.
	for _, info := range branch {
		if err := k.setCanonical(ctx, info); err != nil {
			return nil, err
		}
	}
	newTip, err := k.appendHeaders(ctx, parent, overlay, fresh)
	if err != nil {
		return nil, err
	}
	if err := emitRollBack(ctx, tip.Height, forkHeight, fork.Hash()); err != nil {
		return nil, err
	}
	if err := k.recordRollBack(ctx, forkHeight); err != nil {
		return nil, err
	}
	if err := k.recordRollForward(ctx, forkHeight+1, newTip, uint32(len(branch)+len(fresh))); err != nil {
		return nil, err
	}
	return &types.MsgInsertHeadersResponse{TipHeight: newTip.Height, TipHash: newTip.Hash().String(), Reorged: true}, nil
}

// storeSide keeps a batch that does not (yet) out-work the tip in the
// side-chain store, unless it starts too far below the tip to be kept (floor
// and floorInfo are the tip's pruneFloor). Every header it stores pays
// PruneGas now, for its removal later.
func (k Keeper) storeSide(ctx sdk.Context, params types.Params, tip types.HeaderInfo, floor *big.Int, floorInfo types.HeaderInfo, parent types.HeaderInfo,
	overlay *bitcoin.Overlay, fresh [][]byte, newWork *big.Int,
) (*types.MsgInsertHeadersResponse, error) {
	firstHeader, _ := overlay.HeaderByHeight(parent.Height + 1) // the overlay holds every height it validated
	firstWork := new(big.Int).Add(parent.Work(), bitcoin.CalcWork(firstHeader.Bits))
	if floor != nil && firstWork.Cmp(floor) < 0 {
		return nil, types.ErrForkTooDeep.Wrapf("the fork's header at height %d has cumulative work %s, less than the canonical header %d (%d below the tip %d) with %s: side chains are kept only while within max_fork_depth of the tip, and this one has %s in all against the tip's %s",
			parent.Height+1, firstWork, floorInfo.Height, params.MaxForkDepth, tip.Height, floor, newWork, tip.Work())
	}
	err := forEachNew(parent, overlay, fresh, parent.Work(), func(info types.HeaderInfo) error {
		added, err := k.addSide(ctx, info)
		if added {
			ctx.GasMeter().ConsumeGas(params.PruneGas(), "btclc: store side-chain header (its removal, in advance)")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgInsertHeadersResponse{TipHeight: tip.Height, TipHash: tip.Hash().String(), SideChain: true}, nil
}

// recordRollForward emits EventRollForward and owes EndBlock the hook.
func (k Keeper) recordRollForward(ctx sdk.Context, from uint64, newTip types.HeaderInfo, count uint32) error {
	if err := emitRollForward(ctx, from, newTip.Height, count, newTip.Hash()); err != nil {
		return err
	}
	return k.PendingRollForward.Set(ctx, true)
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

// setCanonical writes a header at its height of the canonical chain.
func (k Keeper) setCanonical(ctx context.Context, info types.HeaderInfo) error {
	if err := k.Headers.Set(ctx, info.Height, info); err != nil {
		return err
	}
	return k.HashToHeight.Set(ctx, info.Hash(), info.Height)
}

// appendHeaders writes the validated batch above parent on the canonical
// chain with the cumulative work of each header, and returns the new tip.
// A header of the batch may be in the side-chain store, left there without
// its parent (the known prefix stops at the first unknown header): its entry
// stays for the pruner, like a promoted header's (see reorg), at no cost
// here.
func (k Keeper) appendHeaders(ctx sdk.Context, parent types.HeaderInfo, overlay *bitcoin.Overlay, raw [][]byte) (types.HeaderInfo, error) {
	var last types.HeaderInfo
	err := forEachNew(parent, overlay, raw, parent.Work(), func(info types.HeaderInfo) error {
		last = info
		hash, _ := overlay.HashByHeight(info.Height) // computed once, by the validation
		if err := k.Headers.Set(ctx, info.Height, info); err != nil {
			return err
		}
		return k.HashToHeight.Set(ctx, hash, info.Height)
	})
	if err != nil {
		return types.HeaderInfo{}, err
	}
	// Every change of the canonical chain ends here (a reorg's removals and
	// promotions come first), so this is where the tip moves.
	return last, k.TipHeight.Set(ctx, last.Height)
}

// forEachNew calls fn with the stored form of each validated header of the
// batch above parent, work being the parent's cumulative work (it is
// modified).
func forEachNew(parent types.HeaderInfo, overlay *bitcoin.Overlay, raw [][]byte, work *big.Int, fn func(types.HeaderInfo) error) error {
	var (
		lastBits uint32
		lastWork *big.Int
	)
	for i, b := range raw {
		height := parent.Height + 1 + uint64(i)
		h, _ := overlay.HeaderByHeight(height) // the overlay holds every height it validated
		// Consecutive headers nearly always share nBits.
		if lastWork == nil || h.Bits != lastBits {
			lastBits, lastWork = h.Bits, bitcoin.CalcWork(h.Bits)
		}
		work.Add(work, lastWork)
		info, err := types.NewHeaderInfo(b, height, work)
		if err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}
