package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dto "github.com/prometheus/client_model/go"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/hemi-appchain/hemi/app"
	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/app/params"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/scan"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

func encodeEntry(t testing.TB, e *inject.Entry) []byte {
	t.Helper()
	bz, err := inject.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return bz
}

func btcTip(t testing.TB, c *apptest.Chain) btclctypes.HeaderInfo {
	t.Helper()
	tip, err := c.App().BTCLCKeeper.Tip(c.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tip
}

// TestProcessProposalRejectsBadEntries: a proposal whose injected entry has a header with bad
// proof of work, headers that do not link, more bytes than allowed, an entry that is not first,
// two entries, or a publication whose proof does not hold, is rejected, and nothing of it reaches
// the state; an empty entry and a valid one are accepted.
func TestProcessProposalRejectsBadEntries(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	chain := datagen.RegtestChain(t, datagen.RegtestGenesis(), 5, 1)
	valid := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(chain)})
	tx := c.SignTx(c.Accounts[0], 0, btclctypes.NewMsgInsertHeaders(c.Accounts[0].String(),
		datagen.SerializeHeaders(datagen.RegtestChain(t, datagen.RegtestGenesis(), 1, 9))))

	bad := append([]wire.BlockHeader{}, chain...)
	bad[2] = datagen.BadPoW(t, bad[2])
	unlinked := datagen.SerializeHeaders(chain)
	unlinked[2], unlinked[3] = unlinked[3], unlinked[2]
	oversize := append(append([]byte{}, inject.Prefix...), make([]byte, inject.MaxEntryBytes)...)
	tooMany := &inject.Entry{Headers: make([][]byte, inject.MaxHeaders+1)}
	for i := range tooMany.Headers {
		tooMany.Headers[i] = unlinked[0]
	}
	// A proof of a transaction in the second injected block, with a wrong merkle path.
	block := datagen.MineSpendBlock(t, &chain[4], 7)
	coinbase := block.Block.Transactions[0]
	var raw bytes.Buffer
	if err := coinbase.Serialize(&raw); err != nil {
		t.Fatal(err)
	}
	withBlock := append(datagen.SerializeHeaders(chain), block.RawHeader)
	badProof := &inject.Entry{Headers: withBlock, Publications: []btclctypes.InclusionProof{{
		Tx: raw.Bytes(), BtcBlockHash: block.Block.BlockHash().String(), TxIndex: 1,
		MerkleSiblings: [][]byte{make([]byte, chainhash.HashSize)},
	}}}
	unknownBlock := &inject.Entry{Publications: []btclctypes.InclusionProof{{
		Tx: raw.Bytes(), BtcBlockHash: block.Block.BlockHash().String(), TxIndex: 1,
		MerkleSiblings: [][]byte{make([]byte, chainhash.HashSize)},
	}}}

	rejects := map[string][][]byte{
		"a header with bad proof of work":  {encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(bad)})},
		"headers that do not link":         {encodeEntry(t, &inject.Entry{Headers: unlinked})},
		"headers on an unknown parent":     {encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(chain[1:])})},
		"a 79-byte header":                 {encodeEntry(t, &inject.Entry{Headers: [][]byte{unlinked[0][:79]}})},
		"more bytes than MaxEntryBytes":    {oversize},
		"more headers than MaxHeaders":     {encodeEntry(t, tooMany)},
		"bytes that do not decode":         {append(append([]byte{}, inject.Prefix...), 0x0a, 0xff)},
		"an entry that is not first":       {tx, valid},
		"two entries":                      {valid, encodeEntry(t, &inject.Entry{})},
		"a proof with a wrong merkle path": {encodeEntry(t, badProof)},
		"a proof of an unknown block":      {encodeEntry(t, unknownBlock)},
	}
	before := btcTip(t, c)
	rejected := func(reason string) float64 {
		var m dto.Metric
		if err := app.ProposalsRejected.WithLabelValues(reason).Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}
	entryBefore, bytesBefore := rejected(app.RejectedEntry), rejected(app.RejectedBytes)
	for name, txs := range rejects {
		if got := c.ProcessProposal(txs...); got != abci.ResponseProcessProposal_REJECT {
			t.Errorf("%s: %s, want REJECT", name, got)
		}
	}
	// Every rejection is counted in the metric; the oversized entry may be refused as a block over
	// max_bytes instead of as an entry.
	if n := rejected(app.RejectedEntry) - entryBefore + rejected(app.RejectedBytes) - bytesBefore; n != float64(len(rejects)) {
		t.Errorf("%s counts %v rejections (entry and bytes), want %d", "hemid_proposals_rejected_total", n, len(rejects))
	}
	if after := btcTip(t, c); after.Height != before.Height || after.Hash() != before.Hash() {
		t.Fatalf("rejected proposals moved x/btclc's tip from %d to %d", before.Height, after.Height)
	}

	for name, txs := range map[string][][]byte{
		"an empty entry":           {encodeEntry(t, &inject.Entry{})},
		"an empty entry and a tx":  {encodeEntry(t, &inject.Entry{}), tx},
		"five headers":             {valid},
		"five headers before a tx": {valid, tx},
	} {
		if got := c.ProcessProposal(txs...); got != abci.ResponseProcessProposal_ACCEPT {
			t.Errorf("%s: %s, want ACCEPT", name, got)
		}
	}
}

