package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"

	"cosmossdk.io/collections"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	"github.com/hemi-appchain/hemi/x/tunnel/types"
)

// ProveDeposit records every output of a proven Bitcoin transaction that
// pays vault_script at least min_deposit_sats as its own pending deposit,
// keyed by its outpoint. Everything is checked before anything is written, so
// a rejected message changes nothing:
//
//  1. the submitter is an address of this chain;
//  2. a vault is configured (ErrNoVault) and deposits are enabled
//     (ErrDepositsDisabled);
//  3. the transaction is not at index 0, the coinbase (ErrCoinbaseTx);
//  4. x/btclc's VerifyProof (proof.funding_tx is not read): the decoding, the block on the canonical chain
//     (one confirmation is enough: EndBlock mints at min_confirmations), the
//     merkle path; its errors are returned as they are;
//  5. at most MaxDepositOutputs outputs (ErrTooManyOutputs), at least one
//     vault output of min_deposit_sats (ErrNoVaultOutput);
//  6. the recipient, from the first OP_RETURN among the first 8 outputs
//     (ErrNoRecipient, ErrBadRecipient), which can receive coins
//     (ErrBlockedRecipient);
//  7. at least one of those outpoints is not recorded yet
//     (ErrDuplicateDeposit). A pending deposit whose block has left the
//     canonical chain does not count as recorded: this proof moves it to
//     the block that holds the transaction now.
func (k Keeper) ProveDeposit(ctx context.Context, msg *types.MsgProveDeposit) (*types.MsgProveDepositResponse, error) {
	if _, err := k.addressCodec.StringToBytes(msg.Submitter); err != nil {
		return nil, sdkerrors.ErrInvalidAddress.Wrapf("submitter %q: %v", msg.Submitter, err)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if len(params.VaultScript) == 0 {
		return nil, types.ErrNoVault
	}
	if !params.DepositsEnabled {
		return nil, types.ErrDepositsDisabled
	}
	if msg.Proof.TxIndex == 0 {
		return nil, types.ErrCoinbaseTx.Wrap("tx_index 0 is the block's coinbase")
	}
	// A deposit reads no signer, so a funding transaction sent with the proof is not looked at:
	// with one, VerifyProof would decode input 0's witness and check bytes nothing here uses.
	proof := msg.Proof
	proof.FundingTx = nil
	proven, err := k.btclc.VerifyProof(ctx, &proof)
	if err != nil {
		return nil, err
	}
	vouts, err := vaultOutputs(proven.Tx, params)
	if err != nil {
		return nil, err
	}
	account, err := bitcoin.DepositRecipient(proven.Tx)
	switch {
	case errors.Is(err, bitcoin.ErrNoRecipient):
		return nil, types.ErrNoRecipient.Wrap(err.Error())
	case err != nil:
		return nil, types.ErrBadRecipient.Wrap(err.Error())
	}
	recipient := sdk.AccAddress(account[:])
	if k.bank.BlockedAddr(recipient) {
		return nil, types.ErrBlockedRecipient.Wrapf("%s (0x%x) may not receive coins: a module account, a precompile or the hemiBTC token", recipient, account)
	}
	recipientStr, err := k.addressCodec.BytesToString(recipient)
	if err != nil {
		return nil, err
	}

	// Which outpoints are new, and which stale pending records this proof
	// replaces: all read before anything is written.
	var fresh []uint32
	var stale []types.Deposit
	for _, vout := range vouts {
		old, err := k.Deposits.Get(ctx, types.NewOutpoint(proven.TxID, vout))
		switch {
		case errors.Is(err, collections.ErrNotFound):
			fresh = append(fresh, vout)
			continue
		case err != nil:
			return nil, err
		}
		if old.Status == types.DEPOSIT_STATUS_MINTED {
			continue // minted once, never again
		}
		onChain, err := k.btclc.IsOnMainChain(ctx, old.BlockHash())
		if err != nil {
			return nil, err
		}
		if !onChain {
			stale = append(stale, old)
			fresh = append(fresh, vout)
		}
	}
	if len(fresh) == 0 {
		return nil, types.ErrDuplicateDeposit.Wrapf("every vault output of %s is recorded", proven.TxID)
	}

	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, old := range stale {
		if err := k.removeDeposit(ctx, old); err != nil {
			return nil, err
		}
	}
	if err := k.LockProofs.Set(ctx, proven.TxID, lockProof(proven, &proof)); err != nil {
		return nil, err
	}
	var txHash []byte
	if raw := sdkCtx.TxBytes(); len(raw) != 0 {
		sum := sha256.Sum256(raw)
		txHash = sum[:]
	}
	resp := &types.MsgProveDepositResponse{}
	for _, vout := range fresh {
		d := types.Deposit{
			Txid:         proven.TxID[:],
			Vout:         vout,
			Amount:       uint64(proven.Tx.TxOut[vout].Value),
			Recipient:    recipientStr,
			BtcBlockHash: proven.BlockHash[:],
			BtcHeight:    proven.Block.Height,
			Status:       types.DEPOSIT_STATUS_PENDING,
			ProvenHeight: uint64(sdkCtx.BlockHeight()),
			ProvenTxHash: txHash,
		}
		if err := k.setDeposit(ctx, d, types.DEPOSIT_STATUS_UNSPECIFIED); err != nil {
			return nil, err
		}
		if err := emitDepositProven(sdkCtx, d, msg.Submitter); err != nil {
			return nil, err
		}
		resp.Outpoints = append(resp.Outpoints, types.FormatOutpoint(d.Outpoint()))
	}
	return resp, nil
}

// vaultOutputs returns the indexes of tx's outputs that pay the vault at
// least min_deposit_sats.
func vaultOutputs(tx *wire.MsgTx, params types.Params) ([]uint32, error) {
	if n := len(tx.TxOut); n > types.MaxDepositOutputs {
		return nil, types.ErrTooManyOutputs.Wrapf("%d outputs, at most %d", n, types.MaxDepositOutputs)
	}
	var vouts []uint32
	small := 0
	for i, out := range tx.TxOut {
		// A header is all the light client checks of a block, so the transaction's own rule
		// is checked here: every output within Bitcoin's supply.
		if out.Value < 0 || out.Value > types.MaxSats {
			return nil, btclctypes.ErrInvalidTx.Wrapf("output %d has a value of %d sats, outside 0 to %d", i, out.Value, int64(types.MaxSats))
		}
		if !bytes.Equal(out.PkScript, params.VaultScript) {
			continue
		}
		if uint64(out.Value) < params.MinDepositSats {
			small++
			continue
		}
		vouts = append(vouts, uint32(i))
	}
	if len(vouts) == 0 {
		return nil, types.ErrNoVaultOutput.Wrapf("%d vault outputs below min_deposit_sats %d", small, params.MinDepositSats)
	}
	return vouts, nil
}

// lockProof is the proof as recorded: the transaction without its witness
// (the txid does not commit to it) and no funding transaction.
func lockProof(proven btclctypes.ProvenTx, sent *btclctypes.InclusionProof) btclctypes.InclusionProof {
	var raw bytes.Buffer
	raw.Grow(proven.Tx.SerializeSizeStripped())
	_ = proven.Tx.SerializeNoWitness(&raw) // writes to memory: cannot fail
	return btclctypes.InclusionProof{
		Tx:             raw.Bytes(),
		BtcBlockHash:   sent.BtcBlockHash,
		TxIndex:        sent.TxIndex,
		MerkleSiblings: sent.MerkleSiblings,
	}
}

// setDeposit writes d and its indexes; from is its status before (UNSPECIFIED
// for a new record), whose status index entry it replaces.
func (k Keeper) setDeposit(ctx context.Context, d types.Deposit, from types.DepositStatus) error {
	op := d.Outpoint()
	txid, vout := op.K1(), op.K2()
	if err := k.Deposits.Set(ctx, op, d); err != nil {
		return err
	}
	if from != types.DEPOSIT_STATUS_UNSPECIFIED {
		if err := k.DepositsByStatus.Remove(ctx, collections.Join3(int32(from), txid, vout)); err != nil {
			return err
		}
	}
	if err := k.DepositsByStatus.Set(ctx, collections.Join3(int32(d.Status), txid, vout)); err != nil {
		return err
	}
	heightKey := collections.Join3(d.BtcHeight, txid, vout)
	if from == types.DEPOSIT_STATUS_UNSPECIFIED {
		recipient, err := k.addressCodec.StringToBytes(d.Recipient)
		if err != nil {
			return err
		}
		if err := k.DepositsByRecipient.Set(ctx, collections.Join3(sdk.AccAddress(recipient), txid, vout)); err != nil {
			return err
		}
		if err := k.DepositsByBTCHeight.Set(ctx, heightKey); err != nil {
			return err
		}
	}
	if d.Status == types.DEPOSIT_STATUS_PENDING {
		return k.PendingDeposits.Set(ctx, heightKey)
	}
	return k.PendingDeposits.Remove(ctx, heightKey)
}

// removeDeposit deletes a deposit that was never minted and its indexes, so
// its outpoint can be proven again.
func (k Keeper) removeDeposit(ctx context.Context, d types.Deposit) error {
	op := d.Outpoint()
	txid, vout := op.K1(), op.K2()
	recipient, err := k.addressCodec.StringToBytes(d.Recipient)
	if err != nil {
		return err
	}
	heightKey := collections.Join3(d.BtcHeight, txid, vout)
	for _, err := range []error{
		k.Deposits.Remove(ctx, op),
		k.DepositsByStatus.Remove(ctx, collections.Join3(int32(d.Status), txid, vout)),
		k.DepositsByRecipient.Remove(ctx, collections.Join3(sdk.AccAddress(recipient), txid, vout)),
		k.DepositsByBTCHeight.Remove(ctx, heightKey),
		k.PendingDeposits.Remove(ctx, heightKey),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// DepositOf returns the deposit recorded at outpoint txid:vout (txid in
// internal byte order) and its recipient's 20 bytes; found is false when none
// is. One read: x/hvm's IBitcoin.deposit calls it at a fixed gas.
func (k Keeper) DepositOf(ctx context.Context, txid chainhash.Hash, vout uint32) (d types.Deposit, recipient []byte, found bool, err error) {
	d, err = k.Deposits.Get(ctx, types.NewOutpoint(txid, vout))
	if errors.Is(err, collections.ErrNotFound) {
		return types.Deposit{}, nil, false, nil
	}
	if err != nil {
		return types.Deposit{}, nil, false, err
	}
	recipient, err = k.addressCodec.StringToBytes(d.Recipient)
	return d, recipient, err == nil, err
}
