package types

const (
	// DefaultMinConfirmations is the depth Bitcoin users treat as final.
	DefaultMinConfirmations = 6
	// DefaultInboxDeadline is two hours of Bitcoin blocks: twice the depth an operation waits.
	DefaultInboxDeadline = 12
	// MaxMinConfirmations bounds min_confirmations (a week of blocks).
	MaxMinConfirmations = 1008
	// MaxInboxDeadline bounds inbox_deadline (about four weeks).
	MaxInboxDeadline = 4032

	// MaxInboxTxBytes and MaxInboxFundingBytes bound an inbox proof's transaction (in the form
	// proofs carry it: input 0's witness alone, bitcoin.SignerForm) and funding transaction, far below x/btclc's general bounds: an entry then holds
	// dozens of operations whatever their senders do, and a wallet consolidates a coin from a
	// large batch payout before it posts an operation with it.
	MaxInboxTxBytes      = 10_000
	MaxInboxFundingBytes = 10_000

	// MaxExecutionsPerBlock bounds the operations BeginBlock runs per block; the rest wait for
	// the next block, in queue order.
	MaxExecutionsPerBlock = 100
)

// DefaultParams: 6 confirmations, a deadline of 12 Bitcoin blocks.
func DefaultParams() Params {
	return Params{MinConfirmations: DefaultMinConfirmations, InboxDeadline: DefaultInboxDeadline}
}

// Validate checks every param's range.
func (p Params) Validate() error {
	if p.MinConfirmations == 0 || p.MinConfirmations > MaxMinConfirmations {
		return ErrInvalidParams.Wrapf("min_confirmations %d: want 1…%d", p.MinConfirmations, MaxMinConfirmations)
	}
	if p.InboxDeadline < p.MinConfirmations || p.InboxDeadline > MaxInboxDeadline {
		return ErrInvalidParams.Wrapf("inbox_deadline %d: want min_confirmations %d…%d", p.InboxDeadline, p.MinConfirmations, MaxInboxDeadline)
	}
	return nil
}
