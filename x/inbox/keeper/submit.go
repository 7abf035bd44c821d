package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/inbox/types"
)

// SubmitInboxTx records the operation a proven Bitcoin transaction carries as pending, for
// BeginBlock to execute once it is min_confirmations deep. Everything is checked before anything
// is written, so a refused message changes nothing:
//
//  1. the submitter is an address of this chain (anyone may submit: what runs is the signer's);
//  2. the transaction is not the coinbase (ErrCoinbaseTx), and the proof carries funding_tx
//     (ErrNoFundingTx): the output input 0 spends is what binds the key; each is at most
//     10000 bytes (ErrProofTooLarge);
//  3. x/btclc's VerifyProof: the decoding, the block on the canonical chain, the merkle path and
//     the funding transaction; its errors are returned as they are;
//  4. exactly one well-formed HEMF output (ErrNoOperation);
//  5. an account bound to the key that signs input 0 (ErrNoSigner): the operation runs as it;
//  6. neither the txid (ErrDuplicateOp) nor the outpoint input 0 spends (ErrOutpointUsed) is
//     recorded yet. A pending record whose Bitcoin block has left the canonical chain does not
//     count: this proof replaces it, since that transaction is void or was mined again.
func (k Keeper) SubmitInboxTx(ctx context.Context, msg *types.MsgSubmitInboxTx) (*types.MsgSubmitInboxTxResponse, error) {
	if _, err := k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("submitter %q: %v", msg.Submitter, err)
	}
	if msg.Proof.TxIndex == 0 {
		return nil, types.ErrCoinbaseTx.Wrap("tx_index 0 is the block's coinbase")
	}
	if len(msg.Proof.FundingTx) == 0 {
		return nil, types.ErrNoFundingTx
	}
	if err := types.CheckSizes(len(msg.Proof.Tx), len(msg.Proof.FundingTx)); err != nil {
		return nil, err
	}
	proof := msg.Proof
	proven, err := k.btclc.VerifyProof(ctx, &proof)
	if err != nil {
		return nil, err
	}
	payload, err := bitcoin.FindInboxPayload(proven.Tx)
	if err != nil {
		return nil, types.ErrNoOperation.Wrap(err.Error())
	}
	if proven.Signer == nil {
		reason := "no key"
		if proven.NoSigner != nil {
			reason = proven.NoSigner.Error()
		}
		return nil, types.ErrNoSigner.Wrap(reason)
	}
	account, err := k.addressCodec.BytesToString(sdk.AccAddress(proven.Signer))
	if err != nil {
		return nil, err
	}
	raw, err := payload.Encode()
	if err != nil { // parsed payloads encode
		return nil, types.ErrNoOperation.Wrap(err.Error())
	}
	in := proven.Tx.TxIn[0].PreviousOutPoint
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	o := types.Op{
		Txid:         proven.TxID[:],
		SpentTxid:    in.Hash[:],
		SpentVout:    in.Index,
		BtcBlockHash: proven.BlockHash[:],
		BtcHeight:    proven.Block.Height,
		TxIndex:      proven.Index,
		Account:      account,
		Type:         types.OpType(payload.Op),
		Payload:      raw,
		Status:       types.OP_STATUS_PENDING,
		ProvenHeight: uint64(sdkCtx.BlockHeight()),
	}

	// Records this one replaces, all read before anything is written.
	stale, err := k.staleRecords(ctx, o)
	if err != nil {
		return nil, err
	}
	for _, old := range stale {
		if err := k.removeOp(ctx, old); err != nil {
			return nil, err
		}
		if err := emitUnproven(sdkCtx, old); err != nil {
			return nil, err
		}
	}
	if err := k.setOp(ctx, o, types.OP_STATUS_UNSPECIFIED); err != nil {
		return nil, err
	}
	if err := emitProven(sdkCtx, o, msg.Submitter); err != nil {
		return nil, err
	}
	return &types.MsgSubmitInboxTxResponse{Txid: proven.TxID.String(), Account: account, Type: o.Type}, nil
}

// staleRecords returns the records of o's txid and of o's outpoint, which o may replace because
// they are pending in a block no longer canonical; it refuses o if either is live.
func (k Keeper) staleRecords(ctx context.Context, o types.Op) ([]types.Op, error) {
	var stale []types.Op
	byTxID, err := k.Ops.Get(ctx, o.TxID())
	switch {
	case errors.Is(err, collections.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if live, err := k.live(ctx, byTxID); err != nil || live {
			if err == nil {
				err = types.ErrDuplicateOp.Wrapf("%s is %s", o.TxID(), byTxID.Status)
			}
			return nil, err
		}
		stale = append(stale, byTxID)
	}
	spender, err := k.Spent.Get(ctx, spentKey(o))
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return stale, nil
	case err != nil:
		return nil, err
	case spender == o.TxID():
		return stale, nil // the record above
	}
	bySpent, err := k.Ops.Get(ctx, spender)
	if err != nil {
		return nil, err
	}
	if live, err := k.live(ctx, bySpent); err != nil || live {
		if err == nil {
			err = types.ErrOutpointUsed.Wrapf("%s was spent by %s (%s)", o.SpentOutpoint(), spender, bySpent.Status)
		}
		return nil, err
	}
	return append(stale, bySpent), nil
}

// live tells whether a record still stands: it has run (executed or failed), or it is pending in
// a block of the canonical chain.
func (k Keeper) live(ctx context.Context, o types.Op) (bool, error) {
	if o.Status != types.OP_STATUS_PENDING {
		return true, nil
	}
	return k.btclc.IsOnMainChain(ctx, o.BlockHash())
}
