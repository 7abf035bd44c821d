package types

import (
	"github.com/btcsuite/btcd/txscript"
)

const (
	// DefaultMinDepositSats: smaller vault outputs are not deposits (dust
	// and fee griefing cost the custodian more than they bring).
	DefaultMinDepositSats = 10_000
	// DefaultMinConfirmations is the depth Bitcoin users treat as final.
	DefaultMinConfirmations = 6
	// DefaultWithdrawalMaxFeeSats is the most the custodian may keep of a
	// withdrawal for its Bitcoin fee.
	DefaultWithdrawalMaxFeeSats = 10_000
	// DefaultWithdrawalTimeoutBlocks is a day of Bitcoin blocks.
	DefaultWithdrawalTimeoutBlocks = 144

	// MaxMinConfirmations bounds min_confirmations (a week of blocks).
	MaxMinConfirmations = 1008
	// MaxWithdrawalTimeoutBlocks bounds withdrawal_timeout_blocks (about 4
	// weeks).
	MaxWithdrawalTimeoutBlocks = 4032
	// MaxVaultScriptSize bounds vault_script: any standard output script
	// (a P2WSH or P2TR program is 34 bytes) fits.
	MaxVaultScriptSize = 34
	// MaxSats is the 21 million BTC cap in sat: no amount above it means
	// anything.
	MaxSats = 21_000_000 * 100_000_000

	// MaxDepositOutputs bounds the outputs of a proven deposit transaction,
	// which bounds the work (and the deposits) of one MsgProveDeposit.
	MaxDepositOutputs = 500
	// MaxMintsPerBlock bounds the deposits EndBlock mints per block; the
	// rest wait for the next block, in queue order.
	MaxMintsPerBlock = 200
	// MaxReorgChecksPerBlock bounds the deposits the reorg sweep checks per
	// block; a longer sweep continues in the next block from its cursor.
	MaxReorgChecksPerBlock = 1000
)

// DefaultParams: no vault (deposits and withdrawals are refused until one is
// set), 10,000 sat minimum, 6 confirmations, a 10,000 sat fee allowance, a
// day's timeout, deposits enabled.
func DefaultParams() Params {
	return Params{
		MinDepositSats:          DefaultMinDepositSats,
		MinConfirmations:        DefaultMinConfirmations,
		WithdrawalMaxFeeSats:    DefaultWithdrawalMaxFeeSats,
		WithdrawalTimeoutBlocks: DefaultWithdrawalTimeoutBlocks,
		DepositsEnabled:         true,
	}
}

// Validate checks every param's range.
func (p Params) Validate() error {
	if len(p.VaultScript) != 0 {
		if err := ValidatePayoutScript(p.VaultScript); err != nil {
			return ErrInvalidParams.Wrapf("vault_script: %v", err)
		}
	}
	if p.MinDepositSats == 0 || p.MinDepositSats > MaxSats {
		return ErrInvalidParams.Wrapf("min_deposit_sats %d: want 1…%d", p.MinDepositSats, uint64(MaxSats))
	}
	if p.MinConfirmations == 0 || p.MinConfirmations > MaxMinConfirmations {
		return ErrInvalidParams.Wrapf("min_confirmations %d: want 1…%d", p.MinConfirmations, MaxMinConfirmations)
	}
	if p.WithdrawalMaxFeeSats > MaxSats {
		return ErrInvalidParams.Wrapf("withdrawal_max_fee_sats %d: at most %d", p.WithdrawalMaxFeeSats, uint64(MaxSats))
	}
	if p.WithdrawalTimeoutBlocks == 0 || p.WithdrawalTimeoutBlocks > MaxWithdrawalTimeoutBlocks {
		return ErrInvalidParams.Wrapf("withdrawal_timeout_blocks %d: want 1…%d", p.WithdrawalTimeoutBlocks, MaxWithdrawalTimeoutBlocks)
	}
	return nil
}

// ValidatePayoutScript accepts the standard scripts a Bitcoin wallet pays
// to: P2PKH, P2SH, P2WPKH, P2WSH and P2TR. Anything else (bare multisig,
// OP_RETURN, non-standard) could not be paid by a normal transaction, or not
// spent back.
func ValidatePayoutScript(script []byte) error {
	if len(script) == 0 || len(script) > MaxVaultScriptSize {
		return ErrInvalidScript.Wrapf("%d bytes", len(script))
	}
	switch class := txscript.GetScriptClass(script); class {
	case txscript.PubKeyHashTy, txscript.ScriptHashTy, txscript.WitnessV0PubKeyHashTy,
		txscript.WitnessV0ScriptHashTy, txscript.WitnessV1TaprootTy:
		return nil
	default:
		return ErrInvalidScript.Wrapf("script class %s", class)
	}
}