// TestEntryAppliedBeforeTxs: the block's entry is applied in PreBlocker, before its txs: a
// MsgInsertHeaders in the same block that builds on the injected headers succeeds, and both
// instances end with the same app hash (the harness checks each block).
func TestEntryAppliedBeforeTxs(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	chain := datagen.RegtestChain(t, datagen.RegtestGenesis(), 8, 1)
	entry := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(chain[:5])})
	alice := c.Accounts[0]
	tx := c.SignTx(alice, 0, btclctypes.NewMsgInsertHeaders(alice.String(), datagen.SerializeHeaders(chain[5:])))

	if got := c.ProcessProposal(entry, tx); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal: %s, want ACCEPT", got)
	}
	res := c.FinalizeTxs(entry, tx)
	if r := res.TxResults[0]; r.Codespace != sdkerrors.ErrTxDecode.Codespace() || r.Code != sdkerrors.ErrTxDecode.ABCICode() {
		t.Fatalf("the entry's item result: code %d (%s) %q, want the tx decode error", r.Code, r.Codespace, r.Log)
	}
	apptest.RequireTxOK(t, res, 1)
	if tip := btcTip(t, c); tip.Height != 8 || tip.Hash() != chain[7].BlockHash() {
		t.Fatalf("x/btclc tip at %d %s, want 8 %s", tip.Height, tip.Hash(), chain[7].BlockHash())
	}
	c.NextBlock()
}

// TestEntryHeadersInPieces: an entry of more headers than x/btclc's max_headers_per_msg is
// applied in pieces of that size, as that many MsgInsertHeaders in a row; a bad header in a later
// piece rejects the whole entry, with no state change from the pieces before it. After each block
// the node's watcher is told where x/btclc's tip is.
func TestEntryHeadersInPieces(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	source := &fixedSource{}
	c.App().SetBitcoinSource(source)
	n := bitcoin.RetargetInterval + 500
	chain := datagen.RegtestChain(t, datagen.RegtestGenesis(), n, 1)
	bad := append([]wire.BlockHeader{}, chain...)
	bad[n-100] = datagen.BadPoW(t, bad[n-100])
	if got := c.ProcessProposal(encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(bad)})); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal of %d headers with a bad one in the second piece: %s", n, got)
	}
	if tip := btcTip(t, c); tip.Height != 0 {
		t.Fatalf("a rejected entry moved x/btclc's tip to %d", tip.Height)
	}
	entry := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(chain)})
	if got := c.ProcessProposal(entry); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of %d headers: %s", n, got)
	}
	c.FinalizeTxs(entry)
	if tip := btcTip(t, c); tip.Height != uint64(n) || tip.Hash() != chain[n-1].BlockHash() {
		t.Fatalf("x/btclc tip at %d %s, want %d %s", tip.Height, tip.Hash(), n, chain[n-1].BlockHash())
	}
	if f := source.followed; len(f) == 0 || f[len(f)-1] != uint64(n) {
		t.Fatalf("the watcher was told of tips %v, want %d last", f, n)
	}
}

