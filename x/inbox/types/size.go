package types

// CheckSizes refuses an inbox transaction (serialized with its witness) or a funding transaction
// (without) above MaxInboxTxBytes or MaxInboxFundingBytes. x/inbox and the node guard both judge
// by it, so the guard never waits for an operation the chain would refuse.
func CheckSizes(txBytes, fundingBytes int) error {
	if txBytes > MaxInboxTxBytes || fundingBytes > MaxInboxFundingBytes {
		return ErrProofTooLarge.Wrapf("transaction %d bytes (at most %d), funding transaction %d bytes (at most %d): "+
			"spend a coin of a smaller transaction first (send it to yourself)", txBytes, MaxInboxTxBytes, fundingBytes, MaxInboxFundingBytes)
	}
	return nil
}
