package hemiclient

import (
	"fmt"
	"strconv"
	"strings"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
)

// TxError is a transaction the chain refused, in simulation, in CheckTx or when executed in a
// block, with the (codespace, code) of the registered error that refused it.
type TxError struct {
	Hash      string
	Codespace string
	Code      uint32
	Log       string
}

func (e *TxError) Error() string {
	return fmt.Sprintf("tx %s failed (%s code %d): %s", e.Hash, e.Codespace, e.Code, e.Log)
}

// registeredError is what errorsmod.Register returns.
type registeredError interface {
	Codespace() string
	ABCICode() uint32
}

// Is makes errors.Is(err, types.ErrX) true when the chain refused the transaction with the
// registered error types.ErrX: same codespace and code. The log text is never compared: it is
// the chain's wording, which may change, and wraps whatever the handler added.
func (e *TxError) Is(target error) bool {
	registered, ok := target.(registeredError)
	return ok && e.Code != 0 && e.Codespace == registered.Codespace() && e.Code == registered.ABCICode()
}

// resultError is the error of an ABCI result (CheckTx, DeliverTx or a query), or nil when its
// code is 0.
func resultError(hash, codespace string, code uint32, log string) error {
	if code == 0 {
		return nil
	}
	return &TxError{Hash: hash, Codespace: codespace, Code: code, Log: log}
}

// expectedSequence is the sequence the chain expects, for a transaction refused with
// sdkerrors.ErrWrongSequence. The error class is matched by code; the number exists only in
// the log ("account sequence mismatch, expected N, got M").
func expectedSequence(err *TxError) (uint64, bool) {
	if !err.Is(sdkerrors.ErrWrongSequence) {
		return 0, false
	}
	_, rest, ok := strings.Cut(err.Log, "expected ")
	if !ok {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, ",")
	n, perr := strconv.ParseUint(strings.TrimSpace(digits), 10, 64)
	return n, perr == nil
}
