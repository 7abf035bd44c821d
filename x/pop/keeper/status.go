package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// MaxStatusPublications bounds the publications KeystoneStatus lists.
const MaxStatusPublications = 100

// KeystoneStatus tells how well keystone height is anchored in Bitcoin now:
// first(K), effective(K), confirmations = tip - effective(K) + 1 (0 when not
// anchored), whether it is superfinal, and its earliest publications with
// whether each is canonical. It reads a constant number of entries plus the
// publications it lists: x/hvm may call it from a precompile.
// ErrUnknownKeystone when no keystone is recorded at height.
func (k Keeper) KeystoneStatus(ctx context.Context, height uint64) (types.KeystoneStatus, error) {
	st, err := k.KeystoneAnchoring(ctx, height)
	if err != nil {
		return types.KeystoneStatus{}, err
	}
	err = k.walkKeystonePublications(ctx, height, func(_ uint64, txid chainhash.Hash) (bool, error) {
		if len(st.Publications) == MaxStatusPublications {
			st.PublicationsTruncated = true
			return true, nil
		}
		ps, err := k.publicationStatus(ctx, txid)
		st.Publications = append(st.Publications, ps)
		return false, err
	})
	return st, err
}

// KeystoneAnchoring is KeystoneStatus without the publications: a constant
// number of reads whatever the keystone, which is what x/hvm's keystone()
// precompile method can price with a fixed gas. ErrUnknownKeystone when no
// keystone is recorded at height.
func (k Keeper) KeystoneAnchoring(ctx context.Context, height uint64) (types.KeystoneStatus, error) {
	has, err := k.Keystones.Has(ctx, height)
	if err != nil {
		return types.KeystoneStatus{}, err
	}
	if !has {
		return types.KeystoneStatus{}, types.ErrUnknownKeystone.Wrapf("height %d", height)
	}
	return k.anchoring(ctx, height)
}

// LatestSuperfinal is the highest superfinal keystone's height, 0 when none
// is superfinal (the Finality query's latest_superfinal).
func (k Keeper) LatestSuperfinal(ctx context.Context) (uint64, error) {
	if err := k.requireNoPendingReorg(ctx); err != nil {
		return 0, err
	}
	fs, err := k.getFinality(ctx)
	return fs.LatestSuperfinal, err
}

// requireNoPendingReorg refuses a status read between a Bitcoin reorg and the
// EndBlock that re-anchors the keystones (ErrReorgPending). Queries read
// committed state, where none is pending; a contract calling the keystone
// precompiles after a reorg message in the same block gets the refusal
// instead of a count of removed publications.
func (k Keeper) requireNoPendingReorg(ctx context.Context) error {
	pending, err := k.btclc.ReorgPending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return types.ErrReorgPending
	}
	return nil
}

// anchoring is KeystoneStatus without the publications.
func (k Keeper) anchoring(ctx context.Context, height uint64) (types.KeystoneStatus, error) {
	st := types.KeystoneStatus{KeystoneHeight: height}
	if err := k.requireNoPendingReorg(ctx); err != nil {
		return st, err
	}
	tip, err := k.btclc.Tip(ctx)
	if err != nil {
		return st, err
	}
	st.BtcTipHeight = tip.Height
	first, err := k.Anchors.Get(ctx, height)
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return st, err
	default:
		st.FirstBtcHeight = first
	}
	effective, found, err := k.effective(ctx, height)
	if err != nil {
		return st, err
	}
	if found && effective <= tip.Height {
		st.EffectiveBtcHeight = effective
		st.Confirmations = tip.Height - effective + 1
	}
	fs, err := k.getFinality(ctx)
	if err != nil {
		return st, err
	}
	st.Superfinal = height <= fs.LatestSuperfinal
	return st, nil
}

// publicationStatus is a publication and whether its block is canonical.
func (k Keeper) publicationStatus(ctx context.Context, txid chainhash.Hash) (types.PublicationStatus, error) {
	pub, err := k.Publications.Get(ctx, txid)
	if err != nil {
		return types.PublicationStatus{}, err
	}
	hash, err := pub.BlockHash()
	if err != nil {
		return types.PublicationStatus{}, err
	}
	onMain, err := k.btclc.IsOnMainChain(ctx, hash)
	return types.PublicationStatus{Publication: pub.View(), OnMainChain: onMain}, err
}

// CoveringKeystone returns the first keystone recorded above hemi block
// height and its anchoring (KeystoneStatus): its app hash commits to the
// state after its parent block, so it, and every keystone after it, commits
// to what block height wrote. found is false when no keystone above height
// is recorded yet. It reads one keystone and what KeystoneStatus reads.
func (k Keeper) CoveringKeystone(ctx context.Context, height uint64) (types.Keystone, types.KeystoneStatus, bool, error) {
	it, err := k.Keystones.Iterate(ctx, new(collections.Range[uint64]).StartExclusive(height))
	if err != nil {
		return types.Keystone{}, types.KeystoneStatus{}, false, err
	}
	defer it.Close()
	if !it.Valid() {
		return types.Keystone{}, types.KeystoneStatus{}, false, nil
	}
	ks, err := it.Value()
	if err != nil {
		return types.Keystone{}, types.KeystoneStatus{}, false, err
	}
	st, err := k.KeystoneStatus(ctx, ks.Height)
	if err != nil {
		return types.Keystone{}, types.KeystoneStatus{}, false, err
	}
	return ks, st, true, nil
}
