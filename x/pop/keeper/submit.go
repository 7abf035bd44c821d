package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/pop/types"
)

const (
	// MaxTxSize bounds the transaction of a proof: Bitcoin Core relays no
	// transaction above 400,000 weight units, and a PoP transaction is a
	// few hundred bytes.
	MaxTxSize = 100_000
	// MaxMerkleDepth is the longest merkle branch a uint32 index can address.
	MaxMerkleDepth = 32
)

// SubmitPoPProof applies a MsgSubmitPoPProof. It checks, in this order and
// before writing anything: the submitter's address; the proof's shape (a
// transaction of at most MaxTxSize bytes, a display-order block hash, at most
// 32 siblings of 32 bytes, not the coinbase position); the transaction
// decodes and carries exactly one PoP payload; the block is on x/btclc's
// canonical chain; the SPV proof holds; the payload is, byte for byte, the
// abbreviated form of the keystone this chain recorded at its height; the
// txid was not recorded before. Each failure is its own registered error and
// changes nothing. Then it records the publication, lowers the keystone's
// anchor if the publication is its earliest, and asks EndBlock to
// re-evaluate finality.
func (k Keeper) SubmitPoPProof(ctx context.Context, msg *types.MsgSubmitPoPProof) (*types.MsgSubmitPoPProofResponse, error) {
	// Who.
	if _, err := k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("invalid submitter address %q: %v", msg.Submitter, err)
	}

	// The proof on its own.
	switch {
	case len(msg.Tx) == 0:
		return nil, types.ErrInvalidTx.Wrap("empty transaction: send the raw bitcoin transaction")
	case len(msg.Tx) > MaxTxSize:
		return nil, types.ErrInvalidTx.Wrapf("%d bytes, at most %d", len(msg.Tx), MaxTxSize)
	}
	blockHash, err := bitcoin.ParseDisplayHash(msg.BtcBlockHash)
	if err != nil {
		return nil, types.ErrInvalidBlockHash.Wrap(err.Error())
	}
	if len(msg.MerkleSiblings) > MaxMerkleDepth {
		return nil, types.ErrInvalidProof.Wrapf("%d merkle siblings, no block needs more than %d", len(msg.MerkleSiblings), MaxMerkleDepth)
	}
	siblings := make([]chainhash.Hash, len(msg.MerkleSiblings))
	for i, s := range msg.MerkleSiblings {
		if len(s) != chainhash.HashSize {
			return nil, types.ErrInvalidProof.Wrapf("merkle sibling %d is %d bytes, want %d", i, len(s), chainhash.HashSize)
		}
		copy(siblings[i][:], s)
	}
	if msg.TxIndex == 0 {
		return nil, types.ErrCoinbaseTx.Wrap("tx_index 0 is the block's coinbase")
	}
	tx, err := bitcoin.DecodeTx(msg.Tx)
	if err != nil {
		return nil, types.ErrInvalidTx.Wrap(err.Error())
	}
	payload, err := bitcoin.FindPoPPayload(tx)
	if err != nil {
		return nil, payloadError(err)
	}

	// Against Bitcoin.
	header, err := k.btclc.HeaderByHash(ctx, blockHash)
	if errors.Is(err, btclctypes.ErrHeaderNotFound) {
		return nil, types.ErrBlockNotOnMainChain.Wrapf("block %s: relay its header first, or it was reorged away", blockHash)
	}
	if err != nil {
		return nil, err
	}
	if err := k.btclc.VerifyInclusion(ctx, msg.Tx, blockHash, msg.TxIndex, siblings); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidProof, "transaction at index %d of block %s: %v", msg.TxIndex, blockHash, err)
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
	txid := tx.TxHash()
	// A transaction is recorded once. The exception is a publication whose block a Bitcoin reorg
	// took off the main chain while the same transaction was mined again in another block: the new
	// proof moves the record there, so the publication counts again.
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
			return nil, types.ErrDuplicatePublication.Wrapf("txid %s (in block %s)", txid, oldBlock)
		}
		if err := k.removePublicationIndexes(ctx, txid, old); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}

	pub := types.Publication{
		KeystoneHeight: keystone.Height,
		Txid:           txid[:],
		BtcHeight:      header.Height,
		BtcBlockHash:   blockHash[:],
		Submitter:      msg.Submitter,
	}
	var payee sdk.AccAddress
	if addr, ok := bitcoin.PoPPayee(tx); ok {
		payee = addr[:]
		if pub.Payee, err = k.addressCodec.BytesToString(payee); err != nil {
			return nil, err
		}
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
	return &types.MsgSubmitPoPProofResponse{KeystoneHeight: pub.KeystoneHeight, Txid: txid.String()}, nil
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
