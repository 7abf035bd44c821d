package types

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// BTCLCKeeper is the part of x/btclc's keeper x/tunnel reads: the canonical
// Bitcoin chain and SPV proofs against it. Hashes are in internal byte order.
type BTCLCKeeper interface {
	Tip(ctx context.Context) (btclctypes.HeaderInfo, error)
	IsOnMainChain(ctx context.Context, hash chainhash.Hash) (bool, error)
	VerifyProof(ctx context.Context, proof *btclctypes.InclusionProof) (btclctypes.ProvenTx, error)
}

// PoPKeeper answers which keystone covers a hemi block and how it is
// anchored in Bitcoin.
type PoPKeeper interface {
	// CoveringKeystone returns the first keystone recorded above height
	// and its anchoring; found is false when none is recorded yet.
	CoveringKeystone(ctx context.Context, height uint64) (keystone poptypes.Keystone, status poptypes.KeystoneStatus, found bool, err error)
}

// BankKeeper mints deposits and burns withdrawals.
type BankKeeper interface {
	MintCoins(ctx context.Context, moduleName string, amt sdk.Coins) error
	BurnCoins(ctx context.Context, moduleName string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	BlockedAddr(addr sdk.AccAddress) bool
}