// TestEntryIsNotATransaction: CheckTx refuses an entry's bytes, saying why.
func TestEntryIsNotATransaction(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	bz := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(datagen.RegtestChain(t, datagen.RegtestGenesis(), 1, 1))})
	res, err := c.App().CheckTx(&abci.RequestCheckTx{Tx: bz, Type: abci.CheckTxType_New})
	if err == nil && res.Code != 0 {
		err = errors.New(res.Log)
	}
	if err == nil || !strings.Contains(err.Error(), inject.ErrNotATransaction.Error()) {
		t.Fatalf("CheckTx of an entry: %v, want a refusal saying it is not a transaction", err)
	}
}

// fixedSource is a Bitcoin watcher that offers a fixed candidate.
type fixedSource struct {
	candidate    inject.Candidate
	recorded     []chainhash.Hash
	depositsDone []chainhash.Hash
	inboxDone    []chainhash.Hash
	followed     []uint64
	refused      []error
}

func (s *fixedSource) Candidate(app.BitcoinView) inject.Candidate { return s.candidate }
func (s *fixedSource) Recorded(txids []chainhash.Hash)            { s.recorded = append(s.recorded, txids...) }
func (s *fixedSource) DepositsDone(txids []chainhash.Hash) {
	s.depositsDone = append(s.depositsDone, txids...)
}
func (s *fixedSource) InboxDone(txids []chainhash.Hash) { s.inboxDone = append(s.inboxDone, txids...) }
func (s *fixedSource) Followed(tipHeight uint64)        { s.followed = append(s.followed, tipHeight) }
func (s *fixedSource) HeadersRefused(err error)         { s.refused = append(s.refused, err) }

// TestPrepareProposalInjects: with a watcher, PrepareProposal puts the entry first, keeps only
// what the state accepts (headers with bad proof of work are left out), and every instance
// accepts and applies it; without a watcher, or with nothing to offer, there is no entry.
func TestPrepareProposalInjects(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("without a watcher PrepareProposal proposed %d items", len(txs))
	}
	source := &fixedSource{}
	c.App().SetBitcoinSource(source)
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("with an empty candidate PrepareProposal proposed %d items", len(txs))
	}

	chain := datagen.RegtestChain(t, datagen.RegtestGenesis(), 6, 1)
	bad := append([]wire.BlockHeader{}, chain...)
	bad[0] = datagen.BadPoW(t, bad[0])
	source.candidate = inject.Candidate{Headers: datagen.SerializeHeaders(bad)}
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("with headers of bad proof of work PrepareProposal proposed %d items", len(txs))
	}
	if len(source.refused) != 1 || !errors.Is(source.refused[0], btclctypes.ErrInvalidProofOfWork) {
		t.Fatalf("the watcher was told of %v, want one refusal for bad proof of work", source.refused)
	}

	source.candidate = inject.Candidate{Headers: datagen.SerializeHeaders(chain)}
	if res := c.CheckTx(send(c, c.Accounts[0], 200_000)); res.Code != 0 {
		t.Fatalf("CheckTx: %s", res.Log)
	}
	txs := c.PrepareProposal(c.MaxTxBytes())
	if len(txs) != 2 || !inject.IsEntry(txs[0]) {
		t.Fatalf("PrepareProposal proposed %d items (first an entry: %v), want the entry and the send", len(txs), len(txs) > 0 && inject.IsEntry(txs[0]))
	}
	if got := c.ProcessProposal(txs...); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of the prepared block: %s", got)
	}
	res := c.FinalizeTxs(txs...)
	apptest.RequireTxOK(t, res, 1)
	if tip := btcTip(t, c); tip.Height != 6 {
		t.Fatalf("x/btclc tip at %d after the injected block, want 6", tip.Height)
	}

	// The same headers again are known: the entry would change nothing, and none is proposed.
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("with known headers PrepareProposal proposed %d items", len(txs))
	}

	// A small max_tx_bytes leaves the entry out rather than the block over its bytes: half of 150
	// bytes holds no header.
	source.candidate = inject.Candidate{Headers: datagen.SerializeHeaders(datagen.RegtestChain(t, chain[5], 3, 1))}
	if txs := c.PrepareProposal(150); len(txs) != 0 {
		t.Fatalf("PrepareProposal with max_tx_bytes 150 proposed %d items", len(txs))
	}
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 1 || !inject.IsEntry(txs[0]) {
		t.Fatalf("PrepareProposal of 3 new headers proposed %d items, want the entry", len(txs))
	}
}

