package keeper

import (
	"context"
	"errors"
	"strings"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/inbox/types"
	"github.com/hemi-appchain/hemi/x/internal/pagination"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Querier serves x/inbox's Query service. Txids are in display order.
type Querier struct {
	k Keeper
}

var _ types.QueryServer = Querier{}

// NewQuerier returns x/inbox's Query service.
func NewQuerier(k Keeper) Querier { return Querier{k: k} }

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

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

// Op implements types.QueryServer: the operation and its Bitcoin depth (0 if its block is no
// longer canonical).
func (q Querier) Op(ctx context.Context, req *types.QueryOpRequest) (*types.QueryOpResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	txid, err := bitcoin.ParseDisplayHash(strings.TrimSpace(req.Txid))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, types.ErrInvalidTxID.Wrap(err.Error()).Error())
	}
	o, err := q.k.Ops.Get(ctx, txid)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Error(codes.NotFound, types.ErrUnknownOp.Wrap(txid.String()).Error())
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return q.opResponse(ctx, o)
}

// Coin implements types.QueryServer: the operation recorded for a coin, and its Bitcoin depth.
func (q Querier) Coin(ctx context.Context, req *types.QueryCoinRequest) (*types.QueryOpResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	coin, err := tunneltypes.ParseOutpoint(strings.TrimSpace(req.Outpoint))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	o, found, err := q.k.CoinOp(ctx, coin)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "no inbox operation is recorded for coin %s", req.Outpoint)
	}
	return q.opResponse(ctx, o)
}

// opResponse is o with its Bitcoin depth (0 when its block is no longer canonical).
func (q Querier) opResponse(ctx context.Context, o types.Op) (*types.QueryOpResponse, error) {
	var confirmations uint64
	onChain, err := q.k.btclc.IsOnMainChain(ctx, o.BlockHash())
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if onChain {
		tip, err := q.k.btclc.Tip(ctx)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		if tip.Height >= o.BtcHeight {
			confirmations = tip.Height - o.BtcHeight + 1
		}
	}
	return &types.QueryOpResponse{Op: o.View(), Confirmations: confirmations}, nil
}

// Ops implements types.QueryServer: by account (optionally with a status), by status, or all,
// in txid order within each.
func (q Querier) Ops(ctx context.Context, req *types.QueryOpsRequest) (*types.QueryOpsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	page, err := pagination.Bound(req.Pagination)
	if err != nil {
		return nil, err
	}
	view := func(txid chainhash.Hash) (types.OpView, error) {
		o, err := q.k.Ops.Get(ctx, txid)
		return o.View(), err
	}
	var (
		views   []types.OpView
		pageRes *query.PageResponse
	)
	switch {
	case req.Account != "":
		account, aerr := q.k.addressCodec.StringToBytes(req.Account)
		if aerr != nil {
			return nil, status.Errorf(codes.InvalidArgument, "account %q: %v", req.Account, aerr)
		}
		type key = collections.Pair[sdk.AccAddress, chainhash.Hash]
		views, pageRes, err = query.CollectionFilteredPaginate(ctx, q.k.OpsByAccount, page,
			func(k key, _ collections.NoValue) (bool, error) {
				if req.Status == types.OP_STATUS_UNSPECIFIED {
					return true, nil
				}
				o, err := q.k.Ops.Get(ctx, k.K2())
				return o.Status == req.Status, err
			},
			func(k key, _ collections.NoValue) (types.OpView, error) { return view(k.K2()) },
			query.WithCollectionPaginationPairPrefix[sdk.AccAddress, chainhash.Hash](account))
	case req.Status != types.OP_STATUS_UNSPECIFIED:
		type key = collections.Pair[int32, chainhash.Hash]
		views, pageRes, err = query.CollectionPaginate(ctx, q.k.OpsByStatus, page,
			func(k key, _ collections.NoValue) (types.OpView, error) { return view(k.K2()) },
			query.WithCollectionPaginationPairPrefix[int32, chainhash.Hash](int32(req.Status)))
	default:
		views, pageRes, err = query.CollectionPaginate(ctx, q.k.Ops, page,
			func(_ chainhash.Hash, o types.Op) (types.OpView, error) { return o.View(), nil })
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryOpsResponse{Ops: views, Pagination: pageRes}, nil
}
