package types

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// The messages are checked in full by their handlers (authority or
// submitter, then the content, then against state), so they have no
// ValidateBasic.
var (
	_ sdk.Msg = (*MsgSubmitPoPProof)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)
	_ sdk.Msg = (*MsgResumeRewards)(nil)
)

// NewMsgSubmitPoPProof builds a MsgSubmitPoPProof: the raw transaction, the
// block holding it, its index there, its merkle branch (internal byte order,
// leaf level first, as bitcoin.MerkleBranch returns it) and the raw funding
// transaction of its first input (nil for none: the publication then has no
// payee until a proof with it binds one).
func NewMsgSubmitPoPProof(submitter string, rawTx []byte, blockHash chainhash.Hash, index uint32, siblings []chainhash.Hash, rawFunding []byte) *MsgSubmitPoPProof {
	return &MsgSubmitPoPProof{Submitter: submitter, Proof: btclctypes.NewInclusionProofOf(rawTx, blockHash, index, siblings, rawFunding)}
}

// NewMsgSubmitPoPProofFromBlock builds the proof of transaction txid of block, as the PoP miner and
// the relayer submit it (btclctypes.NewInclusionProof). funding is the transaction whose output
// the first input of txid spends; it binds the payee (nil: the publication is recorded without one).
func NewMsgSubmitPoPProofFromBlock(submitter string, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (*MsgSubmitPoPProof, error) {
	proof, err := btclctypes.NewInclusionProof(block, txid, funding)
	if err != nil {
		return nil, err
	}
	return &MsgSubmitPoPProof{Submitter: submitter, Proof: proof}, nil
}

// NewMsgUpdateParams builds a MsgUpdateParams for the governance authority.
func NewMsgUpdateParams(authority string, params Params) *MsgUpdateParams {
	return &MsgUpdateParams{Authority: authority, Params: params}
}

// NewMsgResumeRewards builds a MsgResumeRewards for the governance authority.
func NewMsgResumeRewards(authority string) *MsgResumeRewards {
	return &MsgResumeRewards{Authority: authority}
}
