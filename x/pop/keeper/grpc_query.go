package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Querier serves x/pop's Query service. Bitcoin hashes and txids are read
// and written in display order.
type Querier struct {
	k Keeper
}

var _ types.QueryServer = Querier{}

// NewQuerier returns x/pop's Query service.
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

// Keystone implements types.QueryServer.
func (q Querier) Keystone(ctx context.Context, req *types.QueryKeystoneRequest) (*types.QueryKeystoneResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	ks, err := q.k.Keystones.Get(ctx, req.Height)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no keystone at height %d", req.Height)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	a, err := ks.Abbreviate()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	b := a.Serialize()
	return &types.QueryKeystoneResponse{Keystone: ks.View(), Abbreviated: hex.EncodeToString(b[:]), Id: a.ID().String()}, nil
}

// Keystones implements types.QueryServer: newest first, unless
// pagination.reverse asks for oldest first.
func (q Querier) Keystones(ctx context.Context, req *types.QueryKeystonesRequest) (*types.QueryKeystonesResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	page := &query.PageRequest{}
	if req.Pagination != nil {
		p := *req.Pagination
		page = &p
	}
	page.Reverse = !page.Reverse
	keystones, pageRes, err := query.CollectionPaginate(ctx, q.k.Keystones, page, func(_ uint64, ks types.Keystone) (types.KeystoneView, error) {
		return ks.View(), nil
	})
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryKeystonesResponse{Keystones: keystones, Pagination: pageRes}, nil
}

// KeystoneStatus implements types.QueryServer.
func (q Querier) KeystoneStatus(ctx context.Context, req *types.QueryKeystoneStatusRequest) (*types.QueryKeystoneStatusResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	st, err := q.k.KeystoneStatus(ctx, req.Height)
	if err != nil {
		return nil, queryError(err)
	}
	return &types.QueryKeystoneStatusResponse{Status: st}, nil
}

// Finality implements types.QueryServer.
func (q Querier) Finality(ctx context.Context, req *types.QueryFinalityRequest) (*types.QueryFinalityResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	fs, err := q.k.getFinality(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	paused, err := q.k.Paused(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	resp := &types.QueryFinalityResponse{HighestEverSuperfinal: fs.HighestEverSuperfinal, RewardsPaused: paused}
	latest, found, err := q.k.latestKeystone(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if found {
		resp.LatestKeystoneHeight = latest.Height
	}
	if fs.LatestSuperfinal != 0 {
		ks, err := q.k.Keystones.Get(ctx, fs.LatestSuperfinal)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		view := ks.View()
		resp.LatestSuperfinal = &view
		if resp.Status, err = q.k.anchoring(ctx, fs.LatestSuperfinal); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	return resp, nil
}

// Publications implements types.QueryServer: id is a keystone height or a
// payee address.
func (q Querier) Publications(ctx context.Context, req *types.QueryPublicationsRequest) (*types.QueryPublicationsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	id := strings.TrimSpace(req.Id)
	toStatus := func(txid chainhash.Hash) (types.PublicationStatus, error) {
		return q.k.publicationStatus(ctx, txid)
	}
	var (
		pubs    []types.PublicationStatus
		pageRes *query.PageResponse
		err     error
	)
	if height, perr := strconv.ParseUint(id, 10, 64); perr == nil {
		pubs, pageRes, err = query.CollectionPaginate(ctx, q.k.PublicationsByKeystone, req.Pagination,
			func(key collections.Triple[uint64, uint64, chainhash.Hash], _ collections.NoValue) (types.PublicationStatus, error) {
				return toStatus(key.K3())
			},
			func(o *query.CollectionsPaginateOptions[collections.Triple[uint64, uint64, chainhash.Hash]]) {
				prefix := collections.TriplePrefix[uint64, uint64, chainhash.Hash](height)
				o.Prefix = &prefix
			})
	} else {
		payee, aerr := q.k.addressCodec.StringToBytes(id)
		if aerr != nil {
			return nil, status.Errorf(codes.InvalidArgument, "id %q is neither a keystone height nor an address: %v", req.Id, aerr)
		}
		pubs, pageRes, err = query.CollectionPaginate(ctx, q.k.PublicationsByPayee, req.Pagination,
			func(key collections.Pair[sdk.AccAddress, chainhash.Hash], _ collections.NoValue) (types.PublicationStatus, error) {
				return toStatus(key.K2())
			},
			query.WithCollectionPaginationPairPrefix[sdk.AccAddress, chainhash.Hash](payee))
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryPublicationsResponse{Publications: pubs, Pagination: pageRes}, nil
}

// Publication implements types.QueryServer.
func (q Querier) Publication(ctx context.Context, req *types.QueryPublicationRequest) (*types.QueryPublicationResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	txid, err := bitcoin.ParseDisplayHash(req.Txid)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "txid: %v", err)
	}
	ps, err := q.k.publicationStatus(ctx, txid)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no publication with txid %s", txid)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryPublicationResponse{Publication: ps}, nil
}

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

// queryError turns a keeper error into a gRPC status: an unknown keystone is
// NotFound with its message, anything else is Internal.
func queryError(err error) error {
	if errors.Is(err, types.ErrUnknownKeystone) {
		return status.Error(codes.NotFound, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
