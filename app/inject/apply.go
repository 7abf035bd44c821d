package inject

import (
	"context"
	"errors"

	errorsmod "cosmossdk.io/errors"
	"github.com/btcsuite/btcd/chaincfg/chainhash"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/hemi-appchain/hemi/bitcoin"
	btclctypes "github.com/hemi-appchain/hemi/x/btclc/types"
	inboxtypes "github.com/hemi-appchain/hemi/x/inbox/types"
	poptypes "github.com/hemi-appchain/hemi/x/pop/types"
	tunneltypes "github.com/hemi-appchain/hemi/x/tunnel/types"
)

// HeaderKeeper is x/btclc as an entry needs it: the checks and writes of MsgInsertHeaders,
// without a signer.
type HeaderKeeper interface {
	GetParams(ctx context.Context) (btclctypes.Params, error)
	ApplyHeaders(ctx context.Context, params btclctypes.Params, raw [][]byte) (*btclctypes.MsgInsertHeadersResponse, error)
}

// PublicationKeeper is x/pop as an entry needs it: MsgSubmitPoPProof's handler.
type PublicationKeeper interface {
	SubmitPoPProof(ctx context.Context, msg *poptypes.MsgSubmitPoPProof) (*poptypes.MsgSubmitPoPProofResponse, error)
}

// DepositKeeper is x/tunnel as an entry needs it: MsgProveDeposit's handler.
type DepositKeeper interface {
	ProveDeposit(ctx context.Context, msg *tunneltypes.MsgProveDeposit) (*tunneltypes.MsgProveDepositResponse, error)
}

// InboxKeeper is x/inbox as an entry needs it: MsgSubmitInboxTx's handler.
type InboxKeeper interface {
	SubmitInboxTx(ctx context.Context, msg *inboxtypes.MsgSubmitInboxTx) (*inboxtypes.MsgSubmitInboxTxResponse, error)
}

// Applier applies entries with the modules' own handlers.
type Applier struct {
	Headers      HeaderKeeper
	Publications PublicationKeeper
	Deposits     DepositKeeper
	Inbox        InboxKeeper
	// Submitter is the address x/pop, x/tunnel and x/inbox record as the submitter of an injected
	// publication, deposit or inbox operation.
	Submitter string
}

// Apply applies an entry to ctx's state: its headers as one MsgInsertHeaders, then each
// publication as a MsgSubmitPoPProof, then each deposit as a MsgProveDeposit, then each inbox
// operation as a MsgSubmitInboxTx (their proofs checked against the canonical chain, injected
// headers included). A deposit or an operation the chain holds already, or the same one twice in
// the entry, fails as a second message would (ErrDuplicateDeposit, ErrDuplicateOp). The first
// failure is returned as x/btclc, x/pop, x/tunnel or x/inbox returned it,
// wrapped with what failed; the caller runs
// Apply on a branch of its state and writes the branch only on success.
func (a Applier) Apply(ctx sdk.Context, e *Entry) error {
	if err := e.checkCounts(); err != nil {
		return err
	}
	if len(e.Headers) > 0 {
		if err := a.applyHeaders(ctx, e.Headers); err != nil {
			return err
		}
	}
	for i := range e.Publications {
		if err := a.applyPublication(ctx, &e.Publications[i]); err != nil {
			return errorsmod.Wrapf(err, "publication %d of %d", i, len(e.Publications))
		}
	}
	for i := range e.Deposits {
		if err := a.applyDeposit(ctx, &e.Deposits[i]); err != nil {
			return errorsmod.Wrapf(err, "deposit %d of %d", i, len(e.Deposits))
		}
	}
	for i := range e.Inbox {
		if err := a.applyInbox(ctx, &e.Inbox[i]); err != nil {
			return errorsmod.Wrapf(err, "inbox operation %d of %d", i, len(e.Inbox))
		}
	}
	return nil
}

