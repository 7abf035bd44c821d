package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

// SubmitPoPProof applies a MsgSubmitPoPProof. It checks, in this order and
// before writing anything: the submitter's address; the proof is not of the
// coinbase position; x/btclc's VerifyProof (the proof's shape, the decoding,
// the block on the canonical chain, the merkle path, the funding transaction
// if any: its errors are x/btclc's and are returned as they are); the
// transaction carries exactly one PoP payload; the payload is, byte for
// byte, the abbreviated form of the keystone this chain recorded at its
// height; the txid was not recorded before (see below). Each failure is its
// own registered error and changes nothing. Then it records the
// publication, lowers the keystone's anchor if the publication is its
// earliest, and asks EndBlock to re-evaluate finality.
//
// The payee is the signer VerifyProof binds through the funding transaction,
// and nothing else: a key read from the witness alone can be anyone's. A
// proof without a funding transaction, or whose input binds no key, records
// a publication without a payee. Because the bound signer is fixed by what
// the Bitcoin block commits to, a later proof of the same transaction that
// binds a signer binds the same one, so it may fill the payee in (bindPayee):
// whoever proves a publication first, with whatever witness, cannot take or
// destroy its reward.
func (k Keeper) SubmitPoPProof(ctx context.Context, msg *types.MsgSubmitPoPProof) (*types.MsgSubmitPoPProofResponse, error) {
	// Who.
	if _, err := k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("invalid submitter address %q: %v", msg.Submitter, err)
	}
	if msg.Proof.TxIndex == 0 {
		return nil, types.ErrCoinbaseTx.Wrap("tx_index 0 is the block's coinbase")
	}

	// Against Bitcoin: the one SPV check of the chain.
	proven, err := k.btclc.VerifyProof(ctx, &msg.Proof)
	if err != nil {
		return nil, err
	}
	payload, err := bitcoin.FindPoPPayload(proven.Tx)
	if err != nil {
		return nil, payloadError(err)
	}

	// Against this chain.
	keystone, err := k.Keystones.Get(ctx, uint64(payload.KeystoneHeight))
	if errors.Is(err, collections.ErrNotFound) {
		return nil, types.ErrUnknownKeystone.Wrapf("the payload names keystone %d", payload.KeystoneHeight)
	}
	if err != nil {
		return nil, err
	}
	if diff := keystoneDiff(keystone, payload); diff != "" {
		return nil, types.ErrKeystoneMismatch.Wrapf("keystone %d differs in %s: the payload was made for another chain or is forged", keystone.Height, diff)
	}
	var payee sdk.AccAddress = proven.Signer
	payeeStr := ""
	if len(payee) != 0 {
		if payeeStr, err = k.addressCodec.BytesToString(payee); err != nil {
			return nil, err
		}
	}

	txid := proven.TxID
	// A transaction is recorded once. Two exceptions: a proof that binds the
	// payee of a publication recorded without one, and a publication whose
	// block a Bitcoin reorg took off the main chain while the same
	// transaction was mined again in another block: the new proof moves the
	// record there, so the publication counts again.
	if old, err := k.Publications.Get(ctx, txid); err == nil {
		oldBlock, err := old.BlockHash()
		if err != nil {
			return nil, err
		}
		onMain, err := k.btclc.IsOnMainChain(ctx, oldBlock)
		if err != nil {
			return nil, err
		}
		if onMain {
			return k.bindPayee(ctx, msg.Submitter, txid, old, oldBlock, payee, payeeStr, proven.NoSigner)
		}
		if err := k.removePublicationIndexes(ctx, txid, old); err != nil {
			return nil, err
		}
		if len(payee) == 0 && old.Payee != "" { // the same transaction has the same signer
			payeeStr = old.Payee
			if payee, err = k.addressCodec.StringToBytes(old.Payee); err != nil {
				return nil, err
			}
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}

	pub := types.Publication{
		KeystoneHeight: keystone.Height,
		Txid:           txid[:],
		BtcHeight:      proven.Block.Height,
		BtcBlockHash:   proven.BlockHash[:],
		Payee:          payeeStr,
		Submitter:      msg.Submitter,
	}
	if err := k.setPublication(ctx, txid, payee, pub); err != nil {
		return nil, err
	}
	if err := k.lowerAnchor(ctx, pub.KeystoneHeight, pub.BtcHeight); err != nil {
		return nil, err
	}
	if err := k.PendingUpdate.Set(ctx, true); err != nil {
		return nil, err
	}
	if err := emitPublicationRecorded(sdk.UnwrapSDKContext(ctx), pub); err != nil {
		return nil, err
	}
	return &types.MsgSubmitPoPProofResponse{KeystoneHeight: pub.KeystoneHeight, Txid: txid.String(), Payee: pub.Payee}, nil
}

