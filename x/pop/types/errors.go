package types

import (
	errorsmod "cosmossdk.io/errors"
)

// x/pop errors. Codes start at 2 and are never renumbered: clients and PoP
// miners match on them.
//
// ErrInvalidTx, ErrInvalidBlockHash, ErrInvalidProof and
// ErrBlockNotOnMainChain are no longer returned: the proof is checked by
// x/btclc's VerifyProof, whose errors (x/btclc's ErrInvalidTx,
// ErrInvalidBlockHash, ErrInvalidSPVProof, ErrNotOnMainChain,
// ErrInvalidFundingTx) MsgSubmitPoPProof returns as they are. Their codes
// stay registered and reserved.
var (
	ErrInvalidParams        = errorsmod.Register(ModuleName, 2, "invalid params")
	ErrInvalidGenesis       = errorsmod.Register(ModuleName, 3, "invalid genesis state")
	ErrInvalidTx            = errorsmod.Register(ModuleName, 4, "invalid bitcoin transaction")
	ErrInvalidBlockHash     = errorsmod.Register(ModuleName, 5, "invalid bitcoin block hash: give 64 hex characters in display order")
	ErrInvalidProof         = errorsmod.Register(ModuleName, 6, "invalid SPV inclusion proof")
	ErrCoinbaseTx           = errorsmod.Register(ModuleName, 7, "a coinbase transaction never counts as a publication")
	ErrNoPayload            = errorsmod.Register(ModuleName, 8, "transaction carries no PoP payload")
	ErrMultiplePayloads     = errorsmod.Register(ModuleName, 9, "transaction carries more than one PoP payload")
	ErrInvalidPayload       = errorsmod.Register(ModuleName, 10, "PoP payload does not decode")
	ErrBlockNotOnMainChain  = errorsmod.Register(ModuleName, 11, "bitcoin block is not on the light client's canonical chain")
	ErrUnknownKeystone      = errorsmod.Register(ModuleName, 12, "no keystone recorded at this height")
	ErrKeystoneMismatch     = errorsmod.Register(ModuleName, 13, "payload differs from the keystone this chain recorded at its height")
	ErrDuplicatePublication = errorsmod.Register(ModuleName, 14, "transaction already recorded as a publication")
	ErrBlockContext         = errorsmod.Register(ModuleName, 15, "the block's execution context does not identify the block")
	ErrRewardsNotPaused     = errorsmod.Register(ModuleName, 16, "rewards are not paused: there is nothing to resume")
	// ErrRewardSettled is a proof that would bind the payee of a publication recorded without
	// one, too late: the publication anchors, but its share of the reward is already settled
	// (the community pool took it), so no payee is written.
	ErrRewardSettled = errorsmod.Register(ModuleName, 17, "the publication is recorded without a payee and its keystone's reward is already settled: the payee can no longer be bound")
	// ErrReorgPending is a keystone status asked for inside a block whose Bitcoin reorg x/pop
	// has not yet applied: anchors and finality move at the block's end, and an answer now
	// would count publications the reorg removed.
	ErrReorgPending = errorsmod.Register(ModuleName, 18, "a Bitcoin reorg in this block is applied to keystone anchors and finality at the end of the block: ask again in the next block")
)
