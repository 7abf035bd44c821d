package bitcoin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/wire"
)

// Inbox payloads (DESIGN.md §10): an operation a hemi account posts on Bitcoin, which x/inbox
// executes as that account once it is deep enough. The payload is one OP_RETURN push of
//
//	"HEMF" ‖ version (1) ‖ op ‖ args
//
// at most InboxMaxPayload bytes, integers big-endian:
//
//	op 1 transfer:   denom (1: 0 ahemi, 1 sat) ‖ amount (16) ‖ to (20)
//	op 2 withdrawal: amount_sats (8) ‖ max_fee_sats (8) ‖ script_len (1) ‖ script (≤ 34)
//	op 3 undelegate: validator (20) ‖ amount (16)
//
// Each op has exactly one length: trailing bytes are refused, so one payload means one thing.

const (
	// InboxMagic starts every inbox payload.
	InboxMagic = "HEMF"
	// InboxVersion is the only payload version this chain understands.
	InboxVersion = 1
	// InboxMaxPayload is the most bytes of an inbox payload (Bitcoin's standard OP_RETURN data).
	InboxMaxPayload = 80
	// InboxMaxScript is the most bytes of a withdrawal's output script (a P2WSH or P2TR program).
	InboxMaxScript = 34

	inboxHeader = len(InboxMagic) + 2 // magic, version, op
)

// InboxOp is an inbox operation's kind.
type InboxOp uint8

// The inbox operations.
const (
	InboxTransfer   InboxOp = 1
	InboxWithdrawal InboxOp = 2
	InboxUndelegate InboxOp = 3
)

func (op InboxOp) String() string {
	switch op {
	case InboxTransfer:
		return "transfer"
	case InboxWithdrawal:
		return "withdrawal"
	case InboxUndelegate:
		return "undelegate"
	default:
		return fmt.Sprintf("op %d", uint8(op))
	}
}

// InboxDenom is a transfer's denomination.
type InboxDenom uint8

// The denominations an inbox transfer moves.
const (
	InboxAhemi InboxDenom = 0
	InboxSat   InboxDenom = 1
)

var (
	// ErrNoInboxPayload: no output carries a HEMF payload.
	ErrNoInboxPayload = errors.New("transaction carries no inbox operation: it needs an output OP_RETURN <\"HEMF\" ‖ version 1 ‖ op ‖ args>, and must not be a coinbase")
	// ErrMultipleInboxPayloads: more than one output carries one.
	ErrMultipleInboxPayloads = errors.New("transaction carries more than one inbox operation: post one operation per transaction")
	// ErrBadInboxPayload: the payload does not follow the format.
	ErrBadInboxPayload = errors.New("inbox payload is malformed: \"HEMF\" ‖ version 1 ‖ op (1 transfer, 2 withdrawal, 3 undelegate) ‖ args of that op's exact length, at most 80 bytes")
)

// InboxPayload is a parsed inbox operation. Only the fields of its Op are set.
type InboxPayload struct {
	Op InboxOp
	// Denom and To are a transfer's; Amount is a transfer's or an undelegation's (16 bytes,
	// big-endian, never zero).
	Denom  InboxDenom
	Amount [16]byte
	To     [20]byte
	// AmountSats, MaxFeeSats and Script are a withdrawal's.
	AmountSats uint64
	MaxFeeSats uint64
	Script     []byte
	// Validator is an undelegation's validator (its operator account's 20 bytes).
	Validator [20]byte
}

// AmountInt is Amount as a non-negative integer.
func (p InboxPayload) AmountInt() *big.Int { return new(big.Int).SetBytes(p.Amount[:]) }

