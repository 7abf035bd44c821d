package app_test

import (
	"slices"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/store/v2/rootmulti"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	"github.com/hemi-appchain/hemi/x/btclc"
	btclckeeper "github.com/hemi-appchain/hemi/x/btclc/keeper"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	popkeeper "github.com/hemi-appchain/hemi/x/pop/keeper"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
)

// TestEndBlockOrderSeesReorgInSameBlock: a keystone anchored by a real PoP publication loses its
// anchoring at the end of the very block whose MsgInsertHeaders takes the publication's Bitcoin
// block off the main chain. Everything runs through the app harness (CheckTx, PrepareProposal,
// ProcessProposal, FinalizeBlock, Commit on two instances, app hashes compared every block), and
// the state is read right after the reorg block's Commit.
//
// Two pieces of wiring make that hold, and both are checked:
//   - x/btclc's hooks reach x/pop (app.go's SetHooks), and x/pop re-anchors inside the hook,
//     which x/btclc's EndBlock calls. Without the hook, x/pop learns of the reorg only when some
//     later message happens to ask for a re-evaluation: the subtest "without x/btclc's hooks"
//     removes it and shows the assertion of "as wired" then fails (the keystone still counts
//     confirmations of a publication that is off the main chain).
//   - x/btclc ends its block before x/pop (the module-order check). The anchoring itself no
//     longer depends on it, since x/pop works in the hook and does not defer to its own EndBlock:
//     the subtest "x/pop ending first" swaps the order and the anchoring still goes in the same
//     block. What the order keeps is that x/pop's EndBlock, which pays the rewards the hook made
//     owed, runs after the hook: swapped, a reward owed because of a block's new Bitcoin tip would
//     be paid one block late, before the next block's own reorg (if any) is seen. Were x/pop to
//     defer its reaction to its EndBlock again, that subtest fails.
func TestEndBlockOrderSeesReorgInSameBlock(t *testing.T) {
	// publish runs blocks up to the first keystone, mines a regtest block on the genesis base
	// holding a signed P2WPKH spend whose first output publishes that keystone, relays the
	// block's header in one block and proves the spend, with its funding transaction, in the
	// next. It checks the publication is recorded with the spend key's account as payee and the
	// keystone anchored at Bitcoin height 1. rewire, if set, changes each app instance's wiring
	// first.
	publish := func(t *testing.T, rewire func(*testing.T, *app.App)) *popScenario {
		c := apptest.New(t, apptest.Options{Genesis: shortKeystoneInterval})
		if rewire != nil {
			rewire(t, c.App())
			rewire(t, c.Shadow())
		}
		s := &popScenario{c: c, keystone: keystoneInterval, genesis: datagen.RegtestGenesis()}
		for c.Height() < int64(s.keystone) {
			c.NextBlock()
		}
		ks, err := c.App().PoPKeeper.Keystones.Get(c.Context(), s.keystone)
		if err != nil {
			t.Fatalf("no keystone recorded at height %d: %v", s.keystone, err)
		}
		abbreviated, err := ks.Abbreviate()
		if err != nil {
			t.Fatal(err)
		}

		key := datagen.KeyFromSeed(7)
		mined := datagen.MineSpendBlock(t, &s.genesis, 1, datagen.Spend{
			Kind: datagen.P2WPKH, Key: key, Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(abbreviated))},
		})
		spend := mined.Spends[0]
		s.txid = spend.Spending.TxHash()

		relayer, submitter := c.Accounts[0], c.Accounts[1]
		res := c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(), [][]byte{mined.RawHeader})))
		apptest.RequireTxOK(t, res, 0)
		proof := spend.SpendingProof
		res = c.NextBlock(c.SignTx(submitter, 0, poptypes.NewMsgSubmitPoPProof(submitter.String(),
			proof.RawTx, mined.Block.BlockHash(), proof.Index, proof.Siblings, spend.FundingProof.RawTx)))
		apptest.RequireTxOK(t, res, 0)

		// The payee is the account of the key that signed the spend (its Ethereum-style
		// address), not the submitter.
		payee := sdk.AccAddress(ethcrypto.Keccak256(key.PubKey().SerializeUncompressed()[1:])[12:]).String()
		pub, err := popkeeper.NewQuerier(c.App().PoPKeeper).Publication(c.Context(), &poptypes.QueryPublicationRequest{Txid: s.txid.String()})
		if err != nil {
			t.Fatalf("publication %s not recorded: %v", s.txid, err)
		}
		if got := pub.Publication.Publication; got.KeystoneHeight != s.keystone || got.BtcHeight != 1 || got.Payee != payee || got.Submitter != submitter.String() {
			t.Fatalf("publication %+v, want keystone %d at Bitcoin height 1 paying %s, submitted by %s", got, s.keystone, payee, submitter)
		}
		if !pub.Publication.OnMainChain {
			t.Fatal("the publication's block is not on the main chain")
		}
		st := s.status(t)
		if st.FirstBtcHeight != 1 || st.EffectiveBtcHeight != 1 || st.Confirmations != 1 || st.BtcTipHeight != 1 {
			t.Fatalf("keystone %d after its publication: first %d, effective %d, %d confirmations, tip %d; want 1, 1, 1, 1",
				s.keystone, st.FirstBtcHeight, st.EffectiveBtcHeight, st.Confirmations, st.BtcTipHeight)
		}
		return s
	}

	t.Run("as wired", func(t *testing.T) {
		s := publish(t, nil)
		order := s.c.App().ModuleManager.OrderEndBlockers
		btclcAt, popAt := slices.Index(order, btclctypes.ModuleName), slices.Index(order, poptypes.ModuleName)
		if btclcAt < 0 || popAt < 0 || btclcAt > popAt {
			t.Fatalf("EndBlock order has x/btclc at %d and x/pop at %d: x/btclc must end its block first (%v)", btclcAt, popAt, order)
		}

		s.reorg(t)
		st := s.status(t)
		if st.FirstBtcHeight != 0 || st.EffectiveBtcHeight != 0 || st.Confirmations != 0 {
			t.Fatalf("right after the reorg block, keystone %d is still anchored: first %d, effective %d, %d confirmations (tip %d); x/pop saw the reorg late or not at all",
				s.keystone, st.FirstBtcHeight, st.EffectiveBtcHeight, st.Confirmations, st.BtcTipHeight)
		}
		if len(st.Publications) != 1 || st.Publications[0].OnMainChain {
			t.Fatalf("after the reorg the keystone lists %+v, want its one publication off the main chain", st.Publications)
		}
		requireNothingPending(t, s.c, "after the reorg")
	})

	// The assertion above fails when x/pop does not hear of the reorg in its block: with
	// x/btclc's EndBlock running without hooks (as if app.go's SetHooks were dropped), the
	// keystone still counts its confirmations at the end of the reorg block.
	t.Run("without x/btclc's hooks the reorg is unseen", func(t *testing.T) {
		s := publish(t, withoutBTCLCHooks)
		s.reorg(t)
		st := s.status(t)
		if st.Confirmations == 0 || st.EffectiveBtcHeight != 1 {
			t.Fatalf("without x/btclc's hooks the keystone lost its anchoring anyway (effective %d, %d confirmations): the wiring removed here is not what drives it",
				st.EffectiveBtcHeight, st.Confirmations)
		}
		if st.Publications[0].OnMainChain {
			t.Fatal("the reorg did not take the publication's block off the main chain")
		}
	})

	// x/pop re-anchors in the hook, so even ending its block first it sees the reorg in the
	// block that carried it (the module-order check of "as wired" is what this order fails).
	t.Run("x/pop ending first still sees the reorg in its block", func(t *testing.T) {
		s := publish(t, popEndsBeforeBTCLC)
		s.reorg(t)
		if st := s.status(t); st.Confirmations != 0 || st.EffectiveBtcHeight != 0 {
			t.Fatalf("with x/pop's EndBlock first, keystone %d is still anchored after the reorg block: effective %d, %d confirmations",
				s.keystone, st.EffectiveBtcHeight, st.Confirmations)
		}
	})
}

