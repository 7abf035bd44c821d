package types

import (
	"bytes"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
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
	branch := make([][]byte, len(siblings))
	for i := range siblings {
		branch[i] = siblings[i][:]
	}
	return &MsgSubmitPoPProof{
		Submitter: submitter,
		Proof: btclctypes.InclusionProof{
			Tx:             rawTx,
			BtcBlockHash:   blockHash.String(),
			TxIndex:        index,
			MerkleSiblings: branch,
			FundingTx:      rawFunding,
		},
	}
}

// NewMsgSubmitPoPProofFromBlock builds the proof of transaction txid of block, as the PoP miner and
// the relayer submit it. funding is the transaction whose output the first input of txid spends;
// it binds the payee (nil: the publication is recorded without one).
func NewMsgSubmitPoPProofFromBlock(submitter string, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (*MsgSubmitPoPProof, error) {
	index, siblings, rawTx, err := bitcoin.InclusionProof(block, txid)
	if err != nil {
		return nil, err
	}
	var rawFunding []byte
	if funding != nil {
		// Without its witness: x/btclc reads only its txid and outputs, and refuses a witness.
		var buf bytes.Buffer
		if err := funding.SerializeNoWitness(&buf); err != nil {
			return nil, err
		}
		rawFunding = buf.Bytes()
	}
	return NewMsgSubmitPoPProof(submitter, rawTx, block.BlockHash(), index, siblings, rawFunding), nil
}

// NewMsgUpdateParams builds a MsgUpdateParams for the governance authority.
func NewMsgUpdateParams(authority string, params Params) *MsgUpdateParams {
	return &MsgUpdateParams{Authority: authority, Params: params}
}

// NewMsgResumeRewards builds a MsgResumeRewards for the governance authority.
func NewMsgResumeRewards(authority string) *MsgResumeRewards {
	return &MsgResumeRewards{Authority: authority}
}
