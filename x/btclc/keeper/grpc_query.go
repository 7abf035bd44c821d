package keeper

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

const (
	// DefaultMainChainLimit is MainChain's page size when limit is 0.
	DefaultMainChainLimit = 100
	// MaxMainChainLimit bounds MainChain's page size.
	MaxMainChainLimit = 1000
)

// Querier serves x/btclc's Query service. Hashes are read and written in
// display order, as Bitcoin RPCs and explorers print them.
type Querier struct {
	k Keeper
}

var _ types.QueryServer = Querier{}

// NewQuerier returns x/btclc's Query service.
func NewQuerier(k Keeper) Querier { return Querier{k: k} }

// Params implements types.QueryServer.
func (q Querier) Params(ctx context.Context, req *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: params}, nil
}

// Tip implements types.QueryServer.
func (q Querier) Tip(ctx context.Context, req *types.QueryTipRequest) (*types.QueryTipResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tip, err := q.k.Tip(ctx)
	if err != nil {
		return nil, queryError(err)
	}
	view, err := tip.View()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	network, err := q.k.NetworkName.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryTipResponse{Header: view, Network: network}, nil
}

// Header implements types.QueryServer: id is a block hash (64 hex
// characters), canonical or in the side-chain store (canonical says which),
// or a canonical height (decimal).
func (q Querier) Header(ctx context.Context, req *types.QueryHeaderRequest) (*types.QueryHeaderResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	id := strings.TrimSpace(req.Id)
	var (
		info      types.HeaderInfo
		err       error
		canonical = true
	)
	if len(id) == 2*chainhash.HashSize {
		hash, perr := bitcoin.ParseDisplayHash(id)
		if perr != nil {
			return nil, status.Error(codes.InvalidArgument, perr.Error())
		}
		info, canonical, err = q.k.KnownHeader(ctx, hash)
	} else {
		height, perr := strconv.ParseUint(id, 10, 64)
		if perr != nil {
			return nil, status.Errorf(codes.InvalidArgument, "id %q is neither a block hash (64 hex characters) nor a height", req.Id)
		}
		info, err = q.k.HeaderByHeight(ctx, height)
	}
	if err != nil {
		return nil, queryError(err)
	}
	view, err := info.View()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryHeaderResponse{Header: view, Canonical: canonical}, nil
}

// MainChain implements types.QueryServer: up to limit canonical headers from
// height from upwards (an empty list above the tip).
func (q Querier) MainChain(ctx context.Context, req *types.QueryMainChainRequest) (*types.QueryMainChainResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	limit := int(req.Limit)
	switch {
	case limit == 0:
		limit = DefaultMainChainLimit
	case limit > MaxMainChainLimit:
		return nil, status.Errorf(codes.InvalidArgument, "limit %d is above the maximum %d", req.Limit, MaxMainChainLimit)
	}
	headers := make([]types.HeaderView, 0, min(limit, DefaultMainChainLimit))
	rng := new(collections.Range[uint64]).StartInclusive(req.From)
	err := q.k.Headers.Walk(ctx, rng, func(_ uint64, info types.HeaderInfo) (bool, error) {
		view, err := info.View()
		if err != nil {
			return true, err
		}
		headers = append(headers, view)
		return len(headers) == limit, nil
	})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryMainChainResponse{Headers: headers}, nil
}

// Depth implements types.QueryServer: a canonical block's confirmations.
// A block that is not canonical is NotFound rather than 0, so a mistyped
// hash is not mistaken for an unconfirmed block.
func (q Querier) Depth(ctx context.Context, req *types.QueryDepthRequest) (*types.QueryDepthResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	hash, err := bitcoin.ParseDisplayHash(req.Hash)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	info, err := q.k.HeaderByHash(ctx, hash)
	if err != nil {
		return nil, queryError(err)
	}
	tip, err := q.k.Tip(ctx)
	if err != nil {
		return nil, queryError(err)
	}
	return &types.QueryDepthResponse{Confirmations: tip.Height - info.Height + 1}, nil
}

// Contains implements types.QueryServer.
func (q Querier) Contains(ctx context.Context, req *types.QueryContainsRequest) (*types.QueryContainsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	hash, err := bitcoin.ParseDisplayHash(req.Hash)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	height, found, err := q.k.heightOf(ctx, hash)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryContainsResponse{Contains: found, Height: height}, nil
}

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

// queryError turns a keeper error into a gRPC status: not found stays
// NotFound with its message, anything else is Internal.
func queryError(err error) error {
	if errors.Is(err, types.ErrHeaderNotFound) {
		return status.Error(codes.NotFound, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
