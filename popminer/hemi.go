package popminer

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/hemiclient"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// ChainHemi is Hemi on a hemid node, reached through hemiclient.
type ChainHemi struct {
	Client *hemiclient.Client
}

var _ Hemi = ChainHemi{}

// NewestKeystone asks x/pop for its newest keystone.
func (h ChainHemi) NewestKeystone(ctx context.Context) (poptypes.Keystone, bool, error) {
	res, err := h.Client.Pop.Keystones(ctx, &poptypes.QueryKeystonesRequest{Pagination: &query.PageRequest{Limit: 1}})
	if err != nil {
		return poptypes.Keystone{}, false, fmt.Errorf("x/pop keystones: %w", err)
	}
	if len(res.Keystones) == 0 {
		return poptypes.Keystone{}, false, nil
	}
	k, err := res.Keystones[0].Keystone()
	if err != nil {
		return poptypes.Keystone{}, false, fmt.Errorf("x/pop keystones: %w", err)
	}
	return k, true, nil
}

// Published asks x/pop whether the keystone has a publication.
func (h ChainHemi) Published(ctx context.Context, height uint64) (bool, error) {
	res, err := h.Client.Pop.KeystoneStatus(ctx, &poptypes.QueryKeystoneStatusRequest{Height: height})
	if err != nil {
		return false, fmt.Errorf("x/pop keystone status %d: %w", height, err)
	}
	return len(res.Status.Publications) > 0, nil
}

// HasBitcoinBlock asks x/btclc whether it holds the block.
func (h ChainHemi) HasBitcoinBlock(ctx context.Context, hash chainhash.Hash) (bool, error) {
	res, err := h.Client.BTCLC.Contains(ctx, &btclctypes.QueryContainsRequest{Hash: hash.String()})
	if err != nil {
		return false, fmt.Errorf("x/btclc contains %s: %w", hash, err)
	}
	return res.Contains, nil
}

// SubmitPoPProof is hemiclient's one proof path.
func (h ChainHemi) SubmitPoPProof(ctx context.Context, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (hemiclient.ProofOutcome, error) {
	return h.Client.SubmitPoPProof(ctx, block, txid, funding)
}

// BitcoinChain asks x/btclc for the network it follows (with its tip) and its base header.
func (h ChainHemi) BitcoinChain(ctx context.Context) (BitcoinChain, error) {
	tip, err := h.Client.BTCLC.Tip(ctx, &btclctypes.QueryTipRequest{})
	if err != nil {
		return BitcoinChain{}, fmt.Errorf("x/btclc tip: %w", err)
	}
	base, err := h.Client.BTCLC.MainChain(ctx, &btclctypes.QueryMainChainRequest{From: 0, Limit: 1})
	if err != nil {
		return BitcoinChain{}, fmt.Errorf("x/btclc base header: %w", err)
	}
	if len(base.Headers) == 0 {
		return BitcoinChain{}, errors.New("x/btclc holds no headers")
	}
	hash, err := bitcoin.ParseDisplayHash(base.Headers[0].Hash)
	if err != nil {
		return BitcoinChain{}, fmt.Errorf("x/btclc base header: %w", err)
	}
	return BitcoinChain{Network: tip.Network, BaseHeight: int64(base.Headers[0].Height), BaseHash: hash}, nil
}
