package hvm_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/x/hvm"
)

// TestPrecompilesActiveAndBlocked: hemid's default genesis activates x/hvm's precompiles, the
// EVM has them, and a bank send to any of them is refused and moves nothing.
func TestPrecompilesActiveAndBlocked(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	ctx := c.Context()
	evm := c.App().EVMKeeper
	active := evm.GetParams(ctx).ActiveStaticPrecompiles
	for _, addr := range hvm.Addresses() {
		require.True(t, slices.Contains(active, addr.Hex()), "%s is not active", addr)
		evmParams := evm.GetParams(ctx)
		p, found, err := evm.GetStaticPrecompileInstance(&evmParams, addr)
		require.NoError(t, err)
		require.True(t, found, "the EVM has no precompile at %s", addr)
		require.Equal(t, addr, p.Address())

		to := sdk.AccAddress(addr.Bytes())
		require.True(t, c.App().BankKeeper.BlockedAddr(to), "%s may receive coins", addr)
		coins := sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewInt(1)))
		res := c.FinalizeTxs(c.SignTx(c.Accounts[0], 0, banktypes.NewMsgSend(c.Accounts[0].Address, to, coins)))
		require.NotZero(t, res.TxResults[0].Code, "a bank send to %s succeeded", addr)
		require.Contains(t, res.TxResults[0].Log, "not allowed to receive funds")
		require.True(t, c.App().BankKeeper.GetAllBalances(c.Context(), to).IsZero())
	}
	require.True(t, slices.IsSorted(active), "the EVM's params need the precompiles sorted")
}