// FuzzEntry: whatever bytes follow the prefix (headers, publications, deposits, inbox
// operations, seeded with a real one on its block's header), Decode and the
// check of a proposal that starts with them never panic, and a decoded entry stays within its
// bounds.
func FuzzEntry(f *testing.F) {
	c := apptest.New(f, apptest.Options{})
	ctx := c.Context()
	chain := datagen.SerializeHeaders(datagen.RegtestChain(f, datagen.RegtestGenesis(), 3, 1))
	f.Add(encodeEntry(f, &inject.Entry{Headers: chain})[len(inject.Prefix):])
	f.Add(encodeEntry(f, &inject.Entry{Publications: []btclctypes.InclusionProof{{Tx: []byte{1}, BtcBlockHash: "00", MerkleSiblings: [][]byte{{}}}}})[len(inject.Prefix):])
	f.Add(encodeEntry(f, &inject.Entry{Headers: chain[:1], Deposits: []btclctypes.InclusionProof{{Tx: []byte{2, 0, 0, 0}, BtcBlockHash: "00", TxIndex: 1}}})[len(inject.Prefix):])
	f.Add([]byte{0x0a, 0x50})
	f.Add([]byte{0x1a, 0x00, 0x1a, 0x02, 0x08, 0x01})
	alice, bob := c.Accounts[0], c.Accounts[1]
	genesis := datagen.RegtestGenesis()
	op := datagen.MineSpendBlock(f, &genesis, 1, inboxSpend(f, bitcoinKey(alice), transferPayload(f, bob.Address, bitcoin.InboxAhemi, big.NewInt(1))))
	f.Add(encodeEntry(f, &inject.Entry{Headers: [][]byte{op.RawHeader}, Inbox: []btclctypes.InclusionProof{inboxProof(f, op, op.Spends[0])}})[len(inject.Prefix):])
	f.Fuzz(func(t *testing.T, body []byte) {
		bz := append(append([]byte{}, inject.Prefix...), body...)
		if e, err := inject.Decode(bz); err == nil {
			if len(e.Headers) > inject.MaxHeaders || len(e.Publications) > inject.MaxPublications || len(e.Deposits) > inject.MaxDeposits ||
				len(e.Inbox) > inject.MaxInboxOps {
				t.Fatalf("decoded an entry over its bounds: %d headers, %d publications, %d deposits, %d inbox operations",
					len(e.Headers), len(e.Publications), len(e.Deposits), len(e.Inbox))
			}
		} else if !errors.Is(err, inject.ErrMalformedEntry) && !errors.Is(err, inject.ErrEntryTooLarge) &&
			!errors.Is(err, inject.ErrTooManyHeaders) && !errors.Is(err, inject.ErrTooManyPublications) && !errors.Is(err, inject.ErrTooManyDeposits) &&
			!errors.Is(err, inject.ErrTooManyInboxOps) {
			t.Fatalf("Decode returned an unregistered error: %v", err)
		}
		res, err := c.App().ProcessProposalHandler(ctx, &abci.RequestProcessProposal{Txs: [][]byte{bz}, Height: c.Height() + 1})
		if err != nil {
			t.Fatalf("ProcessProposal returned an error: %v", err)
		}
		if res.Status != abci.ResponseProcessProposal_ACCEPT && res.Status != abci.ResponseProcessProposal_REJECT {
			t.Fatalf("ProcessProposal answered %s", res.Status)
		}
	})
}

