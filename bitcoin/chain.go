package bitcoin

import (
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// headerRun is a slice of consecutive headers with their hashes; the first is
// at height start.
type headerRun struct {
	start   uint64
	headers []wire.BlockHeader
	hashes  []chainhash.Hash
}

func (r *headerRun) index(height uint64) (int, bool) {
	if height < r.start || height-r.start >= uint64(len(r.headers)) {
		return 0, false
	}
	return int(height - r.start), true
}

func (r *headerRun) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	i, ok := r.index(height)
	if !ok {
		return nil, false
	}
	return &r.headers[i], true
}

func (r *headerRun) HashByHeight(height uint64) (chainhash.Hash, bool) {
	i, ok := r.index(height)
	if !ok {
		return chainhash.Hash{}, false
	}
	return r.hashes[i], true
}

func (r *headerRun) push(h *wire.BlockHeader, hash chainhash.Hash) {
	r.headers = append(r.headers, *h)
	r.hashes = append(r.hashes, hash)
}

// MemChain is an in-memory ChainView: a trusted base header followed by the
// headers validated on top of it. It suits tests, tools and daemons that
// follow a chain from a known header.
type MemChain struct {
	run headerRun
}

// NewMemChain starts a chain at a trusted base header. Put the base at a
// retarget boundary (height % 2016 == 0) so every later header can be fully
// checked.
func NewMemChain(baseHeight uint64, base wire.BlockHeader) *MemChain {
	c := &MemChain{run: headerRun{start: baseHeight}}
	c.run.push(&base, base.BlockHash())
	return c
}

// HeaderByHeight implements ChainView.
func (c *MemChain) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	return c.run.HeaderByHeight(height)
}

// HashByHeight implements ChainView.
func (c *MemChain) HashByHeight(height uint64) (chainhash.Hash, bool) {
	return c.run.HashByHeight(height)
}

// BaseHeight is the height of the trusted base header.
func (c *MemChain) BaseHeight() uint64 { return c.run.start }

// TipHeight is the height of the last header.
func (c *MemChain) TipHeight() uint64 { return c.run.start + uint64(len(c.run.headers)) - 1 }

// Extend validates h as the child of the tip and appends it.
func (c *MemChain) Extend(p *Params, h *wire.BlockHeader) error {
	hash, err := ValidateHeader(p, c, c.TipHeight(), h)
	if err != nil {
		return err
	}
	c.run.push(h, hash)
	return nil
}

// Overlay is a ChainView of a base view up to a fork height, followed by new
// headers validated on top of it. A keeper uses it to check a batch of
// headers that may fork from an ancestor of its tip without writing anything:
// heights above the fork come from the batch, never from the base.
type Overlay struct {
	base       ChainView
	forkHeight uint64
	added      headerRun
	work       *big.Int
	// Consecutive headers nearly always share nBits, so the work of the
	// last nBits seen is kept rather than divided out again.
	lastBits uint32
	lastWork *big.Int
}

// NewOverlay starts an empty batch on top of the header at forkHeight in base.
func NewOverlay(base ChainView, forkHeight uint64) *Overlay {
	return &Overlay{
		base:       base,
		forkHeight: forkHeight,
		added:      headerRun{start: forkHeight + 1},
		work:       new(big.Int),
	}
}

// HeaderByHeight implements ChainView.
func (o *Overlay) HeaderByHeight(height uint64) (*wire.BlockHeader, bool) {
	if height <= o.forkHeight {
		return o.base.HeaderByHeight(height)
	}
	return o.added.HeaderByHeight(height)
}

// HashByHeight implements ChainView.
func (o *Overlay) HashByHeight(height uint64) (chainhash.Hash, bool) {
	if height <= o.forkHeight {
		return o.base.HashByHeight(height)
	}
	return o.added.HashByHeight(height)
}

// ForkHeight is the height of the base header the batch builds on.
func (o *Overlay) ForkHeight() uint64 { return o.forkHeight }

// TipHeight is the height of the last added header, or the fork height when
// none was added.
func (o *Overlay) TipHeight() uint64 { return o.forkHeight + uint64(len(o.added.headers)) }

// Len is the number of added headers.
func (o *Overlay) Len() int { return len(o.added.headers) }

// AddedWork is the chain work of the added headers, to be added to the
// cumulative work at the fork height when comparing with the current tip.
func (o *Overlay) AddedWork() *big.Int { return new(big.Int).Set(o.work) }

// Extend validates h as the child of the overlay's tip and appends it.
func (o *Overlay) Extend(p *Params, h *wire.BlockHeader) error {
	hash, err := ValidateHeader(p, o, o.TipHeight(), h)
	if err != nil {
		return err
	}
	o.added.push(h, hash)
	if o.lastWork == nil || h.Bits != o.lastBits {
		o.lastBits, o.lastWork = h.Bits, CalcWork(h.Bits)
	}
	o.work.Add(o.work, o.lastWork)
	return nil
}

// ConnectHeaders parses raw headers and validates them in order as a chain
// on top of the header at forkHeight in base. The error names the failing
// header by its position in raw and its height.
func ConnectHeaders(p *Params, base ChainView, forkHeight uint64, raw [][]byte) (*Overlay, error) {
	o := NewOverlay(base, forkHeight)
	o.added.headers = make([]wire.BlockHeader, 0, len(raw))
	o.added.hashes = make([]chainhash.Hash, 0, len(raw))
	for i, b := range raw {
		h, err := ParseHeader(b)
		if err == nil {
			err = o.Extend(p, h)
		}
		if err != nil {
			return nil, fmt.Errorf("header %d of %d (height %d): %w", i, len(raw), o.TipHeight()+1, err)
		}
	}
	return o, nil
}
