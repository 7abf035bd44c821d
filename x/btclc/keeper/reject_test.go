package keeper_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/stretchr/testify/require"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc/types"
)

// flipBit returns a copy of raw with one bit flipped.
func flipBit(raw []byte, byteIndex int, bit uint) []byte {
	out := bytes.Clone(raw)
	out[byteIndex] ^= 1 << bit
	return out
}

// Header field offsets in the 80-byte serialization.
const (
	offPrev  = 4
	offTime  = 68
	offBits  = 72
	offNonce = 76
)

// staleHeader is the real orphaned block 823226 (same parent as the
// canonical 823226, same nBits, so the same work).
func staleHeader(t *testing.T) datagen.ForkHeader {
	t.Helper()
	for _, f := range datagen.LoadForkHeaders(t) {
		if f.Kind == "stale" {
			require.Equal(t, uint64(823226), f.Height)
			return f
		}
	}
	t.Fatal("no stale header in mainnet-fork-headers.csv")
	return datagen.ForkHeader{}
}

// Real mainnet inputs that must be refused, each with its own registered
// error, and none of them may change a single key of the store.
func TestRejectMainnet(t *testing.T) {
	f, run, _ := mainnet822528(t)
	f.mustInsert(run.RawRange(t, 822529, 823300), 2016)
	next := run.RawAt(t, 823301)

	t.Run("one-bit corruptions break the proof of work", func(t *testing.T) {
		// Any change to the hashed fields gives another hash, which does
		// not meet the target: a Bitcoin node rejects it as high-hash
		// before looking at anything else.
		for name, off := range map[string]int{"nBits": offBits, "nonce": offNonce, "timestamp": offTime, "merkle root": 40, "version": 0} {
			for _, bit := range []uint{0, 7} {
				err := f.requireRejected([][]byte{flipBit(next, off, bit)}, types.ErrInvalidProofOfWork)
				require.ErrorIs(t, err, bitcoin.ErrHashAboveTarget, name)
			}
		}
		// nBits made easier than the pow limit is caught before the hash.
		raw := bytes.Clone(next)
		raw[offBits+3] = 0x1e
		f.requireRejected([][]byte{raw}, types.ErrInvalidProofOfWork)
	})

	t.Run("corrupt prev-hash", func(t *testing.T) {
		// In the first header: its parent is not known.
		f.requireRejected([][]byte{flipBit(next, offPrev, 0)}, types.ErrUnknownParent)
		// Further in: the batch is not a chain.
		f.requireRejected([][]byte{next, flipBit(run.RawAt(t, 823302), offPrev+31, 3)}, types.ErrHeadersNotLinked)
		err := f.requireRejected([][]byte{next, run.RawAt(t, 823303)}, types.ErrHeadersNotLinked)
		require.Contains(t, err.Error(), "header 1 of 2 (height 823302)")
	})

	t.Run("stale block 823226 has less work than the tip: side chain", func(t *testing.T) {
		stale := staleHeader(t)
		ctx := cacheCtx(f.ctx)
		resp, err := f.k.InsertHeaders(ctx, f.relayer, [][]byte{stale.Raw})
		require.NoError(t, err)
		require.True(t, resp.SideChain)
		require.Equal(t, uint64(823300), resp.TipHeight)
		info, found, err := f.k.SideHeader(ctx, stale.Header.BlockHash())
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, uint64(823226), info.Height)
		require.Zero(t, f.header(823226).Work().Cmp(info.Work()), "same parent, same nBits: same work")
	})

	t.Run("batch of known headers is a no-op", func(t *testing.T) {
		before := f.snapshot()
		events := len(f.ctx.EventManager().Events())
		resp, err := f.insert(run.RawRange(t, 823200, 823210))
		require.NoError(t, err)
		require.Equal(t, uint32(11), resp.Skipped)
		require.Equal(t, uint64(823300), resp.TipHeight)
		require.Equal(t, before, f.snapshot())
		require.Len(t, f.ctx.EventManager().Events(), events)
	})

	t.Run("unknown parent", func(t *testing.T) {
		f.requireRejected([][]byte{run.RawAt(t, 830000)}, types.ErrUnknownParent)
	})

	t.Run("BIP66 invalid fork of 2015-07-04", func(t *testing.T) {
		// The data has no mainnet base near 363731 (the 851 headers
		// 362880..363730 are not in it), so the light client cannot hold
		// the fork's parent: the real fork can only be refused as
		// building on an unknown block here. Its version-2 rule is
		// checked against the real headers in package bitcoin
		// (TestBIP66InvalidFork) and at the keeper with regtest headers
		// (TestRejectRegtestRules, "version too old").
		var fork [][]byte
		for _, fh := range datagen.LoadForkHeaders(t) {
			if strings.HasPrefix(fh.Kind, "invalid-fork") {
				fork = append(fork, fh.Raw)
			}
		}
		require.Len(t, fork, 6)
		f.requireRejected(fork, types.ErrUnknownParent)
	})

	t.Run("batch shape", func(t *testing.T) {
		f.requireRejected(nil, types.ErrEmptyBatch)
		f.requireRejected(make([][]byte, types.DefaultMaxHeadersPerMsg+1), types.ErrBatchTooLarge)
		f.requireRejected([][]byte{next[:79]}, types.ErrInvalidHeaderLength)
		f.requireRejected([][]byte{append(bytes.Clone(next), 0)}, types.ErrInvalidHeaderLength)
		err := f.requireRejected([][]byte{next, {}}, types.ErrInvalidHeaderLength)
		require.Contains(t, err.Error(), "header 1 of 2")
	})

	t.Run("header too far in the future", func(t *testing.T) {
		at := run.At(t, 823301).Timestamp
		saved := f.ctx
		defer func() { f.ctx = saved }()
		f.ctx = saved.WithBlockTime(at.Add(-2*time.Hour - time.Second))
		err := f.requireRejected([][]byte{next}, types.ErrHeaderTooNew)
		require.ErrorIs(t, err, bitcoin.ErrTimeTooNew)
		// Exactly two hours ahead is still fine.
		f.ctx = saved.WithBlockTime(at.Add(-2 * time.Hour))
		_, err = f.k.InsertHeaders(cacheCtx(f.ctx), f.relayer, [][]byte{next})
		require.NoError(t, err)
	})

	t.Run("signer", func(t *testing.T) {
		before := f.snapshot()
		_, err := f.msgs.InsertHeaders(f.ctx, types.NewMsgInsertHeaders("not-an-address", [][]byte{next}))
		require.ErrorIs(t, err, sdkerrors.ErrInvalidAddress)
		require.Equal(t, before, f.snapshot())
	})

	tip := f.tip()
	require.Equal(t, uint64(823300), tip.Height)
	require.Empty(t, f.hooks.calls)
}

