package app_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
)

var errForged = errors.New("forged")

// judge is a node guard that refuses one block hash at one keystone height and records what the
// app tells it.
type judge struct {
	refuseHeight uint64
	refuseHash   []byte
	superfinal   uint64 // what Superfinal answers (0: none)
	known        []uint32
	checked      []uint64
	lightClient  []uint64
	inbox        int // calls of Inbox whose ran answered for an unknown coin, with x/inbox's min_confirmations
}

func (j *judge) Inbox(ran func(wire.OutPoint) (bool, error), minConfirmations uint32, _ time.Time) {
	if done, err := ran(wire.OutPoint{Index: 7}); err == nil && !done && minConfirmations == inboxtypes.DefaultMinConfirmations {
		j.inbox++
	}
}

func (j *judge) LightClient(tip uint64, _ time.Time) { j.lightClient = append(j.lightClient, tip) }

func (j *judge) Known(ks []bitcoin.AbbreviatedKeystone) {
	for _, k := range ks {
		j.known = append(j.known, k.KeystoneHeight)
	}
}

func (j *judge) Check(height uint64, blockHash []byte) error {
	if height%keystoneInterval != 0 {
		return nil
	}
	j.checked = append(j.checked, height)
	if height == j.refuseHeight && bytes.Equal(blockHash, j.refuseHash) {
		return errForged
	}
	return nil
}

func (j *judge) Superfinal(upTo uint64) (uint64, bool, error) {
	return j.superfinal, j.superfinal != 0 && j.superfinal <= upTo, nil
}

// TestGuardRefusesBlock: with a node guard, the first block the process applies checks the
// state's newest superfinal keystone (after learning the state's keystones), each keystone block
// is checked and then learnt, and a block the guard refuses fails FinalizeBlock before it changes
// anything: the same height then finalizes with the block the chain agrees on, with the app hash
// of an instance that never had a guard.
func TestGuardRefusesBlock(t *testing.T) {
	c := apptest.New(t, apptest.Options{Genesis: shortKeystoneInterval})
	for c.Height() < 2*keystoneInterval { // keystones 2 and 4
		c.NextBlock()
	}
	j := &judge{superfinal: keystoneInterval}
	c.App().SetBitcoinGuard(j)

	c.NextBlock() // height 5: the state's keystones are learnt, keystone 2 is checked
	if len(j.known) != 2 || j.known[0] != 4 || j.known[1] != 2 || len(j.checked) != 1 || j.checked[0] != keystoneInterval {
		t.Fatalf("on the first block: learnt %v, checked %v; want keystones [4 2] learnt and 2 checked", j.known, j.checked)
	}
	c.NextBlock() // height 6, a keystone height: checked, then learnt
	if len(j.checked) != 2 || j.checked[1] != 6 || j.known[len(j.known)-1] != 6 {
		t.Fatalf("at keystone 6: checked %v, learnt %v", j.checked, j.known)
	}
	c.NextBlock() // 7: no check

	j.refuseHeight, j.refuseHash = 8, bytes.Repeat([]byte{0xf0}, 32)
	_, err := c.App().FinalizeBlock(&abci.RequestFinalizeBlock{Height: 8, Hash: j.refuseHash, Time: c.Context().BlockTime()})
	if !errors.Is(err, errForged) {
		t.Fatalf("FinalizeBlock of a block the guard refuses: %v", err)
	}
	if c.App().LastBlockHeight() != 7 {
		t.Fatalf("after the refusal the app is at height %d, want 7", c.App().LastBlockHeight())
	}
	c.NextBlock() // height 8 as the chain has it: both instances agree on the app hash
	if c.Height() != 8 || j.known[len(j.known)-1] != 8 {
		t.Fatalf("height %d, learnt %v after block 8", c.Height(), j.known)
	}
	if len(j.lightClient) != 4 || j.inbox != 4 { // blocks 5 to 8
		t.Fatalf("told x/btclc's tip after %d blocks and x/inbox's coins after %d, want 4", len(j.lightClient), j.inbox)
	}

	// The guard learns at Commit only: EndBlock also runs for proposals executed optimistically
	// (a round that may never commit), and those must teach the guard nothing.
	speculative, _ := c.Context().WithBlockHeight(9).WithBlockGasMeter(storetypes.NewInfiniteGasMeter()).CacheContext()
	if _, err := c.App().EndBlocker(speculative); err != nil {
		t.Fatal(err)
	}
	if len(j.lightClient) != 4 || j.inbox != 4 {
		t.Fatalf("EndBlock told the guard: %d x/btclc tips, %d inbox reports, want 4 each", len(j.lightClient), j.inbox)
	}
	c.App().Precommiter(speculative)
	if len(j.lightClient) != 5 || j.inbox != 5 {
		t.Fatalf("Precommit told the guard %d x/btclc tips and %d inbox reports in all, want 5", len(j.lightClient), j.inbox)
	}
}
