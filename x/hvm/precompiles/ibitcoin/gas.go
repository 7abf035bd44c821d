package ibitcoin

// Gas of each IBitcoin method: the whole cost of a call (the precompile charges no store gas on
// top, see precompiles.Base). Each covers the measured work of its method (bench/hvm.sh, x/hvm's
// README) at least at the rate a contract's storage read pays for its own: SLOAD's 2,100 gas.
const (
	// GasTip: the tip is the last key of the header map, found by a reverse iterator.
	GasTip = 4_000
	// GasHeaderByHeight: one read.
	GasHeaderByHeight = 2_600
	// GasHeaderByHash: two reads (hash index, header), three more for a side-chain header.
	GasHeaderByHash = 5_000
	// GasConfirmations: GasHeaderByHash and the tip.
	GasConfirmations = 8_000
	// GasVerifyTx is verifyTx's fixed part: the block's header, the tip and the decoding of the
	// output list; GasVerifyTxPerByte and GasVerifyTxPerSibling add the hashing and decoding of
	// the transaction and the Merkle path.
	GasVerifyTx           = 10_000
	GasVerifyTxPerByte    = 8
	GasVerifyTxPerSibling = 300
	// GasKeystone: the keystone, its anchor, the next effective anchor, the tip and the
	// finality state.
	GasKeystone = 10_000
	// GasLatestSuperfinal: one read.
	GasLatestSuperfinal = 2_600
)

// VerifyTxGas is what verifyTx costs for a transaction of txBytes bytes and a Merkle path of
// siblings hashes.
func VerifyTxGas(txBytes, siblings int) uint64 {
	return GasVerifyTx + GasVerifyTxPerByte*uint64(txBytes) + GasVerifyTxPerSibling*uint64(siblings)
}
