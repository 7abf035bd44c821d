package keeper_test

import (
	"context"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/cosmos/cosmos-sdk/runtime"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	testkeeper "github.com/hemi-appchain/hemi/testutil/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/inbox/keeper"
	"github.com/hemi-appchain/hemi/x/inbox/types"
)

// chainAt is x/btclc with its tip at height, every block on its main chain.
type chainAt struct{ height uint64 }

func (c chainAt) Tip(context.Context) (btclctypes.HeaderInfo, error) {
	return btclctypes.HeaderInfo{Height: c.height}, nil
}
func (chainAt) IsOnMainChain(context.Context, chainhash.Hash) (bool, error) { return true, nil }
func (chainAt) VerifyProof(context.Context, *btclctypes.InclusionProof) (btclctypes.ProvenTx, error) {
	return btclctypes.ProvenTx{}, errors.New("not used")
}

// panickingBank panics on every send, as a module's handler might on amounts a user chose.
type panickingBank struct{}

func (panickingBank) SendCoins(context.Context, sdk.AccAddress, sdk.AccAddress, sdk.Coins) error {
	panic("overflow in a handler")
}
func (panickingBank) BlockedAddr(sdk.AccAddress) bool                       { return false }
func (panickingBank) IsSendEnabledCoins(context.Context, ...sdk.Coin) error { return nil }

// TestExecutionPanicFails: a transfer whose bank send panics does not stop BeginBlock: the
// operation is recorded failed with ErrExecutionPanic, the same reason on every node, and the
// next operation in the queue still runs (and fails the same way here).
func TestExecutionPanicFails(t *testing.T) {
	env := testkeeper.NewEnv(t, types.StoreKey)
	k := keeper.NewKeeper(env.Cdc, runtime.NewKVStoreService(env.Key(types.StoreKey)), env.Authority, testkeeper.AddressCodec,
		chainAt{height: 10}, panickingBank{}, nil, nil)
	account, err := testkeeper.AddressCodec.BytesToString(make([]byte, 20))
	if err != nil {
		t.Fatal(err)
	}
	payload := bitcoin.InboxPayload{Op: bitcoin.InboxTransfer, To: [20]byte{9}}
	payload.Amount[15] = 1
	raw, err := payload.Encode()
	if err != nil {
		t.Fatal(err)
	}
	op := func(b byte) types.Op {
		return types.Op{Txid: bytesOf(b), SpentTxid: bytesOf(b + 1), BtcBlockHash: bytesOf(0xbb), BtcHeight: 1, TxIndex: uint32(b),
			Account: account, Type: types.OpType(bitcoin.InboxTransfer), Payload: raw, Status: types.OP_STATUS_PENDING}
	}
	if err := k.InitGenesis(env.Ctx, &types.GenesisState{Params: types.DefaultParams(), Ops: []types.Op{op(1), op(3)}}); err != nil {
		t.Fatal(err)
	}
	if err := k.BeginBlocker(env.Ctx.WithBlockHeight(5)); err != nil {
		t.Fatalf("BeginBlock with a panicking handler: %v", err)
	}
	for _, b := range []byte{1, 3} {
		got, err := k.Ops.Get(env.Ctx, chainhash.Hash(bytesOf(b)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != types.OP_STATUS_FAILED || got.Reason != types.ErrExecutionPanic.Error() || got.ExecutedHeight != 5 {
			t.Fatalf("operation %d: %s %q at %d, want failed with %q at 5", b, got.Status, got.Reason, got.ExecutedHeight, types.ErrExecutionPanic)
		}
	}
	if n := 0; k.Pending.Walk(env.Ctx, nil, func(keeper.QueueKey) (bool, error) { n++; return false, nil }) != nil || n != 0 {
		t.Fatal("a failed operation is still queued")
	}
}

func bytesOf(b byte) []byte {
	out := make([]byte, chainhash.HashSize)
	out[0] = b
	return out
}