// keystoneInterval is short so that the harness reaches a keystone in one block.
const keystoneInterval = 2

// popScenario is a chain whose keystone is anchored by one publication in Bitcoin block 1 of
// the regtest chain.
type popScenario struct {
	c        *apptest.Chain
	keystone uint64
	txid     chainhash.Hash
	genesis  wire.BlockHeader
}

// reorg delivers, in one block, a heavier regtest fork from the genesis base: two headers
// against the one holding the publication, so the fork point is 0 and the publication's block
// leaves the main chain.
func (s *popScenario) reorg(t *testing.T) {
	t.Helper()
	c := s.c
	relayer := c.Accounts[0]
	fork := datagen.RegtestChain(t, s.genesis, 2, 2)
	res := c.NextBlock(c.SignTx(relayer, 0, btclctypes.NewMsgInsertHeaders(relayer.String(), datagen.SerializeHeaders(fork))))
	apptest.RequireTxOK(t, res, 0)
	tip, err := c.App().BTCLCKeeper.Tip(c.Context())
	if err != nil {
		t.Fatal(err)
	}
	if tip.Height != 2 || tip.Hash() != fork[1].BlockHash() {
		t.Fatalf("the fork did not win: tip at height %d", tip.Height)
	}
}

// status is the keystone's status as the gRPC query reports it on the committed state.
func (s *popScenario) status(t *testing.T) poptypes.KeystoneStatus {
	t.Helper()
	res, err := popkeeper.NewQuerier(s.c.App().PoPKeeper).KeystoneStatus(s.c.Context(), &poptypes.QueryKeystoneStatusRequest{Height: s.keystone})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status
}

