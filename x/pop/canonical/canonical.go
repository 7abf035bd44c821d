// Package canonical derives a hemi chain's canonical keystone sequence from Bitcoin: from a
// trusted start, it follows the prev_keystone_hash links of the HEMI payloads in Bitcoin order,
// and at each keystone height takes the child of the canonical predecessor that Bitcoin anchored
// first. Build is pure: the result is a function of the publications and keystones given,
// whatever their order, and its work is bounded by them. Follower reads the publications from a
// Bitcoin node. The rule and its edge cases are in x/pop's README ("Canonical keystone sequence").
package canonical

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/hemi-appchain/hemi/bitcoin"
)

// prefixSize is how much of a block hash an abbreviated keystone keeps: the
// link from a keystone to its predecessor compares these bytes.
const prefixSize = 12

// Publication is one HEMI payload as Bitcoin holds it, with its place in Bitcoin's order.
type Publication struct {
	Keystone    bitcoin.AbbreviatedKeystone
	BlockHeight int64
	BlockHash   chainhash.Hash
	TxIndex     int
	TxID        chainhash.Hash
	Output      int
}

// before is Bitcoin order: block height, then transaction index, then output index.
func (p Publication) before(q Publication) bool {
	if p.BlockHeight != q.BlockHeight {
		return p.BlockHeight < q.BlockHeight
	}
	if p.TxIndex != q.TxIndex {
		return p.TxIndex < q.TxIndex
	}
	return p.Output < q.Output
}

// ScanBlock returns the publications of block, which sits at height: every transaction that
// FindPoPPayload accepts (no coinbase, exactly one HEMI output), in block order. The block comes
// from a Bitcoin node and is untrusted; only what it holds is read.
func ScanBlock(height int64, block *wire.MsgBlock) []Publication {
	if block == nil {
		return nil
	}
	hash := block.BlockHash()
	var out []Publication
	for i, tx := range block.Transactions {
		ks, err := bitcoin.FindPoPPayload(tx)
		if err != nil {
			continue
		}
		vout := 0
		for j, o := range tx.TxOut {
			if _, err := bitcoin.ParsePoPScript(o.PkScript); err == nil {
				vout = j
				break
			}
		}
		out = append(out, Publication{Keystone: ks, BlockHeight: height, BlockHash: hash, TxIndex: i, TxID: tx.TxHash(), Output: vout})
	}
	return out
}

// Start is the trusted point the sequence grows from: a keystone (its height and block hash),
// or Genesis.
type Start struct {
	Height    uint64
	BlockHash [32]byte
}

// Genesis is the start of a chain: x/pop's first keystone links to 32 zero bytes.
var Genesis = Start{}

// ParseStart reads a trusted start written "<height>:<64 hex digits of the keystone's block
// hash>"; the empty string is Genesis.
func ParseStart(s string) (Start, error) {
	if s == "" {
		return Genesis, nil
	}
	hs, hash, ok := strings.Cut(s, ":")
	h, err := strconv.ParseUint(hs, 10, 64)
	b, err2 := hex.DecodeString(hash)
	if !ok || err != nil || err2 != nil || len(b) != 32 {
		return Start{}, fmt.Errorf("%w: trusted keystone %q: want <height>:<64 hex digits of the keystone's block hash>", ErrInput, s)
	}
	st := Start{Height: h}
	copy(st.BlockHash[:], b)
	return st, nil
}

// Input is everything the sequence is a function of.
type Input struct {
	Start Start
	// Interval is the chain's keystone_interval: a keystone at height H links to the one at
	// H - Interval.
	Interval uint64
	// Publications are the HEMI payloads read from Bitcoin, in any order.
	Publications []Publication
	// Known are keystones that no publication need carry, from any source (a node's x/pop
	// keystones): they only bridge keystones that were never published, and are trusted no
	// further than their links, which a later publication must confirm.
	Known []bitcoin.AbbreviatedKeystone
	// BitcoinTip is the height of the Bitcoin tip the publications were read up to; it gives
	// each keystone's confirmations.
	BitcoinTip int64
}