// TestEntryPublicationOnInjectedHeader: an entry carrying a Bitcoin block's header and the proof
// of a PoP publication in that block is accepted (the proof is checked against the header the
// same entry injects) and applied: x/pop records the publication, with the payee its funding
// transaction binds and the injection's submitter. The same publication injected again is a
// duplicate: ProcessProposal rejects it, and a proposer's PrepareProposal leaves it out and tells
// its watcher that x/pop holds it.
func TestEntryPublicationOnInjectedHeader(t *testing.T) {
	c := apptest.New(t, apptest.Options{Genesis: shortKeystoneInterval})
	for c.Height() < keystoneInterval {
		c.NextBlock()
	}
	mined := minePublication(t, c)
	spend := mined.Spends[0]
	proof, err := btclctypes.NewInclusionProof(mined.Block, spend.Spending.TxHash(), spend.Funding)
	if err != nil {
		t.Fatal(err)
	}
	entry := encodeEntry(t, &inject.Entry{Headers: [][]byte{mined.RawHeader}, Publications: []btclctypes.InclusionProof{proof}})
	// Without its header the proof names a block x/btclc does not hold. (Rejections are asked
	// first: the SDK's optimistic execution, started by an accepted proposal, is aborted by the
	// next ProcessProposal but not forgotten, and a FinalizeBlock of the first proposal would
	// then return its stale result.)
	if got := c.ProcessProposal(encodeEntry(t, &inject.Entry{Publications: []btclctypes.InclusionProof{proof}})); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal of the publication without its header: %s", got)
	}
	if got := c.ProcessProposal(entry); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of a header and a publication in it: %s", got)
	}
	c.FinalizeTxs(entry)

	txid := spend.Spending.TxHash()
	pub, err := c.App().PoPKeeper.Publications.Get(c.Context(), txid)
	if err != nil {
		t.Fatalf("the injected publication is not recorded: %v", err)
	}
	payeeKey := bitcoin.KeyPayee(datagen.KeyFromSeed(7).PubKey())
	payee := sdk.AccAddress(payeeKey[:]).String()
	if pub.KeystoneHeight != keystoneInterval || pub.BtcHeight != 1 || pub.Payee != payee || pub.Submitter != sdk.AccAddress(app.InjectSubmitter).String() {
		t.Fatalf("publication %+v, want keystone %d at Bitcoin height 1, payee %s, submitted by the injection", pub, keystoneInterval, payee)
	}

	again := encodeEntry(t, &inject.Entry{Publications: []btclctypes.InclusionProof{proof}})
	if got := c.ProcessProposal(again); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal of a recorded publication: %s, want REJECT", got)
	}
	source := &fixedSource{candidate: inject.Candidate{Publications: []btclctypes.InclusionProof{proof}}}
	c.App().SetBitcoinSource(source)
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("PrepareProposal with a recorded publication proposed %d items", len(txs))
	}
	if len(source.recorded) != 1 || source.recorded[0] != txid {
		t.Fatalf("the watcher was told of %v, want %s recorded", source.recorded, txid)
	}
}

// TestEntryForkReorgs: an entry may carry a heavier fork from a common ancestor below x/btclc's
// tip; applying it moves the tip to the fork, as a MsgInsertHeaders of it would. A fork without
// more work is kept as a side chain and the tip stays.
func TestEntryForkReorgs(t *testing.T) {
	c := apptest.New(t, apptest.Options{})
	genesis := datagen.RegtestGenesis()
	main := datagen.RegtestChain(t, genesis, 3, 1)
	c.FinalizeTxs(encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(main)}))

	fork := datagen.RegtestChain(t, main[0], 3, 2) // heights 2..4: one more than the main chain's 2..3
	short := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(fork[:2])})
	if got := c.ProcessProposal(short); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of a fork with equal work: %s", got)
	}
	c.FinalizeTxs(short)
	if tip := btcTip(t, c); tip.Hash() != main[2].BlockHash() {
		t.Fatalf("a fork of equal work moved the tip to %d %s", tip.Height, tip.Hash())
	}

	rest := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(fork[2:])})
	if got := c.ProcessProposal(rest); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of the fork's heavier end: %s", got)
	}
	c.FinalizeTxs(rest)
	if tip := btcTip(t, c); tip.Height != 4 || tip.Hash() != fork[2].BlockHash() {
		t.Fatalf("after the heavier fork the tip is %d %s, want 4 %s", tip.Height, tip.Hash(), fork[2].BlockHash())
	}
}

// shortKeystoneInterval sets x/pop's keystone interval to keystoneInterval.
func shortKeystoneInterval(cdc codec.JSONCodec, state map[string]json.RawMessage) {
	var g poptypes.GenesisState
	cdc.MustUnmarshalJSON(state[poptypes.ModuleName], &g)
	g.Params.KeystoneInterval = keystoneInterval
	state[poptypes.ModuleName] = cdc.MustMarshalJSON(&g)
}