// bindPayee handles a proof of a transaction already recorded in a block of
// the main chain. If the record has no payee and this proof binds one, the
// payee is written (with its index) and the proof succeeds: the bound signer
// is the only one any proof can bind, so this is the payee the publication
// always had. Otherwise the proof is a duplicate (ErrDuplicatePublication):
// the record has its payee already (the same one), or this proof binds none
// (noSigner says why); or it comes too late (ErrRewardSettled): the
// keystone's reward is settled (paid, or forfeited while rewards were
// paused), which a payee written now could not change. That one has its own
// error because it is not "already known" to the payee's miner: its reward
// is lost.
func (k Keeper) bindPayee(ctx context.Context, submitter string, txid chainhash.Hash, pub types.Publication, block chainhash.Hash,
	payee sdk.AccAddress, payeeStr string, noSigner error,
) (*types.MsgSubmitPoPProofResponse, error) {
	if pub.Payee != "" {
		return nil, types.ErrDuplicatePublication.Wrapf("txid %s (in block %s), payee %s", txid, block, pub.Payee)
	}
	if len(payee) == 0 {
		return nil, types.ErrDuplicatePublication.Wrapf("txid %s (in block %s) has no payee, and this proof binds none (%v): send the transaction that funds its first input as proof.funding_tx", txid, block, noSigner)
	}
	settled, err := k.rewardSettled(ctx, pub.KeystoneHeight)
	if err != nil {
		return nil, err
	}
	if settled {
		return nil, types.ErrRewardSettled.Wrapf("txid %s (in block %s) was recorded without a payee, and keystone %d's reward was settled before this proof could bind %s: "+
			"the publication anchors, its share went to the community pool; prove publications with their funding transaction before the keystone is superfinal", txid, block, pub.KeystoneHeight, payeeStr)
	}
	pub.Payee = payeeStr
	if err := k.Publications.Set(ctx, txid, pub); err != nil {
		return nil, err
	}
	if err := k.PublicationsByPayee.Set(ctx, collections.Join(payee, txid)); err != nil {
		return nil, err
	}
	if err := emitPublicationPayeeBound(sdk.UnwrapSDKContext(ctx), pub, submitter); err != nil {
		return nil, err
	}
	return &types.MsgSubmitPoPProofResponse{KeystoneHeight: pub.KeystoneHeight, Txid: txid.String(), Payee: payeeStr, PayeeBound: true}, nil
}

// rewardSettled tells whether keystone K has had its one chance at a reward:
// it has been superfinal (K <= highest_ever_superfinal) and is no longer
// owed (it was paid, or it first became superfinal while rewards were
// paused, so it never will be). A keystone still owed is paid later, from
// the publications and payees recorded then.
func (k Keeper) rewardSettled(ctx context.Context, keystone uint64) (bool, error) {
	fs, err := k.getFinality(ctx)
	if err != nil {
		return false, err
	}
	if keystone > fs.HighestEverSuperfinal {
		return false, nil
	}
	// The owed range with the greatest start below K is the only one that
	// can hold it: the ranges are disjoint and in order.
	last, found, err := firstEntry(ctx, k.OwedRewards, new(collections.Range[uint64]).EndExclusive(keystone).Descending())
	if err != nil {
		return false, err
	}
	return !found || last.value < keystone, nil
}

// setPublication writes a publication and its indexes. payee is nil when
// the publication has none.
func (k Keeper) setPublication(ctx context.Context, txid chainhash.Hash, payee sdk.AccAddress, p types.Publication) error {
	if err := k.Publications.Set(ctx, txid, p); err != nil {
		return err
	}
	if err := k.PublicationsByKeystone.Set(ctx, collections.Join3(p.KeystoneHeight, p.BtcHeight, txid)); err != nil {
		return err
	}
	if err := k.PublicationsByBTCHeight.Set(ctx, collections.Join3(p.BtcHeight, p.KeystoneHeight, txid)); err != nil {
		return err
	}
	if len(payee) == 0 {
		return nil
	}
	return k.PublicationsByPayee.Set(ctx, collections.Join(payee, txid))
}

// removePublicationIndexes deletes the height indexes of a publication about to be rewritten with
// another block (the payee index stays: the same transaction has the same payee).
func (k Keeper) removePublicationIndexes(ctx context.Context, txid chainhash.Hash, p types.Publication) error {
	if err := k.PublicationsByKeystone.Remove(ctx, collections.Join3(p.KeystoneHeight, p.BtcHeight, txid)); err != nil {
		return err
	}
	return k.PublicationsByBTCHeight.Remove(ctx, collections.Join3(p.BtcHeight, p.KeystoneHeight, txid))
}

// payloadError reports an error of bitcoin.FindPoPPayload as x/pop's
// registered error of its kind, keeping the detail.
func payloadError(err error) error {
	switch {
	case errors.Is(err, bitcoin.ErrMultiplePoPPayloads):
		return types.ErrMultiplePayloads.Wrap(err.Error())
	case errors.Is(err, bitcoin.ErrNoPoPPayload):
		return types.ErrNoPayload.Wrap(err.Error())
	default: // a PoP-form output whose keystone does not decode
		return types.ErrInvalidPayload.Wrap(err.Error())
	}
}

// keystoneDiff names the fields in which a payload differs from the
// abbreviated form of the recorded keystone, "" when it is the same byte
// for byte.
func keystoneDiff(k types.Keystone, payload bitcoin.AbbreviatedKeystone) string {
	if k.Matches(payload) {
		return ""
	}
	want, err := k.Abbreviate()
	if err != nil {
		return fmt.Sprintf("the recorded keystone cannot be abbreviated (%v), so all", err)
	}
	var diff []string
	if want.BTCHeight != payload.BTCHeight {
		diff = append(diff, fmt.Sprintf("bitcoin height (recorded %d, payload %d)", want.BTCHeight, payload.BTCHeight))
	}
	if want.ParentHashPrefix != payload.ParentHashPrefix {
		diff = append(diff, "parent hash")
	}
	if want.PrevKeystoneHashPrefix != payload.PrevKeystoneHashPrefix {
		diff = append(diff, "previous keystone hash")
	}
	if want.AppHash != payload.AppHash {
		diff = append(diff, "app hash")
	}
	if want.BlockHashPrefix != payload.BlockHashPrefix {
		diff = append(diff, "block hash")
	}
	if len(diff) == 0 { // version or height cannot differ: they found the keystone
		diff = append(diff, "version")
	}
	return strings.Join(diff, ", ")
}
