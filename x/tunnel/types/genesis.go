package types

import (
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// DefaultGenesis is the default params (no vault) and nothing recorded.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextWithdrawalId: 1}
}

// Validate checks params, each deposit (32-byte hashes, a status, a
// recipient, each outpoint once, a lock proof for its txid), each withdrawal
// (a status, a payout script, each id once and below next_withdrawal_id).
// Addresses are decoded by InitGenesis, which has the chain's codec.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	proofs := make(map[chainhash.Hash]bool, len(gs.LockProofs))
	for i, p := range gs.LockProofs {
		txid, err := bitcoin.TxID(p.Tx)
		if err != nil {
			return ErrInvalidGenesis.Wrapf("lock proof %d: %v", i, err)
		}
		if proofs[txid] {
			return ErrInvalidGenesis.Wrapf("lock proof %d: txid %s twice", i, txid)
		}
		proofs[txid] = true
	}
	seen := make(map[string]bool, len(gs.Deposits)) // Outpoint holds pointers: key by its text
	for i, d := range gs.Deposits {
		if len(d.Txid) != chainhash.HashSize || len(d.BtcBlockHash) != chainhash.HashSize {
			return ErrInvalidGenesis.Wrapf("deposit %d: txid and btc_block_hash must be 32 bytes", i)
		}
		if d.Status == DEPOSIT_STATUS_UNSPECIFIED || DepositStatus_name[int32(d.Status)] == "" {
			return ErrInvalidGenesis.Wrapf("deposit %d: status %d", i, d.Status)
		}
		if d.Amount == 0 || d.Amount > MaxSats || d.Recipient == "" {
			return ErrInvalidGenesis.Wrapf("deposit %d: amount %d, recipient %q", i, d.Amount, d.Recipient)
		}
		op := d.Outpoint()
		if seen[FormatOutpoint(op)] {
			return ErrInvalidGenesis.Wrapf("deposit %d: outpoint %s twice", i, FormatOutpoint(op))
		}
		seen[FormatOutpoint(op)] = true
		if !proofs[op.K1()] {
			return ErrInvalidGenesis.Wrapf("deposit %d: no lock proof for txid %s", i, op.K1())
		}
	}
	if gs.NextWithdrawalId == 0 {
		return ErrInvalidGenesis.Wrap("next_withdrawal_id must be at least 1")
	}
	ids := make(map[uint64]bool, len(gs.Withdrawals))
	for i, w := range gs.Withdrawals {
		if w.Id == 0 || w.Id >= gs.NextWithdrawalId || ids[w.Id] {
			return ErrInvalidGenesis.Wrapf("withdrawal %d: id %d (twice, zero, or not below next_withdrawal_id %d)", i, w.Id, gs.NextWithdrawalId)
		}
		ids[w.Id] = true
		if w.Status == WITHDRAWAL_STATUS_UNSPECIFIED || WithdrawalStatus_name[int32(w.Status)] == "" {
			return ErrInvalidGenesis.Wrapf("withdrawal %d: status %d", i, w.Status)
		}
		if err := ValidatePayoutScript(w.Script); err != nil {
			return ErrInvalidGenesis.Wrapf("withdrawal %d: %v", i, err)
		}
		if w.RequestedBtcHeight > w.Deadline {
			return ErrInvalidGenesis.Wrapf("withdrawal %d: requested at Bitcoin height %d, after its deadline %d", i, w.RequestedBtcHeight, w.Deadline)
		}
		if w.Amount == 0 || w.Amount > MaxSats || w.MaxFee >= w.Amount || w.Sender == "" {
			return ErrInvalidGenesis.Wrapf("withdrawal %d: amount %d, max_fee %d (below the amount), sender %q", i, w.Amount, w.MaxFee, w.Sender)
		}
	}
	return nil
}