// minePublication mines a regtest block on the genesis base holding a signed P2WPKH spend whose
// first output publishes the keystone at height keystoneInterval.
func minePublication(t testing.TB, c *apptest.Chain) *datagen.MinedBlock {
	t.Helper()
	genesis := datagen.RegtestGenesis()
	return datagen.MineSpendBlock(t, &genesis, 1, datagen.Spend{
		Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(7), Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(firstKeystone(t, c)))},
	})
}

// firstKeystone is the abbreviated form of the keystone at height keystoneInterval.
func firstKeystone(t testing.TB, c *apptest.Chain) bitcoin.AbbreviatedKeystone {
	t.Helper()
	return keystoneAt(t, c, keystoneInterval)
}

// keystoneAt is the abbreviated form of the keystone at height h.
func keystoneAt(t testing.TB, c *apptest.Chain, h uint64) bitcoin.AbbreviatedKeystone {
	t.Helper()
	ks, err := c.App().PoPKeeper.Keystones.Get(c.Context(), h)
	if err != nil {
		t.Fatalf("no keystone at height %d: %v", h, err)
	}
	abbreviated, err := ks.Abbreviate()
	if err != nil {
		t.Fatal(err)
	}
	return abbreviated
}

// vaultGenesis sets x/tunnel's vault_script to vault.
func vaultGenesis(vault []byte) func(codec.JSONCodec, map[string]json.RawMessage) {
	return func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		var g tunneltypes.GenesisState
		cdc.MustUnmarshalJSON(state[tunneltypes.ModuleName], &g)
		g.Params.VaultScript = vault
		state[tunneltypes.ModuleName] = cdc.MustMarshalJSON(&g)
	}
}