// Keystone is one keystone of the canonical sequence.
type Keystone struct {
	Keystone bitcoin.AbbreviatedKeystone
	// Published is the keystone's own earliest publication, nil when Bitcoin holds none (it
	// was bridged by a Known keystone and anchored by a descendant).
	Published *Publication
	// Anchor is the earliest publication of this keystone or of any keystone descending from
	// it: every keystone commits to its predecessor, so it anchors them all.
	Anchor Publication
	// Confirmations is BitcoinTip - Anchor.BlockHeight + 1: compare it with superfinality_depth.
	Confirmations int64
}

// Conflict is a keystone at a canonical height that also links to the canonical predecessor but
// was anchored later: a forged history. Evidence is its anchoring publication.
type Conflict struct {
	Height    uint64
	Canonical Keystone
	Forged    bitcoin.AbbreviatedKeystone
	Evidence  Publication
}

// Unlinked is a publication that links to no keystone the input knows, published before the
// canonical keystone at Height was anchored. Bitcoin alone cannot say whether it is another hemi
// chain's or an earlier-anchored sibling of the keystone at Height whose predecessors were never
// published: the keystones between them, from any node, decide it.
type Unlinked struct {
	Height   uint64
	Evidence Publication
}

// Result is the canonical sequence.
type Result struct {
	Keystones []Keystone
	Conflicts []Conflict
	// Contested are the unlinked publications that could contradict a canonical keystone.
	Contested []Unlinked
	// Ignored counts the publications that link to nothing known and contest nothing (another
	// chain's, from before Start, or published after every keystone they could contest).
	Ignored int
	// Next is the keystone height at which the sequence stops: no child of the last canonical
	// keystone was anchored on Bitcoin.
	Next uint64
}

// ErrInput is an input the sequence cannot be built from.
var ErrInput = errors.New("canonical: bad input")

type linkKey struct {
	height uint64
	prefix [prefixSize]byte
}

type entry struct {
	ks     bitcoin.AbbreviatedKeystone
	bytes  [bitcoin.AbbreviatedKeystoneSize]byte
	first  int // index of the earliest own publication in pubs, -1 none
	anchor int // index of the earliest publication of it or a descendant, -1 none
}

func (e *entry) height() uint64 { return uint64(e.ks.KeystoneHeight) }

// parentKey is the identity of the keystone e links to; e.height() >= interval.
func (e *entry) parentKey(interval uint64) linkKey {
	k := linkKey{height: e.height() - interval}
	copy(k.prefix[:], e.ks.PrevKeystoneHashPrefix[:])
	return k
}

func (e *entry) self() linkKey {
	var k linkKey
	k.height = e.height()
	copy(k.prefix[:], e.ks.BlockHashPrefix[:])
	return k
}

