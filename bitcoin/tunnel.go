package bitcoin

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/wire"
)

// Tunnel payloads: the deposit recipient and the withdrawal id, the two
// OP_RETURN payloads x/tunnel reads, which the relayer and the wallet write.

const (
	// RecipientOutputs is how many leading outputs of a deposit transaction
	// are searched for the recipient's OP_RETURN (Hemi's tunnel does the same).
	RecipientOutputs = 8
	// RecipientSize is a recipient account: 20 bytes.
	RecipientSize = 20
	// WithdrawalMagic starts a withdrawal payment's OP_RETURN payload, which
	// is the magic and the withdrawal id as a big-endian uint64.
	WithdrawalMagic = "HEMW"
	// WithdrawalPayloadSize is the size of that payload.
	WithdrawalPayloadSize = len(WithdrawalMagic) + 8

	opReturn = 0x6a
)

var (
	// ErrNoRecipient: no OP_RETURN output among the first RecipientOutputs.
	ErrNoRecipient = errors.New("deposit carries no recipient: it needs an OP_RETURN output among its first 8 outputs holding the 20-byte account, raw or as 40 hex characters")
	// ErrBadRecipient: the first OP_RETURN among them does not hold one.
	ErrBadRecipient = errors.New("deposit recipient is malformed: the first OP_RETURN among the first 8 outputs must push exactly the 20-byte account, raw or as 40 hex characters")
	// ErrNoWithdrawalID: no output carries a HEMW payload.
	ErrNoWithdrawalID = errors.New("transaction carries no withdrawal id: it needs an output OP_RETURN <\"HEMW\" ‖ id as 8 bytes big-endian>")
	// ErrMultipleWithdrawalIDs: more than one output carries one.
	ErrMultipleWithdrawalIDs = errors.New("transaction carries more than one withdrawal id: a payment pays exactly one withdrawal")
)

// opReturnData returns the data of an OP_RETURN output script that pushes
// exactly one item (pushed), and whether script is an OP_RETURN script at
// all: one with anything else after the opcode is isOpReturn but not pushed.
func opReturnData(script []byte) (data []byte, isOpReturn, pushed bool) {
	if len(script) == 0 || script[0] != opReturn {
		return nil, false, false
	}
	pushes, ok := scriptPushes(script[1:])
	if !ok || len(pushes) != 1 {
		return nil, true, false
	}
	return pushes[0], true, true
}

// DepositRecipient returns the account a deposit transaction credits: the
// first OP_RETURN output among its first RecipientOutputs outputs must push
// exactly 20 bytes, or 40 hex characters (either case) encoding them, as
// Hemi's tunnel accepts. Anything else there is ErrBadRecipient; no OP_RETURN
// there is ErrNoRecipient.
func DepositRecipient(tx *wire.MsgTx) ([RecipientSize]byte, error) {
	var account [RecipientSize]byte
	if tx == nil {
		return account, fmt.Errorf("%w: no transaction", ErrNoRecipient)
	}
	for i, out := range tx.TxOut[:min(len(tx.TxOut), RecipientOutputs)] {
		data, isOpReturn, pushed := opReturnData(out.PkScript)
		if !isOpReturn {
			continue
		}
		switch {
		case !pushed:
			return account, fmt.Errorf("%w: output %d is not OP_RETURN and one push", ErrBadRecipient, i)
		case len(data) == RecipientSize:
			copy(account[:], data)
			return account, nil
		case len(data) == 2*RecipientSize:
			if _, err := hex.Decode(account[:], data); err != nil {
				return [RecipientSize]byte{}, fmt.Errorf("%w: output %d: %v", ErrBadRecipient, i, err)
			}
			return account, nil
		default:
			return account, fmt.Errorf("%w: output %d pushes %d bytes", ErrBadRecipient, i, len(data))
		}
	}
	return account, fmt.Errorf("%w: none among the first %d of %d outputs", ErrNoRecipient, min(len(tx.TxOut), RecipientOutputs), len(tx.TxOut))
}

// RecipientScript is the OP_RETURN output script naming account as a
// deposit's recipient (the raw 20-byte form).
func RecipientScript(account [RecipientSize]byte) []byte {
	return append([]byte{opReturn, RecipientSize}, account[:]...)
}

// WithdrawalScript is the OP_RETURN output script a custodian's payment of
// withdrawal id carries: OP_RETURN <"HEMW" ‖ id (8 bytes, big-endian)>.
func WithdrawalScript(id uint64) []byte {
	script := []byte{opReturn, byte(WithdrawalPayloadSize)}
	script = append(script, WithdrawalMagic...)
	return binary.BigEndian.AppendUint64(script, id)
}

// FindWithdrawalID returns the withdrawal id a payment carries: exactly one
// output must be an OP_RETURN pushing the 12-byte "HEMW" ‖ id payload.
// Other OP_RETURN outputs are ignored.
func FindWithdrawalID(tx *wire.MsgTx) (uint64, error) {
	if tx == nil {
		return 0, fmt.Errorf("%w: no transaction", ErrNoWithdrawalID)
	}
	found := -1
	var id uint64
	for i, out := range tx.TxOut {
		data, _, pushed := opReturnData(out.PkScript)
		if !pushed || len(data) != WithdrawalPayloadSize || string(data[:len(WithdrawalMagic)]) != WithdrawalMagic {
			continue
		}
		if found >= 0 {
			return 0, fmt.Errorf("%w: outputs %d and %d", ErrMultipleWithdrawalIDs, found, i)
		}
		found = i
		id = binary.BigEndian.Uint64(data[len(WithdrawalMagic):])
	}
	if found < 0 {
		return 0, fmt.Errorf("%w: none of %d outputs", ErrNoWithdrawalID, len(tx.TxOut))
	}
	return id, nil
}
