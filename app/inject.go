package app

import (
	"errors"
	"sync"

	"github.com/btcsuite/btcd/chaincfg/chainhash"

	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/hemi-appchain/hemi/app/inject"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// The proposer's injected Bitcoin entry (DESIGN.md §10): PrepareProposal puts it first when the
// node runs a Bitcoin watcher with something to offer, ProcessProposal checks it against state
// alone, and PreBlocker applies it before any transaction. It is never a transaction: the tx
// decoder refuses its bytes, so CheckTx and the block's tx execution refuse it too.

// InjectSubmitter is the address x/pop, x/tunnel and x/inbox record as the submitter of injected
// publications, deposits and inbox operations.
var InjectSubmitter = authtypes.NewModuleAddress("inject")

// BitcoinView is the state a Bitcoin watcher reads to choose what to offer.
type BitcoinView interface {
	// Tip is x/btclc's canonical tip.
	Tip() (height uint64, hash chainhash.Hash, err error)
	// Known tells whether x/btclc holds the block, canonical or as a side-chain header.
	Known(hash chainhash.Hash) bool
	// VaultScript is x/tunnel's vault_script param (empty: no vault, no deposits).
	VaultScript() ([]byte, error)
}

// BitcoinSource is a node-local Bitcoin watcher. Its methods run inside PrepareProposal and must
// return at once (from what the watcher holds ready, never by asking its Bitcoin node).
type BitcoinSource interface {
	// Candidate is what the watcher offers the next block, given the chain's view.
	Candidate(view BitcoinView) inject.Candidate
	// Recorded reports publications the chain holds already, which the watcher may forget.
	Recorded(txids []chainhash.Hash)
	// DepositsDone reports deposit transactions the chain holds already or will not take, which
	// the watcher may forget.
	DepositsDone(txids []chainhash.Hash)
	// InboxDone reports inbox transactions the chain holds already or will not take, which the
	// watcher may forget.
	InboxDone(txids []chainhash.Hash)
	// Followed reports x/btclc's tip height at the end of each block this node executes, so that
	// the watcher reads ahead of it before this node's next proposal, however many blocks other
	// validators proposed in between.
	Followed(tipHeight uint64)
	// HeadersRefused reports that x/btclc refused the candidate's headers (err says why), which the
	// proposal leaves out.
	HeadersRefused(err error)
}

// bitcoinSource holds the node's watcher, if any.
type bitcoinSource struct {
	mu     sync.Mutex
	source BitcoinSource
	// unchecked proposes the watcher's candidate as it is, without checking it on the state: a
	// byzantine proposer, for tests of the other validators' ProcessProposal (UnsafeUncheckedEntriesEnv).
	unchecked bool
}

// UnsafeUncheckedEntriesEnv, set to 1 in hemid start's environment, makes the node propose its
// watcher's candidate without checking it, as a faulty or malicious proposer would. Tests only:
// the other validators reject such proposals when the candidate is bad.
const UnsafeUncheckedEntriesEnv = "HEMID_UNSAFE_PROPOSE_UNCHECKED_ENTRIES"

// SetUnsafeUncheckedEntries turns the byzantine proposer of UnsafeUncheckedEntriesEnv on or off.
func (app *App) SetUnsafeUncheckedEntries(on bool) {
	app.bitcoin.mu.Lock()
	defer app.bitcoin.mu.Unlock()
	app.bitcoin.unchecked = on
}

// SetBitcoinSource installs the node's Bitcoin watcher (hemid start does when [bitcoin] enable
// is set). Without one, proposals carry no entry.
func (app *App) SetBitcoinSource(s BitcoinSource) {
	app.bitcoin.mu.Lock()
	defer app.bitcoin.mu.Unlock()
	app.bitcoin.source = s
}

func (app *App) bitcoinSourceOf() BitcoinSource {
	app.bitcoin.mu.Lock()
	defer app.bitcoin.mu.Unlock()
	return app.bitcoin.source
}

func (app *App) injectApplier() inject.Applier {
	return inject.Applier{
		Headers:      app.BTCLCKeeper,
		Publications: app.PoPKeeper,
		Deposits:     app.TunnelKeeper,
		Inbox:        app.InboxKeeper,
		Submitter:    sdk.AccAddress(InjectSubmitter).String(),
	}
}

// refuseEntries wraps the tx decoder so that an entry's bytes never decode as a transaction.
func refuseEntries(decode sdk.TxDecoder) sdk.TxDecoder {
	return func(bz []byte) (sdk.Tx, error) {
		if inject.IsEntry(bz) {
			return nil, inject.ErrNotATransaction.Wrap("it is applied by PreBlocker when a proposer puts it first in a block")
		}
		return decode(bz)
	}
}

// buildEntry asks the watcher for a candidate and makes an entry of it that this state accepts,
// within maxBytes; nil when there is no watcher or nothing to inject.
func (app *App) buildEntry(ctx sdk.Context, maxBytes int64) []byte {
	source := app.bitcoinSourceOf()
	if source == nil || maxBytes <= int64(len(inject.Prefix)) {
		return nil
	}
	candidate := source.Candidate(chainBitcoinView{ctx: ctx, app: app})
	if app.censorInbox.Load() {
		candidate.Inbox = nil // a censoring validator (UnsafeCensorInboxEnv)
	}
	if candidate.Empty() {
		return nil
	}
	app.bitcoin.mu.Lock()
	unchecked := app.bitcoin.unchecked
	app.bitcoin.mu.Unlock()
	if unchecked {
		bz, err := inject.Encode(&inject.Entry{Headers: candidate.Headers, Publications: candidate.Publications, Deposits: candidate.Deposits, Inbox: candidate.Inbox})
		if err != nil || int64(len(bz)) > maxBytes {
			return nil
		}
		app.Logger().Warn("proposing the Bitcoin watcher's candidate unchecked ("+UnsafeUncheckedEntriesEnv+" is set)", "height", ctx.BlockHeight())
		return bz
	}
	built := app.injectApplier().Build(ctx, candidate, int(min(maxBytes, inject.MaxEntryBytes)))
	if len(built.Recorded) > 0 {
		source.Recorded(built.Recorded)
	}
	if len(built.DepositsDone) > 0 {
		source.DepositsDone(built.DepositsDone)
	}
	if len(built.InboxDone) > 0 {
		source.InboxDone(built.InboxDone)
	}
	if built.HeadersRefused != nil {
		source.HeadersRefused(built.HeadersRefused)
		app.Logger().Error("the Bitcoin watcher's headers are refused by x/btclc; proposing without them", "err", built.HeadersRefused)
	}
	if built.Entry.Empty() {
		return nil
	}
	bz, err := inject.Encode(built.Entry)
	if err != nil {
		app.Logger().Error("could not encode the injected Bitcoin entry; proposing without it", "err", err)
		return nil
	}
	app.Logger().Info("injecting Bitcoin data", "height", ctx.BlockHeight(), "headers", len(built.Entry.Headers),
		"publications", len(built.Entry.Publications), "deposits", len(built.Entry.Deposits), "inbox", len(built.Entry.Inbox), "bytes", len(bz))
	return bz
}

// checkEntry is ProcessProposal's check of the block's items that are entries: at most one, first,
// and accepted by x/btclc, x/pop and x/tunnel on this state (which it does not change).
func (app *App) checkEntry(ctx sdk.Context, txs [][]byte) error {
	for i, bz := range txs {
		if inject.IsEntry(bz) && i > 0 {
			return inject.ErrMisplacedEntry.Wrapf("item %d of %d is an entry", i, len(txs))
		}
	}
	if len(txs) == 0 || !inject.IsEntry(txs[0]) {
		return nil
	}
	entry, err := inject.Decode(txs[0])
	if err != nil {
		return err
	}
	return app.injectApplier().Check(ctx, entry)
}

// applyEntry applies the block's entry, if any, before its transactions. The block was accepted
// by the validators, so the entry passed their checks; should it fail here all the same (a node
// replaying blocks runs no ProcessProposal), it changes nothing and the block goes on, as it does
// on every node. The entry's bytes are the context's tx bytes, so x/tunnel records the entry, by
// CometBFT's hash of the block's first item, as the hemi transaction that proved a deposit.
func (app *App) applyEntry(ctx sdk.Context, req *abci.RequestFinalizeBlock) {
	if len(req.Txs) == 0 || !inject.IsEntry(req.Txs[0]) {
		return
	}
	entry, err := inject.Decode(req.Txs[0])
	if err == nil {
		branch, write := ctx.WithTxBytes(req.Txs[0]).CacheContext()
		if err = app.injectApplier().Apply(branch, entry); err == nil {
			write()
			return
		}
	}
	app.Logger().Error("the block's injected Bitcoin entry does not apply; ignoring it", "height", req.Height, "err", err)
}

// chainBitcoinView is x/btclc's state as a watcher sees it during PrepareProposal.
type chainBitcoinView struct {
	ctx sdk.Context
	app *App
}

func (v chainBitcoinView) Tip() (uint64, chainhash.Hash, error) {
	tip, err := v.app.BTCLCKeeper.Tip(v.ctx)
	if err != nil {
		return 0, chainhash.Hash{}, err
	}
	return tip.Height, tip.Hash(), nil
}

func (v chainBitcoinView) VaultScript() ([]byte, error) {
	params, err := v.app.TunnelKeeper.GetParams(v.ctx)
	return params.VaultScript, err
}

func (v chainBitcoinView) Known(hash chainhash.Hash) bool {
	_, _, err := v.app.BTCLCKeeper.KnownHeader(v.ctx, hash)
	if err != nil && !errors.Is(err, btclctypes.ErrHeaderNotFound) {
		v.app.Logger().Error("reading x/btclc for the Bitcoin watcher", "hash", hash, "err", err)
	}
	return err == nil
}
