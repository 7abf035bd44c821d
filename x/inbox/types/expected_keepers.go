package types

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// BTCLCKeeper is the part of x/btclc x/inbox reads: the canonical chain and SPV proofs against it.
type BTCLCKeeper interface {
	Tip(ctx context.Context) (btclctypes.HeaderInfo, error)
	IsOnMainChain(ctx context.Context, hash chainhash.Hash) (bool, error)
	VerifyProof(ctx context.Context, proof *btclctypes.InclusionProof) (btclctypes.ProvenTx, error)
}

// BankKeeper moves a transfer's coins.
type BankKeeper interface {
	SendCoins(ctx context.Context, from, to sdk.AccAddress, amt sdk.Coins) error
	BlockedAddr(addr sdk.AccAddress) bool
	IsSendEnabledCoins(ctx context.Context, coins ...sdk.Coin) error
}

// TunnelKeeper queues a withdrawal, as MsgWithdraw does, and tells its fee allowance.
type TunnelKeeper interface {
	GetParams(ctx context.Context) (tunneltypes.Params, error)
	Withdraw(ctx context.Context, msg *tunneltypes.MsgWithdraw) (*tunneltypes.MsgWithdrawResponse, error)
}

// StakingKeeper undelegates, as MsgUndelegate does, in the bond denom.
type StakingKeeper interface {
	BondDenom(ctx context.Context) (string, error)
	Undelegate(ctx context.Context, msg *stakingtypes.MsgUndelegate) (*stakingtypes.MsgUndelegateResponse, error)
}