// Build computes the canonical sequence of in.
func Build(in Input) (Result, error) {
	if in.Interval == 0 {
		return Result{}, fmt.Errorf("%w: keystone interval must be positive", ErrInput)
	}
	pubs := append([]Publication(nil), in.Publications...)
	sort.SliceStable(pubs, func(i, j int) bool { return pubs[i].before(pubs[j]) })

	// One entry per distinct keystone (all 76 bytes), sorted by height then bytes.
	index := make(map[[bitcoin.AbbreviatedKeystoneSize]byte]int)
	var entries []*entry
	add := func(ks bitcoin.AbbreviatedKeystone) *entry {
		b := ks.Serialize()
		if i, ok := index[b]; ok {
			return entries[i]
		}
		e := &entry{ks: ks, bytes: b, first: -1, anchor: -1}
		index[b] = len(entries)
		entries = append(entries, e)
		return e
	}
	for i, p := range pubs {
		if e := add(p.Keystone); e.first < 0 {
			e.first = i
		}
	}
	for _, ks := range in.Known {
		add(ks)
	}
	sort.Slice(entries, func(i, j int) bool {
		if a, b := entries[i].height(), entries[j].height(); a != b {
			return a < b
		}
		return bytes.Compare(entries[i].bytes[:], entries[j].bytes[:]) < 0
	})

	// children of (height, block hash prefix): the entries at height+Interval linking to it.
	children := make(map[linkKey][]*entry)
	byID := make(map[linkKey][]*entry) // entries by their own (height, block hash prefix)
	for _, e := range entries {
		h := e.height()
		if h < in.Interval {
			continue
		}
		pk := e.parentKey(in.Interval)
		children[pk] = append(children[pk], e)
		byID[e.self()] = append(byID[e.self()], e)
	}

	// Anchors, highest keystones first: a child's anchor is final before it reaches its parents.
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.first >= 0 && (e.anchor < 0 || e.first < e.anchor) {
			e.anchor = e.first
		}
		if e.anchor < 0 || e.height() < in.Interval {
			continue
		}
		for _, p := range byID[e.parentKey(in.Interval)] {
			if p.anchor < 0 || e.anchor < p.anchor {
				p.anchor = e.anchor
			}
		}
	}

	res := Result{}
	canonical := make(map[*entry]bool)
	canonicalIDs := make(map[linkKey]bool)
	startKey := linkKey{height: in.Start.Height}
	copy(startKey.prefix[:], in.Start.BlockHash[:prefixSize])
	cur := startKey
	for {
		next := cur.height + in.Interval
		if next < cur.height || next > uint64(^uint32(0)) {
			res.Next = 0
			break
		}
		res.Next = next
		var best *entry
		for _, c := range children[cur] {
			if c.anchor < 0 {
				continue
			}
			if best == nil || c.anchor < best.anchor || (c.anchor == best.anchor && c.first >= 0 && (best.first < 0 || c.first < best.first)) {
				best = c
			}
		}
		if best == nil {
			break
		}
		k := Keystone{Keystone: best.ks, Anchor: pubs[best.anchor], Confirmations: in.BitcoinTip - pubs[best.anchor].BlockHeight + 1}
		if best.first >= 0 {
			p := pubs[best.first]
			k.Published = &p
		}
		if k.Confirmations < 0 {
			k.Confirmations = 0
		}
		for _, c := range children[cur] {
			if c != best && c.anchor >= 0 {
				res.Conflicts = append(res.Conflicts, Conflict{Height: next, Canonical: k, Forged: c.ks, Evidence: pubs[c.anchor]})
			}
		}
		res.Keystones = append(res.Keystones, k)
		canonical[best] = true
		canonicalIDs[best.self()] = true
		cur = best.self()
	}

	// Every publication outside the canonical tree: either it descends from a canonical keystone
	// (a conflict, reported above, or its descendant), or it links to nothing known.
	for i, p := range pubs {
		e := entries[sortedIndex(entries, p.Keystone)]
		if canonical[e] || e.first != i {
			continue
		}
		// Walk down to the lowest known ancestor; heights fall, so it ends.
		linked, top := false, e
		for top.height() >= in.Interval {
			pk := top.parentKey(in.Interval)
			if pk == startKey || canonicalIDs[pk] {
				linked = true
				break
			}
			ps := byID[pk]
			if len(ps) == 0 {
				break
			}
			top = ps[0]
		}
		if linked {
			continue // a conflict (reported above) or its descendant
		}
		if top.height() <= in.Start.Height+in.Interval {
			res.Ignored++ // another chain's, or from before Start
			continue
		}
		// The fork is at or below top's height - Interval: the first canonical keystone there
		// anchored after p is contested.
		// Anchors never fall along the sequence (a keystone's descendants are its child's and
		// the child's own), so the first keystone anchored after p is found by bisection.
		limit := top.height() - in.Interval
		j := sort.Search(len(res.Keystones), func(j int) bool { return p.before(res.Keystones[j].Anchor) })
		if j < len(res.Keystones) && uint64(res.Keystones[j].Keystone.KeystoneHeight) <= limit {
			res.Contested = append(res.Contested, Unlinked{Height: uint64(res.Keystones[j].Keystone.KeystoneHeight), Evidence: p})
		} else {
			res.Ignored++
		}
	}
	return res, nil
}

// sortedIndex finds ks among entries (sorted by height, then bytes).
func sortedIndex(entries []*entry, ks bitcoin.AbbreviatedKeystone) int {
	b := ks.Serialize()
	return sort.Search(len(entries), func(i int) bool {
		if a, h := entries[i].height(), uint64(ks.KeystoneHeight); a != h {
			return a > h
		}
		return bytes.Compare(entries[i].bytes[:], b[:]) >= 0
	})
}
