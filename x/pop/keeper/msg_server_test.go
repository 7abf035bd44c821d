package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/x/pop/types"
)

// Only the authority changes params, only to valid ones, and a change asks
// EndBlock to re-evaluate finality.
func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	before := f.snapshot()
	params := f.params()
	params.SuperfinalityDepth = 3

	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.submitter, params))
	require.ErrorIs(t, err, sdkerrors.ErrUnauthorized)
	bad := params
	bad.KeystoneInterval = 0
	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, bad))
	require.ErrorIs(t, err, types.ErrInvalidParams)
	require.Equal(t, before, f.snapshot())

	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, params))
	require.NoError(t, err)
	require.Equal(t, params, f.params())
	due, err := f.k.PendingUpdate.Has(f.ctx)
	require.NoError(t, err)
	require.True(t, due)
}
