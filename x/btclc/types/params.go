package types

import (
	"strings"

	"github.com/hemi-appchain/hemi/bitcoin"
)

const (
	// DefaultMaxHeadersPerMsg is one retarget period: a relayer catching up
	// sends whole periods, and one message's work stays bounded.
	DefaultMaxHeadersPerMsg = bitcoin.RetargetInterval
	// DefaultGasPerHeader is charged per header validated, moved by a reorg
	// or pruned, and it is the whole price of MsgInsertHeaders' store access
	// besides the read gas (see README.md, "Gas"): priced so that a header's
	// gas per unit of time, written and committed, is at least a bank send's
	// (BenchmarkGasPrice, bench/btclc.sh).
	DefaultGasPerHeader = 7_500
	// DefaultMaxForkDepth is two periods: how far below the tip (in work)
	// a side chain may start and still be kept while it grows.
	DefaultMaxForkDepth = 2 * bitcoin.RetargetInterval

	// MaxHeadersPerMsgLimit bounds max_headers_per_msg at ten periods.
	MaxHeadersPerMsgLimit = 10 * bitcoin.RetargetInterval
	// MaxGasPerHeader bounds gas_per_header so that gas_per_header times any
	// header count fits in a uint64.
	MaxGasPerHeader = 10_000_000
	// MaxAllowlistLen bounds insert_allowlist, which is scanned for every
	// message.
	MaxAllowlistLen = 100
	// MaxForkDepthLimit bounds max_fork_depth at ten periods, so the
	// side-chain store holds at most 40,320 headers (about 8 MB).
	MaxForkDepthLimit = 10 * bitcoin.RetargetInterval
)

// DefaultParams: anyone may relay (every header carries its own proof of
// work), one period per message, DefaultGasPerHeader per header.
func DefaultParams() Params {
	return Params{
		MaxHeadersPerMsg: DefaultMaxHeadersPerMsg,
		GasPerHeader:     DefaultGasPerHeader,
		MaxForkDepth:     DefaultMaxForkDepth,
	}
}

// MaxSideHeaders is the capacity of the side-chain store: twice
// max_fork_depth, so that evicting an honest fork (at most max_fork_depth
// headers) takes more side-chain headers than the fork has (README.md, "Side
// chains").
func (p Params) MaxSideHeaders() uint64 { return 2 * p.MaxForkDepth }

// ReadGasDivisor: reading a stored header costs gas_per_header divided by
// it. Measured, a read (store lookup and decoding) takes about a tenth of
// what inserting a header takes with its share of the commit.
const ReadGasDivisor = 10

// ReadGas is the gas of reading one stored header during validation.
func (p Params) ReadGas() uint64 { return max(p.GasPerHeader/ReadGasDivisor, 1) }

// A reorg moves headers that were validated when they arrived: no proof of
// work, no context, only deletes and writes. Each move is priced as a fraction
// of gas_per_header at its own measured cost, written and committed, against
// the bank send of the same run, at the dearer of two runs (BenchmarkReorgPrice,
// bench/btclc.sh; README.md, "Gas"):
//
//   - RemoveGas (1/3, 2,500 at the default): a canonical header a reorg
//     removes, 15-16 µs (at most 1,600-2,400 gas at a bank send's rate);
//   - PromoteGas (3/4, 5,625; 7,125 with the read gas of the two lookups that
//     find it): a side-chain header a reorg makes canonical, 27-38 µs (at
//     most 3,100-6,800 gas at a bank send's rate). It writes the two
//     canonical keys only: its side-chain entry's removal was paid when it
//     was stored, and the pruner takes it later.
//
// Pruning a side-chain header costs gas_per_header (PruneGas).
func (p Params) RemoveGas() uint64 { return max(p.GasPerHeader/3, 1) }

// PromoteGas is the gas of a side-chain header a reorg makes canonical,
// besides its read gas (see RemoveGas).
func (p Params) PromoteGas() uint64 { return max(p.GasPerHeader/4*3, 1) }

// PruneGas is the gas of removing a side-chain header from the store when it
// falls below the prune floor or is evicted: measured at 17-55 µs, no fraction
// of gas_per_header is honest. It is paid in advance, by the message that
// stores the header, never by the message whose tip move or whose new side
// headers make it go: otherwise whoever stored many cheap side headers would
// hand their removal to one honest message (README.md, "Side chains").
func (p Params) PruneGas() uint64 { return p.GasPerHeader }

// Validate checks what can be checked without an address codec; the keeper
// also decodes every allowlist address before it stores params.
func (p Params) Validate() error {
	if p.MaxHeadersPerMsg == 0 || p.MaxHeadersPerMsg > MaxHeadersPerMsgLimit {
		return ErrInvalidParams.Wrapf("max_headers_per_msg must be between 1 and %d, got %d", MaxHeadersPerMsgLimit, p.MaxHeadersPerMsg)
	}
	if p.GasPerHeader == 0 || p.GasPerHeader > MaxGasPerHeader {
		return ErrInvalidParams.Wrapf("gas_per_header must be between 1 and %d, got %d", MaxGasPerHeader, p.GasPerHeader)
	}
	if p.MaxForkDepth == 0 || p.MaxForkDepth > MaxForkDepthLimit {
		return ErrInvalidParams.Wrapf("max_fork_depth must be between 1 and %d, got %d", MaxForkDepthLimit, p.MaxForkDepth)
	}
	if len(p.InsertAllowlist) > MaxAllowlistLen {
		return ErrInvalidParams.Wrapf("insert_allowlist has %d addresses, at most %d are allowed", len(p.InsertAllowlist), MaxAllowlistLen)
	}
	seen := make(map[string]bool, len(p.InsertAllowlist))
	for i, addr := range p.InsertAllowlist {
		if strings.TrimSpace(addr) == "" {
			return ErrInvalidParams.Wrapf("insert_allowlist[%d] is empty", i)
		}
		if seen[addr] {
			return ErrInvalidParams.Wrapf("insert_allowlist has %s twice", addr)
		}
		seen[addr] = true
	}
	return nil
}

// ValidateAddresses decodes every allowlist address with decode (the chain's
// address codec), so params never hold an address no signer can match.
func (p Params) ValidateAddresses(decode func(string) ([]byte, error)) error {
	for i, addr := range p.InsertAllowlist {
		if _, err := decode(addr); err != nil {
			return ErrInvalidParams.Wrapf("insert_allowlist[%d] %q is not a valid address: %v", i, addr, err)
		}
	}
	return nil
}