// ParseInboxPayload parses an inbox payload (untrusted: from a Bitcoin transaction). It reads only
// the bytes given and allocates nothing beyond a withdrawal's script.
func ParseInboxPayload(b []byte) (InboxPayload, error) {
	var p InboxPayload
	if len(b) > InboxMaxPayload {
		return p, fmt.Errorf("%w: %d bytes", ErrBadInboxPayload, len(b))
	}
	if len(b) < inboxHeader || string(b[:len(InboxMagic)]) != InboxMagic {
		return p, fmt.Errorf("%w: it does not start with \"HEMF\", a version and an op", ErrBadInboxPayload)
	}
	if v := b[len(InboxMagic)]; v != InboxVersion {
		return p, fmt.Errorf("%w: version %d, this chain understands %d", ErrBadInboxPayload, v, InboxVersion)
	}
	p.Op = InboxOp(b[len(InboxMagic)+1])
	args := b[inboxHeader:]
	want := 0
	switch p.Op {
	case InboxTransfer:
		want = 1 + 16 + 20
		if len(args) == want {
			p.Denom = InboxDenom(args[0])
			copy(p.Amount[:], args[1:17])
			copy(p.To[:], args[17:])
			if p.Denom != InboxAhemi && p.Denom != InboxSat {
				return InboxPayload{}, fmt.Errorf("%w: transfer denom %d (0 ahemi, 1 sat)", ErrBadInboxPayload, p.Denom)
			}
		}
	case InboxWithdrawal:
		want = 8 + 8 + 1
		if len(args) >= want {
			n := int(args[16])
			if n == 0 || n > InboxMaxScript {
				return InboxPayload{}, fmt.Errorf("%w: withdrawal script of %d bytes (1 to %d)", ErrBadInboxPayload, n, InboxMaxScript)
			}
			want += n
			if len(args) == want {
				p.AmountSats = binary.BigEndian.Uint64(args[:8])
				p.MaxFeeSats = binary.BigEndian.Uint64(args[8:16])
				p.Script = append([]byte(nil), args[17:]...)
				if p.AmountSats == 0 {
					return InboxPayload{}, fmt.Errorf("%w: withdrawal of 0 sat", ErrBadInboxPayload)
				}
				return p, nil
			}
		}
	case InboxUndelegate:
		want = 20 + 16
		if len(args) == want {
			copy(p.Validator[:], args[:20])
			copy(p.Amount[:], args[20:])
		}
	default:
		return InboxPayload{}, fmt.Errorf("%w: unknown op %d", ErrBadInboxPayload, uint8(p.Op))
	}
	if len(args) != want {
		return InboxPayload{}, fmt.Errorf("%w: %s arguments of %d bytes, want %d", ErrBadInboxPayload, p.Op, len(args), want)
	}
	if p.AmountInt().Sign() == 0 {
		return InboxPayload{}, fmt.Errorf("%w: %s of amount 0", ErrBadInboxPayload, p.Op)
	}
	return p, nil
}

// Encode is the payload's bytes, as ParseInboxPayload reads them. It refuses what
// ParseInboxPayload refuses.
func (p InboxPayload) Encode() ([]byte, error) {
	b := append([]byte(InboxMagic), InboxVersion, byte(p.Op))
	switch p.Op {
	case InboxTransfer:
		b = append(b, byte(p.Denom))
		b = append(b, p.Amount[:]...)
		b = append(b, p.To[:]...)
	case InboxWithdrawal:
		if len(p.Script) > InboxMaxScript {
			return nil, fmt.Errorf("%w: withdrawal script of %d bytes (1 to %d)", ErrBadInboxPayload, len(p.Script), InboxMaxScript)
		}
		b = binary.BigEndian.AppendUint64(b, p.AmountSats)
		b = binary.BigEndian.AppendUint64(b, p.MaxFeeSats)
		b = append(b, byte(len(p.Script)))
		b = append(b, p.Script...)
	case InboxUndelegate:
		b = append(b, p.Validator[:]...)
		b = append(b, p.Amount[:]...)
	}
	if _, err := ParseInboxPayload(b); err != nil {
		return nil, err
	}
	return b, nil
}

// InboxAmount is amount as a payload's 16-byte big-endian field; it refuses negatives and amounts
// above 2^128 - 1.
func InboxAmount(amount *big.Int) ([16]byte, error) {
	var out [16]byte
	if amount == nil || amount.Sign() < 0 || amount.BitLen() > 128 {
		return out, fmt.Errorf("%w: amount %v outside 0 to 2^128-1", ErrBadInboxPayload, amount)
	}
	amount.FillBytes(out[:])
	return out, nil
}

// InboxScript is the OP_RETURN output script that carries payload.
func InboxScript(payload []byte) []byte {
	if len(payload) <= 75 {
		return append([]byte{opReturn, byte(len(payload))}, payload...)
	}
	return append([]byte{opReturn, 0x4c, byte(len(payload))}, payload...) // OP_PUSHDATA1
}

// FindInboxPayload returns the inbox operation a transaction carries: exactly one output must be
// an OP_RETURN whose one push starts with "HEMF", and that push must parse. A coinbase never
// carries one. Other OP_RETURN outputs are ignored.
func FindInboxPayload(tx *wire.MsgTx) (InboxPayload, error) {
	if tx == nil || isCoinbase(tx) {
		return InboxPayload{}, ErrNoInboxPayload
	}
	found := -1
	var data []byte
	for i, out := range tx.TxOut {
		push, _, pushed := opReturnData(out.PkScript)
		if !pushed || len(push) < len(InboxMagic) || string(push[:len(InboxMagic)]) != InboxMagic {
			continue
		}
		if found >= 0 {
			return InboxPayload{}, fmt.Errorf("%w: outputs %d and %d", ErrMultipleInboxPayloads, found, i)
		}
		found, data = i, push
	}
	if found < 0 {
		return InboxPayload{}, fmt.Errorf("%w: none of %d outputs", ErrNoInboxPayload, len(tx.TxOut))
	}
	p, err := ParseInboxPayload(data)
	if err != nil {
		return InboxPayload{}, fmt.Errorf("output %d: %w", found, err)
	}
	return p, nil
}
