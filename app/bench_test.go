package app_test

import (
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/wire"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/hemi-appchain/hemi/app/inject"
	"github.com/hemi-appchain/hemi/bitcoin"
	"github.com/hemi-appchain/hemi/bitcoin/scan"
	"github.com/hemi-appchain/hemi/testutil/apptest"
	"github.com/hemi-appchain/hemi/testutil/datagen"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
)

// BenchmarkProposal measures a proposer's PrepareProposal and a validator's ProcessProposal of a
// block with a full injected Bitcoin entry, against the same calls for a block without one (the
// baseline of the same run; bench/proposal.sh prints the ratios). The full entry holds every
// bound at once: MaxHeaders regtest headers, MaxPublications PoP proofs (two keystones, fifty
// publications each, within max_publications_per_keystone) and MaxDeposits deposit proofs, all
// in the first of those headers' blocks, 401 transactions with 9 merkle siblings each.
func BenchmarkProposal(b *testing.B) {
	vault := datagen.P2WPKHScript(b, datagen.KeyFromSeed(7000).PubKey())
	c := apptest.New(b, apptest.Options{Genesis: func(cdc codec.JSONCodec, state map[string]json.RawMessage) {
		shortKeystoneInterval(cdc, state)
		vaultGenesis(vault)(cdc, state)
	}})
	for c.Height() < 2*keystoneInterval {
		c.NextBlock()
	}
	keystones := [2]bitcoin.AbbreviatedKeystone{firstKeystone(b, c), keystoneAt(b, c, 2*keystoneInterval)}
	var spends []datagen.Spend
	for i := range inject.MaxPublications {
		spends = append(spends, datagen.Spend{Kind: datagen.P2WPKH, Key: datagen.KeyFromSeed(uint32(100 + i)),
			Outputs: []*wire.TxOut{wire.NewTxOut(0, bitcoin.PoPScript(keystones[i%2]))}})
	}
	for range inject.MaxDeposits {
		spends = append(spends, datagen.Spend{Kind: datagen.P2WPKH, Outputs: []*wire.TxOut{
			datagen.OpReturn(b, c.Accounts[1].Address), wire.NewTxOut(50_000, vault),
		}})
	}
	genesis := datagen.RegtestGenesis()
	mined := datagen.MineSpendBlock(b, &genesis, 1, spends...)
	headers := append([][]byte{mined.RawHeader},
		datagen.SerializeHeaders(datagen.RegtestChain(b, *mined.Header(), inject.MaxHeaders-1, 2))...)
	var publications []btclctypes.InclusionProof
	for _, s := range mined.Spends[:inject.MaxPublications] {
		proof, err := btclctypes.NewInclusionProof(mined.Block, s.Spending.TxHash(), s.Funding)
		if err != nil {
			b.Fatal(err)
		}
		publications = append(publications, proof)
	}
	found, err := scan.Deposits(mined.Block, vault)
	if err != nil {
		b.Fatal(err)
	}
	var deposits []btclctypes.InclusionProof
	for _, d := range found {
		deposits = append(deposits, d.Proof)
	}
	source := &fixedSource{candidate: inject.Candidate{Headers: headers, Publications: publications, Deposits: deposits}}

	// The full entry, as this chain's proposer builds it: everything offered, and accepted.
	c.App().SetBitcoinSource(source)
	full := c.PrepareProposal(c.MaxTxBytes())
	c.App().SetBitcoinSource(nil)
	if len(full) != 1 || !inject.IsEntry(full[0]) {
		b.Fatalf("the proposal has %d items, want the entry", len(full))
	}
	entry, err := inject.Decode(full[0])
	if err != nil {
		b.Fatal(err)
	}
	if len(entry.Headers) != inject.MaxHeaders || len(entry.Publications) != inject.MaxPublications || len(entry.Deposits) != inject.MaxDeposits {
		b.Fatalf("the entry holds %d headers, %d publications and %d deposits, want %d, %d and %d", len(entry.Headers),
			len(entry.Publications), len(entry.Deposits), inject.MaxHeaders, inject.MaxPublications, inject.MaxDeposits)
	}
	if got := c.ProcessProposal(full...); got != abci.ResponseProcessProposal_ACCEPT {
		b.Fatalf("ProcessProposal of the full entry: %s", got)
	}
	b.Logf("a full entry is %d bytes", len(full[0]))

	prepare := func(s *fixedSource) func(*testing.B) {
		return func(b *testing.B) {
			if s != nil {
				c.App().SetBitcoinSource(s)
				defer c.App().SetBitcoinSource(nil)
			}
			for b.Loop() {
				c.PrepareProposal(c.MaxTxBytes())
			}
		}
	}
	// ProcessProposal's handler, as baseapp calls it, on a branch of the committed state (the
	// harness's ProcessProposal would also start an optimistic execution of the block each time).
	process := func(txs [][]byte) func(*testing.B) {
		return func(b *testing.B) {
			req := &abci.RequestProcessProposal{Txs: txs, Height: c.Height() + 1}
			for b.Loop() {
				ctx, _ := c.Context().CacheContext()
				res, err := c.App().ProcessProposalHandler(ctx, req)
				if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
					b.Fatalf("ProcessProposal: %v %v", res, err)
				}
			}
		}
	}
	b.Run("prepare/empty", prepare(nil))
	b.Run("prepare/full", prepare(source))
	b.Run("process/empty", process(nil))
	b.Run("process/full", process(full))
}
