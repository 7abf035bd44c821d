// Package tunnelwallet is the Bitcoin side of x/tunnel for users and the custodian, behind the
// `hemid btc` commands: deposits to the vault with their recipient (deposit.go), the status of a
// deposit or withdrawal as the chain reports it (status.go), and the custodian's payment of queued
// withdrawals with their HEMW id (custodian.go). Transactions are built, signed, bumped and
// broadcast by package bitcoin/wallet; the payloads are package bitcoin's, the ones x/tunnel
// parses, so what the wallet writes is what the chain reads.
package tunnelwallet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/wire"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/wallet"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// ErrRefused: the chain would not credit the deposit (no vault, deposits disabled, an amount
// below the minimum, a recipient that may not hold coins), so nothing is sent.
var ErrRefused = errors.New("deposit refused before sending")

// DepositVout is the output of a deposit transaction built here that pays the vault.
const DepositVout = 0

// ParseRecipient reads a hemi account as `0x` and 40 hex characters (its EVM address, any case)
// or as a bech32 address with the chain's prefix (hemi1…).
func ParseRecipient(s string) ([bitcoin.RecipientSize]byte, error) {
	var account [bitcoin.RecipientSize]byte
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		if len(rest) != 2*bitcoin.RecipientSize {
			return account, fmt.Errorf("recipient %q: an EVM address is 0x and 40 hex characters", s)
		}
		if _, err := hex.Decode(account[:], []byte(rest)); err != nil {
			return account, fmt.Errorf("recipient %q: %v", s, err)
		}
		return account, nil
	}
	addr, err := sdk.AccAddressFromBech32(s)
	if err != nil {
		return account, fmt.Errorf("recipient %q is neither 0x… nor a %s1… address: %v", s, sdk.GetConfig().GetBech32AccountAddrPrefix(), err)
	}
	if len(addr) != bitcoin.RecipientSize {
		return account, fmt.Errorf("recipient %q is a %d-byte address; a deposit credits a 20-byte account", s, len(addr))
	}
	copy(account[:], addr)
	return account, nil
}

// DepositOutputs are the outputs of a deposit of amount sat to recipient: output DepositVout pays
// the vault, output 1 is the OP_RETURN naming the recipient (its 20 raw bytes, within the first
// bitcoin.RecipientOutputs outputs x/tunnel searches). blocked says whether an account may not
// receive coins on the chain (a module account, a precompile), for which x/tunnel refuses the
// deposit: the BTC would be locked in the vault with nothing minted, so it is refused here,
// before anything is sent, as is everything else the chain would refuse.
func DepositOutputs(params tunneltypes.Params, amount int64, recipient [bitcoin.RecipientSize]byte, blocked func(sdk.AccAddress) bool) ([]*wire.TxOut, error) {
	switch {
	case len(params.VaultScript) == 0:
		return nil, fmt.Errorf("%w: the chain has no vault configured (params.vault_script is empty), so it credits no deposit: wait until governance sets one", ErrRefused)
	case !params.DepositsEnabled:
		return nil, fmt.Errorf("%w: deposits are disabled on the chain (the circuit breaker tripped): wait until governance re-enables them", ErrRefused)
	case amount <= 0 || uint64(amount) < params.MinDepositSats:
		return nil, fmt.Errorf("%w: %d sat is below the chain's min_deposit_sats %d: deposit at least %d sat", ErrRefused, amount, params.MinDepositSats, params.MinDepositSats)
	case uint64(amount) > tunneltypes.MaxSats:
		return nil, fmt.Errorf("%w: %d sat is more than 21 million BTC", ErrRefused, amount)
	case blocked != nil && blocked(sdk.AccAddress(recipient[:])):
		return nil, fmt.Errorf("%w: recipient %s (0x%x) may not receive coins (a module account or precompile), so the chain would mint nothing for it: deposit to your own account", ErrRefused, sdk.AccAddress(recipient[:]), recipient)
	}
	return []*wire.TxOut{
		wire.NewTxOut(amount, bytes.Clone(params.VaultScript)),
		wire.NewTxOut(0, bitcoin.RecipientScript(recipient)),
	}, nil
}

// BuildDeposit builds and signs, from the wallet's coins, a deposit of amount sat to recipient
// at feeRate sat/vB (DepositOutputs, then change to the wallet), and returns it with its fee. Its
// vault output is DepositVout.
func BuildDeposit(w *wallet.Wallet, utxos []wallet.UTXO, params tunneltypes.Params, amount int64, recipient [bitcoin.RecipientSize]byte,
	blocked func(sdk.AccAddress) bool, feeRate int64,
) (*wire.MsgTx, int64, error) {
	if bytes.Equal(w.PkScript(), params.VaultScript) {
		return nil, 0, fmt.Errorf("%w: this key's address %s is the vault itself; deposit from another key", ErrRefused, w.Address())
	}
	outputs, err := DepositOutputs(params, amount, recipient, blocked)
	if err != nil {
		return nil, 0, err
	}
	return w.BuildTx(utxos, outputs, feeRate)
}

// DepositOutpoint is the outpoint of tx's vault output, as x/tunnel names the deposit.
func DepositOutpoint(tx *wire.MsgTx) string {
	return tunneltypes.FormatOutpoint(tunneltypes.NewOutpoint(tx.TxHash(), DepositVout))
}