// The real race at 823226, replayed: whichever block arrives first stays on
// equal work, and the next block decides.
func TestStaleBlockRace(t *testing.T) {
	f, run, _ := mainnet822528(t)
	f.mustInsert(run.RawRange(t, 822529, 823225), 2016)
	stale := staleHeader(t)
	canonical := run.RawAt(t, 823226)
	require.Zero(t, bitcoin.CalcWork(stale.Header.Bits).Cmp(bitcoin.CalcWork(run.At(t, 823226).Bits)))

	// The stale block extends the tip: a light client cannot know yet.
	_, err := f.insert([][]byte{stale.Raw})
	require.NoError(t, err)
	require.Equal(t, stale.Header.BlockHash(), f.tip().Hash())

	// The canonical 823226 alone has equal work: no reorg, first seen
	// stays, and the block waits in the side-chain store.
	events := len(f.ctx.EventManager().Events())
	resp, err := f.insert([][]byte{canonical})
	require.NoError(t, err)
	require.True(t, resp.SideChain)
	require.False(t, resp.Reorged)
	require.Equal(t, stale.Header.BlockHash(), f.tip().Hash())
	require.Len(t, f.ctx.EventManager().Events(), events, "no canonical change, no event")

	// With 823227 on top it is heavier and replaces the stale block: the
	// known 823226 is skipped, and moves from the side-chain store onto the
	// canonical chain.
	resp, err = f.insert(run.RawRange(t, 823226, 823227))
	require.NoError(t, err)
	require.True(t, resp.Reorged)
	require.Equal(t, uint32(1), resp.Skipped)
	require.Equal(t, uint64(823227), resp.TipHeight)
	_, inSide, err := f.k.SideHeader(f.ctx, run.At(t, 823226).BlockHash())
	require.NoError(t, err)
	require.False(t, inSide, "a canonical header is not also in the side-chain store")
	require.Equal(t, []any{
		&types.EventRollBack{From: 823226, To: 823225, ForkPointHash: run.At(t, 823225).BlockHash().String()},
		&types.EventRollForward{From: 823226, To: 823227, Count: 2, TipHash: run.At(t, 823227).BlockHash().String()},
	}, typedEvents(t, f.ctx)[events:])
	on, err := f.k.IsOnMainChain(f.ctx, stale.Header.BlockHash())
	require.NoError(t, err)
	require.False(t, on)
	conf, err := f.k.Confirmations(f.ctx, stale.Header.BlockHash())
	require.NoError(t, err)
	require.Zero(t, conf)
	require.Equal(t, run.At(t, 823226).BlockHash(), f.header(823226).Hash())
}

