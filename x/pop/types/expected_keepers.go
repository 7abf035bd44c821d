package types

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// BTCLCKeeper is the part of x/btclc's keeper x/pop reads: the canonical
// Bitcoin chain and SPV proofs against it. Hashes are in internal byte order.
type BTCLCKeeper interface {
	// Tip returns the canonical tip.
	Tip(ctx context.Context) (btclctypes.HeaderInfo, error)
	// HeaderByHash returns a canonical header, btclctypes.ErrHeaderNotFound
	// when the block is not canonical.
	HeaderByHash(ctx context.Context, hash chainhash.Hash) (btclctypes.HeaderInfo, error)
	// IsOnMainChain tells whether the block is canonical.
	IsOnMainChain(ctx context.Context, hash chainhash.Hash) (bool, error)
	// ReorgPending tells whether a reorg in the current block awaits
	// EndBlock's hooks.
	ReorgPending(ctx context.Context) (bool, error)
	// VerifyProof checks an inclusion proof against the canonical chain and
	// returns what it proves, with the signer of input 0 when the proof's
	// funding transaction binds one. It writes nothing.
	VerifyProof(ctx context.Context, proof *btclctypes.InclusionProof) (btclctypes.ProvenTx, error)
}

// BankKeeper mints the keystone rewards and pays them out.
type BankKeeper interface {
	MintCoins(ctx context.Context, moduleName string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
}

// DistrKeeper receives what the publications of a keystone do not earn.
type DistrKeeper interface {
	FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error
}
