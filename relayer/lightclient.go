package relayer

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/hemiclient"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// ChainLightClient is x/btclc on a hemid node, reached through hemiclient.
type ChainLightClient struct {
	Client *hemiclient.Client
}

var _ LightClient = ChainLightClient{}

// Tip returns x/btclc's canonical tip.
func (c ChainLightClient) Tip(ctx context.Context) (int64, chainhash.Hash, error) {
	res, err := c.Client.BTCLC.Tip(ctx, &btclctypes.QueryTipRequest{})
	if err != nil {
		return 0, chainhash.Hash{}, err
	}
	return headerID(res.Header)
}

// BaseHeight returns the height of x/btclc's oldest header.
func (c ChainLightClient) BaseHeight(ctx context.Context) (int64, error) {
	res, err := c.Client.BTCLC.MainChain(ctx, &btclctypes.QueryMainChainRequest{From: 0, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(res.Headers) == 0 {
		return 0, errors.New("x/btclc holds no headers")
	}
	return int64(res.Headers[0].Height), nil
}

// HashAt returns the canonical hash at a height.
func (c ChainLightClient) HashAt(ctx context.Context, height int64) (chainhash.Hash, error) {
	res, err := c.Client.BTCLC.Header(ctx, &btclctypes.QueryHeaderRequest{Id: strconv.FormatInt(height, 10)})
	if err != nil {
		return chainhash.Hash{}, err
	}
	_, hash, err := headerID(res.Header)
	return hash, err
}

// Known tells whether x/btclc holds the block, canonical or as a side-chain header.
func (c ChainLightClient) Known(ctx context.Context, hash chainhash.Hash) (bool, error) {
	_, err := c.Client.BTCLC.Header(ctx, &btclctypes.QueryHeaderRequest{Id: hash.String()})
	if status.Code(err) == codes.NotFound {
		return false, nil
	}
	return err == nil, err
}

// MaxHeadersPerMsg reads x/btclc's max_headers_per_msg.
func (c ChainLightClient) MaxHeadersPerMsg(ctx context.Context) (int, error) {
	res, err := c.Client.BTCLC.Params(ctx, &btclctypes.QueryParamsRequest{})
	if err != nil {
		return 0, err
	}
	return int(res.Params.MaxHeadersPerMsg), nil
}

// Insert sends one MsgInsertHeaders. Headers another relayer already delivered are skipped by
// x/btclc, so overlapping batches succeed. The headers were kept as a side chain when the
// canonical tip is not their last header afterwards.
func (c ChainLightClient) Insert(ctx context.Context, headers [][]byte) (bool, error) {
	_, err := c.Client.SendTx(ctx, &btclctypes.MsgInsertHeaders{Signer: c.Client.Address().String(), Headers: headers})
	if errors.Is(err, btclctypes.ErrUnknownParent) {
		return false, fmt.Errorf("%w: %v", ErrUnknownParent, err)
	}
	if err != nil {
		return false, err
	}
	_, tip, err := c.Tip(ctx)
	if err != nil {
		return false, err
	}
	return tip != chainhash.DoubleHashH(headers[len(headers)-1]), nil
}

func headerID(h btclctypes.HeaderView) (int64, chainhash.Hash, error) {
	hash, err := bitcoin.ParseDisplayHash(h.Hash)
	if err != nil {
		return 0, chainhash.Hash{}, fmt.Errorf("x/btclc returned a bad hash: %w", err)
	}
	return int64(h.Height), hash, nil
}
