package keeper_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

func requireCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, status.Code(err), err.Error())
}

func TestQueries(t *testing.T) {
	f := newFixture(t)
	a := newPoPMiner(f, 1, false)
	f.advanceTo(30)
	f.beginBlock()
	pub20 := f.publish(a, 20)
	pub30 := f.extend(payeeLessTx(t, f.abbrev(30), "q"))
	f.submit(pub30)
	f.extendN(4) // tip 6: keystone 20 superfinal
	f.endBlock()
	q, ctx := f.query, f.ctx

	params, err := q.Params(ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, f.params(), params.Params)

	ks, err := q.Keystone(ctx, &types.QueryKeystoneRequest{Height: 20})
	require.NoError(t, err)
	require.Equal(t, f.keystone(20).View(), ks.Keystone)
	back, err := ks.Keystone.Keystone()
	require.NoError(t, err)
	require.Equal(t, f.keystone(20), back, "the view parses back to the stored keystone")
	require.Equal(t, hex.EncodeToString(f.keystone(20).BlockHash), ks.Keystone.BlockHash)
	require.Equal(t, f.btcBlocks[pub20.hash()].header.PrevBlock.String(), ks.Keystone.BtcHash, "the tip keystone 20 saw, in display order")
	abbrev := f.abbrev(20)
	b := abbrev.Serialize()
	require.Equal(t, hex.EncodeToString(b[:]), ks.Abbreviated)
	require.Equal(t, abbrev.ID().String(), ks.Id)
	_, err = q.Keystone(ctx, &types.QueryKeystoneRequest{Height: 25})
	requireCode(t, err, codes.NotFound)

	// Newest first; reverse lists oldest first; pages follow.
	list, err := q.Keystones(ctx, &types.QueryKeystonesRequest{})
	require.NoError(t, err)
	require.Equal(t, []uint64{30, 20, 10}, heightsOf(list.Keystones))
	list, err = q.Keystones(ctx, &types.QueryKeystonesRequest{Pagination: &query.PageRequest{Reverse: true, Limit: 2}})
	require.NoError(t, err)
	require.Equal(t, []uint64{10, 20}, heightsOf(list.Keystones))
	list, err = q.Keystones(ctx, &types.QueryKeystonesRequest{Pagination: &query.PageRequest{Reverse: true, Key: list.Pagination.NextKey}})
	require.NoError(t, err)
	require.Equal(t, []uint64{30}, heightsOf(list.Keystones))

	st, err := q.KeystoneStatus(ctx, &types.QueryKeystoneStatusRequest{Height: 20})
	require.NoError(t, err)
	require.Equal(t, types.KeystoneStatus{
		KeystoneHeight: 20, FirstBtcHeight: 1, EffectiveBtcHeight: 1, Confirmations: 6, Superfinal: true, BtcTipHeight: 6,
		Publications: []types.PublicationStatus{{Publication: types.PublicationView{
			KeystoneHeight: 20, Txid: pub20.txids[1].String(), BtcHeight: 1, BtcBlockHash: pub20.hash().String(),
			Payee: a.payee(t), Submitter: f.submitter,
		}, OnMainChain: true}},
	}, st.Status)
	_, err = q.KeystoneStatus(ctx, &types.QueryKeystoneStatusRequest{Height: 40})
	requireCode(t, err, codes.NotFound)

	fin, err := q.Finality(ctx, &types.QueryFinalityRequest{})
	require.NoError(t, err)
	ks20 := f.keystone(20).View()
	require.Equal(t, &types.QueryFinalityResponse{
		LatestSuperfinal:      &ks20,
		Status:                types.KeystoneStatus{KeystoneHeight: 20, FirstBtcHeight: 1, EffectiveBtcHeight: 1, Confirmations: 6, Superfinal: true, BtcTipHeight: 6},
		LatestKeystoneHeight:  30,
		HighestEverSuperfinal: 20,
	}, fin)

	pubs, err := q.Publications(ctx, &types.QueryPublicationsRequest{Id: "30"})
	require.NoError(t, err)
	require.Len(t, pubs.Publications, 1)
	require.Equal(t, pub30.txids[1].String(), pubs.Publications[0].Publication.Txid)
	pubs, err = q.Publications(ctx, &types.QueryPublicationsRequest{Id: a.payee(t)})
	require.NoError(t, err)
	require.Len(t, pubs.Publications, 1)
	require.Equal(t, pub20.txids[1].String(), pubs.Publications[0].Publication.Txid)
	pubs, err = q.Publications(ctx, &types.QueryPublicationsRequest{Id: "10"})
	require.NoError(t, err)
	require.Empty(t, pubs.Publications)
	_, err = q.Publications(ctx, &types.QueryPublicationsRequest{Id: "not-an-id"})
	requireCode(t, err, codes.InvalidArgument)

	one, err := q.Publication(ctx, &types.QueryPublicationRequest{Txid: pub30.txids[1].String()})
	require.NoError(t, err)
	require.Empty(t, one.Publication.Publication.Payee)
	require.True(t, one.Publication.OnMainChain)
	_, err = q.Publication(ctx, &types.QueryPublicationRequest{Txid: pub30.txids[0].String()})
	requireCode(t, err, codes.NotFound)
	_, err = q.Publication(ctx, &types.QueryPublicationRequest{Txid: "abc"})
	requireCode(t, err, codes.InvalidArgument)

	// Nil requests are refused, not dereferenced.
	_, err = q.Params(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	_, err = q.Keystone(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	_, err = q.Keystones(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	_, err = q.KeystoneStatus(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	_, err = q.Finality(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	_, err = q.Publications(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	_, err = q.Publication(ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
}

// Before any keystone is superfinal, Finality says so.
func TestFinalityQueryEmpty(t *testing.T) {
	f := newFixture(t)
	fin, err := f.query.Finality(f.ctx, &types.QueryFinalityRequest{})
	require.NoError(t, err)
	require.Equal(t, &types.QueryFinalityResponse{}, fin)
}

func heightsOf(ks []types.KeystoneView) []uint64 {
	out := make([]uint64, len(ks))
	for i, k := range ks {
		out[i] = k.Height
	}
	return out
}
