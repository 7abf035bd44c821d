// Package inject is the Bitcoin data a proposer puts first in its block: the headers x/btclc
// lacks, PoP publications and vault deposits with their proofs (DESIGN.md §10). It holds the entry's wire form
// and bounds, and the one function that applies an entry; checking an entry is applying it on a
// branch of the state that is then dropped, so the proposer, every validator and PreBlocker run
// exactly the same checks, which are x/btclc's, x/pop's and x/tunnel's own.
package inject

import (
	"bytes"

	errorsmod "cosmossdk.io/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// Codespace is the codespace of the package's errors.
const Codespace = "inject"

// Errors. Codes start at 2 and are never renumbered.
var (
	ErrEntryTooLarge       = errorsmod.Register(Codespace, 2, "injected entry too large")
	ErrMalformedEntry      = errorsmod.Register(Codespace, 3, "injected entry does not decode")
	ErrTooManyHeaders      = errorsmod.Register(Codespace, 4, "too many headers in the injected entry")
	ErrTooManyPublications = errorsmod.Register(Codespace, 5, "too many publications in the injected entry")
	ErrNotATransaction     = errorsmod.Register(Codespace, 6, "the injected Bitcoin entry is not a transaction: only a proposer puts it, first in its block")
	ErrMisplacedEntry      = errorsmod.Register(Codespace, 7, "an injected entry may only be the first item of a block")
	ErrTooManyDeposits     = errorsmod.Register(Codespace, 8, "too many deposits in the injected entry")
	ErrTooManyInboxOps     = errorsmod.Register(Codespace, 9, "too many inbox operations in the injected entry")
)

// Bounds of one entry. They bound the work of every block: x/btclc validates at most MaxHeaders
// headers (in pieces of at most its max_headers_per_msg), x/pop at most MaxPublications proofs,
// x/tunnel at most MaxDeposits.
const (
	// MaxEntryBytes is the most bytes an entry takes, its prefix included. A proposer also keeps
	// it within half of the block's max_tx_bytes (see the app's PrepareProposal).
	MaxEntryBytes = 512 << 10
	// MaxHeaders is the most Bitcoin headers in one entry: two retarget periods, so that a chain
	// far behind Bitcoin catches up at two periods a block (about 330 kB of the entry, and 140 ms
	// of x/btclc's work with the commit, measured by BenchmarkMsgServerInsert2016).
	MaxHeaders = 2 * bitcoin.RetargetInterval
	// MaxPublications is the most PoP publications in one entry.
	MaxPublications = 100
	// MaxDeposits is the most deposit transactions in one entry.
	MaxDeposits = 100
	// MaxInboxOps is the most inbox operations in one entry.
	MaxInboxOps = 100
)

// Prefix starts every entry's bytes. Its first byte, 0xff, is a protobuf key of wire type 7,
// which exists in no protobuf message: no transaction decodes from bytes that start with it, and
// no entry can be mistaken for a transaction.
var Prefix = []byte{0xff, 'h', 'e', 'm', 'i', 'b', 't', 'c'}

// IsEntry tells whether bz are an entry's bytes (whether or not they decode).
func IsEntry(bz []byte) bool { return bytes.HasPrefix(bz, Prefix) }

// Empty tells whether the entry carries nothing.
func (e *Entry) Empty() bool {
	return len(e.Headers) == 0 && len(e.Publications) == 0 && len(e.Deposits) == 0 && len(e.Inbox) == 0
}

// Encode returns the entry's bytes: Prefix, then the protobuf encoding.
func Encode(e *Entry) ([]byte, error) {
	bz, err := e.Marshal()
	if err != nil {
		return nil, err
	}
	return append(append(make([]byte, 0, len(Prefix)+len(bz)), Prefix...), bz...), nil
}

// Decode parses an entry's bytes (untrusted: a proposal's first item). It refuses more than
// MaxEntryBytes before decoding, so the decoder's memory is bounded by the bytes given, and checks
// the count bounds; the contents are checked by Apply.
func Decode(bz []byte) (*Entry, error) {
	if !IsEntry(bz) {
		return nil, ErrMalformedEntry.Wrap("missing the entry prefix")
	}
	if len(bz) > MaxEntryBytes {
		return nil, ErrEntryTooLarge.Wrapf("%d bytes, at most %d", len(bz), MaxEntryBytes)
	}
	var e Entry
	if err := e.Unmarshal(bz[len(Prefix):]); err != nil {
		return nil, ErrMalformedEntry.Wrap(err.Error())
	}
	if err := e.checkCounts(); err != nil {
		return nil, err
	}
	return &e, nil
}

func (e *Entry) checkCounts() error {
	if n := len(e.Headers); n > MaxHeaders {
		return ErrTooManyHeaders.Wrapf("%d headers, at most %d", n, MaxHeaders)
	}
	if n := len(e.Publications); n > MaxPublications {
		return ErrTooManyPublications.Wrapf("%d publications, at most %d", n, MaxPublications)
	}
	if n := len(e.Deposits); n > MaxDeposits {
		return ErrTooManyDeposits.Wrapf("%d deposits, at most %d", n, MaxDeposits)
	}
	if n := len(e.Inbox); n > MaxInboxOps {
		return ErrTooManyInboxOps.Wrapf("%d inbox operations, at most %d", n, MaxInboxOps)
	}
	return nil
}