// TestEntryDepositPendingThenMinted: an entry carrying a Bitcoin block's header and the proof of
// a deposit in it (two vault outputs) is accepted and applied through x/tunnel's ProveDeposit:
// both outpoints are recorded pending, proven by the block's first item (the entry, by CometBFT's
// hash), and x/tunnel's EndBlock mints them by itself in the block whose injected headers bring
// them to min_confirmations. Malformed or refused deposit proofs make the proposal REJECTed with
// no state change; the same deposit again is a duplicate that ProcessProposal rejects and that
// PrepareProposal leaves out, telling its watcher.
func TestEntryDepositPendingThenMinted(t *testing.T) {
	vault := datagen.P2WPKHScript(t, datagen.KeyFromSeed(7000).PubKey())
	c := apptest.New(t, apptest.Options{Genesis: vaultGenesis(vault)})
	recipient := c.Accounts[1]
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(t, &genesis, 1,
		datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{
			datagen.OpReturn(t, recipient.Address), wire.NewTxOut(60_000, vault), wire.NewTxOut(40_000, vault),
		}},
		datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{wire.NewTxOut(60_000, vault)}}, // no recipient
	)
	deposits, err := scan.Deposits(mined.Block, vault)
	if err != nil || len(deposits) != 2 {
		t.Fatalf("scan found %d deposits (%v), want 2", len(deposits), err)
	}
	proof, noRecipient := deposits[0].Proof, deposits[1].Proof
	txid := deposits[0].TxID
	header := [][]byte{mined.RawHeader}

	wrongPath := proof
	wrongPath.MerkleSiblings = [][]byte{make([]byte, chainhash.HashSize), make([]byte, chainhash.HashSize)}
	truncated := proof
	truncated.Tx = proof.Tx[:len(proof.Tx)/2]
	coinbase := proof
	coinbase.TxIndex = 0
	tooMany := &inject.Entry{Headers: header, Deposits: make([]btclctypes.InclusionProof, inject.MaxDeposits+1)}
	for i := range tooMany.Deposits {
		tooMany.Deposits[i] = proof
	}
	rejects := map[string]*inject.Entry{
		"a deposit with a wrong merkle path":   {Headers: header, Deposits: []btclctypes.InclusionProof{wrongPath}},
		"a deposit whose tx does not decode":   {Headers: header, Deposits: []btclctypes.InclusionProof{truncated}},
		"a deposit at the coinbase's index":    {Headers: header, Deposits: []btclctypes.InclusionProof{coinbase}},
		"a deposit of an unknown block":        {Deposits: []btclctypes.InclusionProof{proof}},
		"a deposit without a recipient":        {Headers: header, Deposits: []btclctypes.InclusionProof{noRecipient}},
		"the same deposit twice in one entry":  {Headers: header, Deposits: []btclctypes.InclusionProof{proof, proof}},
		"more deposits than MaxDeposits":       tooMany,
		"a valid deposit after a rejected one": {Headers: header, Deposits: []btclctypes.InclusionProof{wrongPath, proof}},
	}
	// Rejections first (see TestEntryPublicationOnInjectedHeader on optimistic execution).
	for name, e := range rejects {
		if got := c.ProcessProposal(encodeEntry(t, e)); got != abci.ResponseProcessProposal_REJECT {
			t.Errorf("%s: %s, want REJECT", name, got)
		}
	}
	ctx := c.Context()
	if tip := btcTip(t, c); tip.Height != 0 {
		t.Fatalf("rejected proposals moved x/btclc's tip to %d", tip.Height)
	}
	if has, err := c.App().TunnelKeeper.Deposits.Has(ctx, tunneltypes.NewOutpoint(txid, 1)); err != nil || has {
		t.Fatalf("a rejected proposal recorded the deposit (%v)", err)
	}

	entry := encodeEntry(t, &inject.Entry{Headers: header, Deposits: []btclctypes.InclusionProof{proof}})
	if got := c.ProcessProposal(entry); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of a header and a deposit in it: %s", got)
	}
	c.FinalizeTxs(entry)
	ctx = c.Context()
	provenAt := c.Height()
	for _, vout := range []uint32{1, 2} {
		d, err := c.App().TunnelKeeper.Deposits.Get(ctx, tunneltypes.NewOutpoint(txid, vout))
		if err != nil {
			t.Fatalf("outpoint %d not recorded: %v", vout, err)
		}
		if d.Status != tunneltypes.DEPOSIT_STATUS_PENDING || d.Recipient != recipient.String() || d.ProvenHeight != uint64(provenAt) ||
			!bytes.Equal(d.ProvenTxHash, cmttypes.Tx(entry).Hash()) {
			t.Fatalf("deposit %d: %+v, want pending to %s, proven at %d by the entry", vout, d, recipient, provenAt)
		}
	}

	// Recorded: again in an entry is a duplicate, and a proposer leaves it out.
	again := encodeEntry(t, &inject.Entry{Deposits: []btclctypes.InclusionProof{proof}})
	if got := c.ProcessProposal(again); got != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("ProcessProposal of a recorded deposit: %s, want REJECT", got)
	}
	source := &fixedSource{candidate: inject.Candidate{Deposits: []btclctypes.InclusionProof{proof, noRecipient}}}
	c.App().SetBitcoinSource(source)
	if txs := c.PrepareProposal(c.MaxTxBytes()); len(txs) != 0 {
		t.Fatalf("PrepareProposal with a recorded deposit proposed %d items", len(txs))
	}
	if len(source.depositsDone) != 2 || source.depositsDone[0] != txid || source.depositsDone[1] != deposits[1].TxID {
		t.Fatalf("the watcher was told of %v, want %s (recorded) and %s (no recipient)", source.depositsDone, txid, deposits[1].TxID)
	}

	// Five more injected headers: six confirmations, and EndBlock mints both outputs.
	more := encodeEntry(t, &inject.Entry{Headers: datagen.SerializeHeaders(datagen.RegtestChain(t, *mined.Header(), 5, 2))})
	if got := c.ProcessProposal(more); got != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("ProcessProposal of five headers: %s", got)
	}
	c.FinalizeTxs(more)
	ctx = c.Context()
	for _, vout := range []uint32{1, 2} {
		d, err := c.App().TunnelKeeper.Deposits.Get(ctx, tunneltypes.NewOutpoint(txid, vout))
		if err != nil || d.Status != tunneltypes.DEPOSIT_STATUS_MINTED || d.MintedHeight != uint64(c.Height()) {
			t.Fatalf("deposit %d after six confirmations: %+v (%v), want minted at %d", vout, d, err, c.Height())
		}
	}
	if got := c.App().BankKeeper.GetBalance(ctx, recipient.Address, params.BTCDenom); got.Amount.Int64() != 100_000 {
		t.Fatalf("recipient's balance %s, want 100000 sat", got)
	}
}
