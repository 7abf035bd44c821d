package types

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
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
// block holding it, its index there and its merkle branch (internal byte
// order, leaf level first, as bitcoin.MerkleBranch returns it).
func NewMsgSubmitPoPProof(submitter string, rawTx []byte, blockHash chainhash.Hash, index uint32, siblings []chainhash.Hash) *MsgSubmitPoPProof {
	branch := make([][]byte, len(siblings))
	for i := range siblings {
		branch[i] = siblings[i][:]
	}
	return &MsgSubmitPoPProof{
		Submitter:      submitter,
		Tx:             rawTx,
		BtcBlockHash:   blockHash.String(),
		TxIndex:        index,
		MerkleSiblings: branch,
	}
}

// NewMsgSubmitPoPProofFromBlock builds the proof of transaction txid of block, as the PoP miner and
// the relayer submit it.
func NewMsgSubmitPoPProofFromBlock(submitter string, block *wire.MsgBlock, txid chainhash.Hash) (*MsgSubmitPoPProof, error) {
	index, siblings, rawTx, err := bitcoin.InclusionProof(block, txid)
	if err != nil {
		return nil, err
	}
	return NewMsgSubmitPoPProof(submitter, rawTx, block.BlockHash(), index, siblings), nil
}

// NewMsgUpdateParams builds a MsgUpdateParams for the governance authority.
func NewMsgUpdateParams(authority string, params Params) *MsgUpdateParams {
	return &MsgUpdateParams{Authority: authority, Params: params}
}

// NewMsgResumeRewards builds a MsgResumeRewards for the governance authority.
func NewMsgResumeRewards(authority string) *MsgResumeRewards {
	return &MsgResumeRewards{Authority: authority}
}
