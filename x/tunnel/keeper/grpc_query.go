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

	"github.com/hemi-appchain/hemi/x/internal/pagination"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// Querier serves x/tunnel's Query service. Outpoints are "txid:vout" with
// the txid in display order.
type Querier struct {
	k Keeper
}

var _ types.QueryServer = Querier{}

// NewQuerier returns x/tunnel's Query service.
func NewQuerier(k Keeper) Querier { return Querier{k: k} }

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

// The bounds of a list query's page (see x/internal/pagination).
const (
	MaxPageLimit  = pagination.MaxLimit
	MaxPageOffset = pagination.MaxOffset
)

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

// Deposit implements types.QueryServer.
func (q Querier) Deposit(ctx context.Context, req *types.QueryDepositRequest) (*types.QueryDepositResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	d, err := q.deposit(ctx, req.Outpoint)
	if err != nil {
		return nil, err
	}
	confirmations, _, err := q.k.confirmations(ctx, d)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryDepositResponse{Deposit: d.View(), Confirmations: confirmations}, nil
}

func (q Querier) deposit(ctx context.Context, outpoint string) (types.Deposit, error) {
	op, err := types.ParseOutpoint(strings.TrimSpace(outpoint))
	if err != nil {
		return types.Deposit{}, status.Error(codes.InvalidArgument, err.Error())
	}
	d, err := q.k.Deposits.Get(ctx, op)
	if errors.Is(err, collections.ErrNotFound) {
		return d, status.Errorf(codes.NotFound, "no deposit recorded for %s", types.FormatOutpoint(op))
	}
	if err != nil {
		return d, status.Error(codes.Internal, err.Error())
	}
	return d, nil
}

// Deposits implements types.QueryServer.
func (q Querier) Deposits(ctx context.Context, req *types.QueryDepositsRequest) (*types.QueryDepositsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	page, err := pagination.Bound(req.Pagination)
	if err != nil {
		return nil, err
	}
	view := func(op types.Outpoint) (types.DepositView, error) {
		d, err := q.k.Deposits.Get(ctx, op)
		return d.View(), err
	}
	var (
		views   []types.DepositView
		pageRes *query.PageResponse
	)
	switch {
	case req.Recipient != "":
		recipient, aerr := q.k.addressCodec.StringToBytes(req.Recipient)
		if aerr != nil {
			return nil, status.Errorf(codes.InvalidArgument, "recipient %q: %v", req.Recipient, aerr)
		}
		type key = collections.Triple[sdk.AccAddress, chainhash.Hash, uint32]
		views, pageRes, err = query.CollectionFilteredPaginate(ctx, q.k.DepositsByRecipient, page,
			func(k key, _ collections.NoValue) (bool, error) {
				if req.Status == types.DEPOSIT_STATUS_UNSPECIFIED {
					return true, nil
				}
				d, err := q.k.Deposits.Get(ctx, types.NewOutpoint(k.K2(), k.K3()))
				return d.Status == req.Status, err
			},
			func(k key, _ collections.NoValue) (types.DepositView, error) {
				return view(types.NewOutpoint(k.K2(), k.K3()))
			},
			func(o *query.CollectionsPaginateOptions[key]) {
				prefix := collections.TriplePrefix[sdk.AccAddress, chainhash.Hash, uint32](recipient)
				o.Prefix = &prefix
			})
	case req.Status != types.DEPOSIT_STATUS_UNSPECIFIED:
		type key = collections.Triple[int32, chainhash.Hash, uint32]
		views, pageRes, err = query.CollectionPaginate(ctx, q.k.DepositsByStatus, page,
			func(k key, _ collections.NoValue) (types.DepositView, error) {
				return view(types.NewOutpoint(k.K2(), k.K3()))
			},
			func(o *query.CollectionsPaginateOptions[key]) {
				prefix := collections.TriplePrefix[int32, chainhash.Hash, uint32](int32(req.Status))
				o.Prefix = &prefix
			})
	default:
		views, pageRes, err = query.CollectionPaginate(ctx, q.k.Deposits, page,
			func(_ types.Outpoint, d types.Deposit) (types.DepositView, error) { return d.View(), nil })
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryDepositsResponse{Deposits: views, Pagination: pageRes}, nil
}

// Withdrawal implements types.QueryServer.
func (q Querier) Withdrawal(ctx context.Context, req *types.QueryWithdrawalRequest) (*types.QueryWithdrawalResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	w, err := q.k.Withdrawals.Get(ctx, req.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no withdrawal %d", req.Id)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryWithdrawalResponse{Withdrawal: w.View()}, nil
}

// Withdrawals implements types.QueryServer.
func (q Querier) Withdrawals(ctx context.Context, req *types.QueryWithdrawalsRequest) (*types.QueryWithdrawalsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	page, err := pagination.Bound(req.Pagination)
	if err != nil {
		return nil, err
	}
	view := func(id uint64) (types.WithdrawalView, error) {
		w, err := q.k.Withdrawals.Get(ctx, id)
		return w.View(), err
	}
	var (
		views   []types.WithdrawalView
		pageRes *query.PageResponse
	)
	switch {
	case req.Sender != "":
		sender, aerr := q.k.addressCodec.StringToBytes(req.Sender)
		if aerr != nil {
			return nil, status.Errorf(codes.InvalidArgument, "sender %q: %v", req.Sender, aerr)
		}
		type key = collections.Pair[sdk.AccAddress, uint64]
		views, pageRes, err = query.CollectionFilteredPaginate(ctx, q.k.WithdrawalsBySender, page,
			func(k key, _ collections.NoValue) (bool, error) {
				if req.Status == types.WITHDRAWAL_STATUS_UNSPECIFIED {
					return true, nil
				}
				w, err := q.k.Withdrawals.Get(ctx, k.K2())
				return w.Status == req.Status, err
			},
			func(k key, _ collections.NoValue) (types.WithdrawalView, error) { return view(k.K2()) },
			query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](sender))
	case req.Status != types.WITHDRAWAL_STATUS_UNSPECIFIED:
		type key = collections.Pair[int32, uint64]
		views, pageRes, err = query.CollectionPaginate(ctx, q.k.WithdrawalsByStatus, page,
			func(k key, _ collections.NoValue) (types.WithdrawalView, error) { return view(k.K2()) },
			query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.Status)))
	default:
		views, pageRes, err = query.CollectionPaginate(ctx, q.k.Withdrawals, page,
			func(_ uint64, w types.Withdrawal) (types.WithdrawalView, error) { return w.View(), nil })
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryWithdrawalsResponse{Withdrawals: views, Pagination: pageRes}, nil
}

// Provenance implements types.QueryServer.
func (q Querier) Provenance(ctx context.Context, req *types.QueryProvenanceRequest) (*types.QueryProvenanceResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	d, err := q.deposit(ctx, req.Outpoint)
	if err != nil {
		return nil, err
	}
	p, err := q.k.Provenance(ctx, d)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return p, nil
}