// Check tells whether Apply would succeed on ctx's state, changing nothing.
func (a Applier) Check(ctx sdk.Context, e *Entry) error {
	branch, _ := ctx.CacheContext()
	return a.Apply(branch, e)
}

func (a Applier) applyHeaders(ctx sdk.Context, headers [][]byte) error {
	_, err := a.insertHeaders(ctx, headers)
	return err
}

// insertHeaders applies headers, in pieces of at most x/btclc's max_headers_per_msg as that many
// MsgInsertHeaders in a row would, and tells how many of them x/btclc already held.
func (a Applier) insertHeaders(ctx sdk.Context, headers [][]byte) (skipped int, err error) {
	params, err := a.Headers.GetParams(ctx)
	if err != nil {
		return 0, err
	}
	piece := max(int(params.MaxHeadersPerMsg), 1)
	for from := 0; from < len(headers); from += piece {
		to := min(len(headers), from+piece)
		res, err := a.Headers.ApplyHeaders(ctx, params, headers[from:to])
		if err != nil {
			return 0, errorsmod.Wrapf(err, "injected headers %d..%d of %d", from, to-1, len(headers))
		}
		skipped += int(res.Skipped)
	}
	return skipped, nil
}

func (a Applier) applyPublication(ctx sdk.Context, proof *btclctypes.InclusionProof) error {
	_, err := a.Publications.SubmitPoPProof(ctx, &poptypes.MsgSubmitPoPProof{Submitter: a.Submitter, Proof: *proof})
	return err
}

func (a Applier) applyDeposit(ctx sdk.Context, proof *btclctypes.InclusionProof) error {
	_, err := a.Deposits.ProveDeposit(ctx, &tunneltypes.MsgProveDeposit{Submitter: a.Submitter, Proof: *proof})
	return err
}

func (a Applier) applyInbox(ctx sdk.Context, proof *btclctypes.InclusionProof) error {
	_, err := a.Inbox.SubmitInboxTx(ctx, &inboxtypes.MsgSubmitInboxTx{Submitter: a.Submitter, Proof: *proof})
	return err
}

// Candidate is what a node's Bitcoin watcher offers a proposer: headers of its Bitcoin node's best
// chain that x/btclc lacks (in order, from the common ancestor), and publications, deposit
// transactions and inbox operations with proofs.
type Candidate struct {
	Headers      [][]byte
	Publications []btclctypes.InclusionProof
	Deposits     []btclctypes.InclusionProof
	Inbox        []btclctypes.InclusionProof
}

// Empty tells whether c offers nothing.
func (c Candidate) Empty() bool {
	return len(c.Headers) == 0 && len(c.Publications) == 0 && len(c.Deposits) == 0 && len(c.Inbox) == 0
}

// Built is the entry a proposer builds from a candidate, and what it learned about the candidate.
type Built struct {
	Entry *Entry
	// Recorded are the txids of candidate publications x/pop holds already: the watcher may
	// forget them.
	Recorded []chainhash.Hash
	// DepositsDone are the txids of candidate deposits x/tunnel holds already, or refuses for what
	// the transaction is (no recipient, no vault output of min_deposit_sats, the coinbase, ...):
	// the watcher may forget them.
	DepositsDone []chainhash.Hash
	// InboxDone are the txids of candidate inbox operations x/inbox holds already, or refuses for
	// what the transaction is (no operation, no key bound, its outpoint used, ...): the watcher may
	// forget them.
	InboxDone []chainhash.Hash
	// HeadersRefused is why the candidate's headers were left out ("" if they were not).
	HeadersRefused error
}