// withoutBTCLCHooks replaces x/btclc's module in the module manager with one whose keeper, on the
// same store, has no hooks: its EndBlock clears what the block's messages recorded and tells no
// one. (The messages still go to the app's keeper, which only records.)
func withoutBTCLCHooks(t *testing.T, a *app.App) {
	t.Helper()
	cms, ok := a.CommitMultiStore().(*rootmulti.Store)
	if !ok {
		t.Fatalf("commit multistore is a %T", a.CommitMultiStore())
	}
	key, ok := cms.StoreKeysByName()[btclctypes.StoreKey].(*storetypes.KVStoreKey)
	if !ok {
		t.Fatalf("no store key %q", btclctypes.StoreKey)
	}
	k := btclckeeper.NewKeeper(a.AppCodec(), runtime.NewKVStoreService(key), a.BTCLCKeeper.Authority(), a.AccountKeeper.AddressCodec())
	a.ModuleManager.Modules[btclctypes.ModuleName] = btclc.NewAppModule(k)
}

// popEndsBeforeBTCLC swaps x/btclc and x/pop in the EndBlock order.
func popEndsBeforeBTCLC(t *testing.T, a *app.App) {
	t.Helper()
	order := slices.Clone(a.ModuleManager.OrderEndBlockers)
	i, j := slices.Index(order, btclctypes.ModuleName), slices.Index(order, poptypes.ModuleName)
	order[i], order[j] = order[j], order[i]
	a.ModuleManager.OrderEndBlockers = order
}

// requireNothingPending fails if, at the end of the last block, x/btclc still holds a reorg or tip
// change for its hooks, or x/pop a change from the block's messages that its EndBlock has not
// acted on.
func requireNothingPending(t *testing.T, c *apptest.Chain, when string) {
	t.Helper()
	ctx := c.Context()
	b, p := c.App().BTCLCKeeper, c.App().PoPKeeper
	checks := map[string]func() (bool, error){
		"x/btclc pending rollback":     func() (bool, error) { return b.PendingRollBack.Has(ctx) },
		"x/btclc pending roll-forward": func() (bool, error) { return b.PendingRollForward.Has(ctx) },
		"x/pop pending update":         func() (bool, error) { return p.PendingUpdate.Has(ctx) },
	}
	for name, has := range checks {
		pending, err := has()
		if err != nil {
			t.Fatal(err)
		}
		if pending {
			t.Errorf("%s: %s is still set at the end of the block, so it takes effect a block late", when, name)
		}
	}
}
