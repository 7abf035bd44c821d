package hemiclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// ProofOutcome is what became of a submitted PoP proof.
type ProofOutcome int

const (
	// ProofRecorded: x/pop recorded the publication from this proof.
	ProofRecorded ProofOutcome = iota + 1
	// ProofAlreadyRecorded: another submitter proved the same transaction first (x/pop refused
	// the proof with ErrDuplicatePublication): the publication is on hemi, and its payee is bound
	// already (to the one key any proof can bind), or this proof could not bind one either.
	ProofAlreadyRecorded
	// ProofRewardSettled: the publication is on hemi and anchors its keystone, but it was recorded
	// without a payee and this proof, which would bind one, came after the keystone's reward was
	// settled (x/pop's ErrRewardSettled): the share went to the community pool. Not a failure to
	// retry (nothing can change it), but a lost reward, which the caller should report.
	ProofRewardSettled
)

func (o ProofOutcome) String() string {
	switch o {
	case ProofRecorded:
		return "recorded"
	case ProofAlreadyRecorded:
		return "already recorded"
	case ProofRewardSettled:
		return "recorded without payee; reward already settled"
	}
	return fmt.Sprintf("ProofOutcome(%d)", int(o))
}

// SubmitPoPProof proves to x/pop that transaction txid of block is a PoP publication. It is the
// one proof-submission path of the daemons (the relayer and the PoP miner): the message is built
// here, from the block the caller read from its Bitcoin node and checked, so whatever a proof
// must carry is added in this one place.
//
// funding is the transaction whose output the first input of txid spends: x/pop pays the key
// that signs that input only when the proof carries it (x/btclc checks it against the input's
// outpoint). nil sends the proof without it: the publication anchors its keystone, and the
// payee stays unbound until a proof with the funding transaction arrives.
func (c *Client) SubmitPoPProof(ctx context.Context, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx) (ProofOutcome, error) {
	return submitPoPProof(ctx, c.SendTx, c.address.String(), block, txid, funding)
}

// submitPoPProof is SubmitPoPProof over any sender, so that tests can hand it the chain's
// answers.
func submitPoPProof(ctx context.Context, send func(context.Context, ...sdk.Msg) (*sdk.TxResponse, error),
	submitter string, block *wire.MsgBlock, txid chainhash.Hash, funding *wire.MsgTx,
) (ProofOutcome, error) {
	msg, err := poptypes.NewMsgSubmitPoPProofFromBlock(submitter, block, txid, funding)
	if err != nil {
		return 0, fmt.Errorf("building the proof of %s: %w", txid, err)
	}
	_, err = send(ctx, msg)
	switch {
	case err == nil:
		return ProofRecorded, nil
	case errors.Is(err, poptypes.ErrDuplicatePublication):
		return ProofAlreadyRecorded, nil
	case errors.Is(err, poptypes.ErrRewardSettled):
		return ProofRewardSettled, nil
	}
	return 0, fmt.Errorf("x/pop refused the proof of %s: %w", txid, err)
}