// Build makes, from a candidate, an entry that Apply accepts on ctx's state and that fits in
// maxBytes: the headers if x/btclc takes them (none otherwise), then each publication x/pop
// takes, then each deposit x/tunnel takes, then each inbox operation x/inbox takes, as long as the
// entry fits. A deposit or an operation the chain holds already is left out (and reported in
// DepositsDone or InboxDone), so an honest proposer never offers one that ProcessProposal rejects.
// ctx's state is not changed.
func (a Applier) Build(ctx sdk.Context, c Candidate, maxBytes int) Built {
	maxBytes = min(maxBytes, MaxEntryBytes)
	branch, _ := ctx.CacheContext()
	var out Built
	e := &Entry{}
	if n := min(len(c.Headers), MaxHeaders); n > 0 {
		headers := c.Headers[:n]
		for n > 0 && len(Prefix)+(&Entry{Headers: headers}).Size() > maxBytes {
			n /= 2
			headers = headers[:n]
		}
		if n > 0 {
			step, write := branch.CacheContext()
			skipped, err := a.insertHeaders(step, headers)
			switch {
			case err != nil:
				out.HeadersRefused = err
			case skipped < len(headers): // all known would change nothing
				write()
				e.Headers = headers
			}
		}
	}
	out.Recorded = addProofs(branch, e, &e.Publications, c.Publications, MaxPublications, maxBytes, a.applyPublication,
		func(err error) bool {
			return errors.Is(err, poptypes.ErrDuplicatePublication) || errors.Is(err, poptypes.ErrRewardSettled)
		})
	out.DepositsDone = addProofs(branch, e, &e.Deposits, c.Deposits, MaxDeposits, maxBytes, a.applyDeposit, depositDone)
	out.InboxDone = addProofs(branch, e, &e.Inbox, c.Inbox, MaxInboxOps, maxBytes, a.applyInbox, inboxDone)
	out.Entry = e
	return out
}

// addProofs appends to list, one of e's lists, each candidate proof that apply accepts on branch
// (which it then updates) while list holds fewer than limit and e fits in maxBytes. It returns the
// txids of the proofs apply refused with an error done tells the caller to forget.
func addProofs(branch sdk.Context, e *Entry, list *[]btclctypes.InclusionProof, candidates []btclctypes.InclusionProof,
	limit, maxBytes int, apply func(sdk.Context, *btclctypes.InclusionProof) error, done func(error) bool,
) (forget []chainhash.Hash) {
	for i := range candidates {
		if len(*list) == limit {
			break
		}
		proof := candidates[i]
		*list = append(*list, proof)
		if len(Prefix)+e.Size() > maxBytes {
			*list = (*list)[:len(*list)-1]
			continue
		}
		step, write := branch.CacheContext()
		if err := apply(step, &proof); err != nil {
			*list = (*list)[:len(*list)-1]
			if done(err) {
				if txid, ok := proofTxID(proof); ok {
					forget = append(forget, txid)
				}
			}
			continue
		}
		write()
	}
	return forget
}

// depositDone tells whether x/tunnel refused a deposit proof for good: it holds the deposits, or
// the transaction itself is not one it takes (under the current params).
func depositDone(err error) bool {
	for _, e := range []error{
		tunneltypes.ErrDuplicateDeposit, tunneltypes.ErrCoinbaseTx, tunneltypes.ErrNoVaultOutput, tunneltypes.ErrTooManyOutputs,
		tunneltypes.ErrNoRecipient, tunneltypes.ErrBadRecipient, tunneltypes.ErrBlockedRecipient,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// inboxDone tells whether x/inbox refused an inbox proof for good: it holds the operation or its
// outpoint's, or the transaction is not one it takes.
func inboxDone(err error) bool {
	for _, e := range []error{
		inboxtypes.ErrDuplicateOp, inboxtypes.ErrOutpointUsed, inboxtypes.ErrCoinbaseTx, inboxtypes.ErrNoFundingTx,
		inboxtypes.ErrNoOperation, inboxtypes.ErrNoSigner, inboxtypes.ErrProofTooLarge, btclctypes.ErrInvalidFundingTx,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func proofTxID(p btclctypes.InclusionProof) (chainhash.Hash, bool) {
	tx, err := bitcoin.DecodeTx(p.Tx)
	if err != nil {
		return chainhash.Hash{}, false
	}
	return tx.TxHash(), true
}