// Rules real data cannot show one at a time (a real header that breaks one
// of them also breaks its proof of work): regtest headers mined to break
// exactly one rule.
func TestRejectRegtestRules(t *testing.T) {
	f, genesis := regtestFixture(t)
	p, err := bitcoin.NetworkByName(bitcoin.RegTest)
	require.NoError(t, err)
	chain := datagen.RegtestChain(t, genesis, 20, 1)
	f.mustInsert(datagen.SerializeHeaders(chain), 2016)
	tip := chain[len(chain)-1]

	mined := func(edit func(h *wire.BlockHeader)) []byte {
		h := datagen.RegtestChild(t, &tip, 2)
		edit(&h)
		datagen.Mine(t, p, &h)
		return datagen.SerializeHeader(&h)
	}

	t.Run("timestamp at the median time past", func(t *testing.T) {
		mtp := bitcoin.MedianTimePast(chainView(chain, genesis), 20)
		err := f.requireRejected([][]byte{mined(func(h *wire.BlockHeader) { h.Timestamp = time.Unix(mtp, 0) })}, types.ErrInvalidTimestamp)
		require.ErrorIs(t, err, bitcoin.ErrTimeTooOld)
		// One second later is valid.
		_, err = f.k.InsertHeaders(cacheCtx(f.ctx), f.relayer, [][]byte{mined(func(h *wire.BlockHeader) { h.Timestamp = time.Unix(mtp+1, 0) })})
		require.NoError(t, err)
	})

	t.Run("wrong nBits with valid proof of work", func(t *testing.T) {
		err := f.requireRejected([][]byte{mined(func(h *wire.BlockHeader) { h.Bits = 0x207ffffe })}, types.ErrBadDifficulty)
		require.ErrorIs(t, err, bitcoin.ErrBadDifficultyBits)
	})

	t.Run("header too far in the future", func(t *testing.T) {
		saved := f.ctx
		defer func() { f.ctx = saved }()
		f.ctx = saved.WithBlockTime(tip.Timestamp)
		f.requireRejected([][]byte{mined(func(h *wire.BlockHeader) { h.Timestamp = tip.Timestamp.Add(2*time.Hour + time.Second) })}, types.ErrHeaderTooNew)
	})

	t.Run("version too old", func(t *testing.T) {
		// Regtest enforces BIP66 (version >= 3) from height 1251.
		g, genesis := regtestFixture(t)
		chain := datagen.RegtestChain(t, genesis, 1250, 3)
		g.mustInsert(datagen.SerializeHeaders(chain), 2016)
		h := datagen.RegtestChild(t, &chain[len(chain)-1], 3)
		h.Version = 2
		datagen.Mine(t, p, &h)
		err := g.requireRejected([][]byte{datagen.SerializeHeader(&h)}, types.ErrBadBlockVersion)
		require.Contains(t, err.Error(), "BIP66")
	})
}

// The allowlist: empty lets anyone relay; once set, only its addresses.
func TestInsertAllowlist(t *testing.T) {
	f, genesis := regtestFixture(t)
	chain := datagen.SerializeHeaders(datagen.RegtestChain(t, genesis, 3, 1))
	other := mustAddr(t, bytes.Repeat([]byte{0x07}, 20))

	params := types.DefaultParams()
	params.InsertAllowlist = []string{f.relayer}
	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, params))
	require.NoError(t, err)

	before := f.snapshot()
	_, err = f.msgs.InsertHeaders(f.ctx, types.NewMsgInsertHeaders(other, chain))
	require.ErrorIs(t, err, types.ErrNotAllowed)
	require.Equal(t, before, f.snapshot())

	_, err = f.insert(chain)
	require.NoError(t, err)
}

func TestUpdateParams(t *testing.T) {
	f, _ := regtestFixture(t)
	params := types.DefaultParams()
	params.MaxHeadersPerMsg = 10
	params.GasPerHeader = 5

	_, err := f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.relayer, params))
	require.ErrorIs(t, err, sdkerrors.ErrUnauthorized)

	bad := params
	bad.InsertAllowlist = []string{"hemi1notanaddress"}
	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, bad))
	require.ErrorIs(t, err, types.ErrInvalidParams)
	bad = params
	bad.MaxHeadersPerMsg = 0
	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, bad))
	require.ErrorIs(t, err, types.ErrInvalidParams)

	_, err = f.msgs.UpdateParams(f.ctx, types.NewMsgUpdateParams(f.authority, params))
	require.NoError(t, err)
	got, err := f.k.GetParams(f.ctx)
	require.NoError(t, err)
	require.Equal(t, params, got)

	// The new batch limit applies at once.
	f.requireRejected(make([][]byte, 11), types.ErrBatchTooLarge)
}

// Every registered error in a rejection reaches the client as its own ABCI
// code in the x/btclc codespace, with the bitcoin detail in the log.
func TestRejectionCodes(t *testing.T) {
	f, run, _ := mainnet822528(t)
	_, err := f.insert([][]byte{flipBit(run.RawAt(t, 822529), offNonce, 0)})
	require.Error(t, err)
	codespace, code, log := errorsABCI(err)
	require.Equal(t, types.ModuleName, codespace)
	require.Equal(t, types.ErrInvalidProofOfWork.ABCICode(), code)
	require.Contains(t, log, "block hash is above the target")
	require.Contains(t, log, "height 822529")
	require.True(t, errors.Is(err, bitcoin.ErrHashAboveTarget))
}

func staleHash(t *testing.T) chainhash.Hash {
	t.Helper()
	h := staleHeader(t).Header
	return h.BlockHash()
}
