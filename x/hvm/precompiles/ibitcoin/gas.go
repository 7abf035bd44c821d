package ibitcoin

// Gas of each IBitcoin method: the whole cost of a call (the precompile charges no store gas on
// top, see precompiles.Base). Each covers the measured time of a call (bench/hvm.sh, x/hvm's
// README) at least at the rate a contract's storage read pays for its own, SLOAD's 2,100 gas:
// the method's work and cosmos/evm's hook that runs before every CALL (GetPrecompileInstance
// reads and unmarshals the EVM params), which is charged only a warm CALL's 100 gas and takes
// about as long as two SLOADs. A method priced by its own work adds GasCallHook for it; tip and
// verifyTx are priced from the measured time of the whole call.
const (
	// GasCallHook is the part of each figure that pays for cosmos/evm's per-CALL hook.
	GasCallHook = 3_900
	// GasTip: the tip height is read, then its header; a whole call takes about 3.3 SLOADs'
	// time, and 9,000 is 4.2 SLOADs' gas.
	GasTip = 9_000
	// gasOneRead is a method that reads one record and ABI-encodes it: a whole call of
	// headerByHeight, the dearest of them (its answer holds a uint256), takes about 3.4 SLOADs'
	// time, and 8,500 is 3.9 times an SLOAD's 2,166 (as bench/hvm.sh counts it).
	gasOneRead = 4_600 + GasCallHook
	// GasHeaderByHeight: one read.
	GasHeaderByHeight = gasOneRead
	// GasHeaderByHash: two reads (hash index, header) for a main-chain header; a side-chain
	// header costs the params, the tip, the prune floor's header and the side entry besides,
	// and the fixed figure is priced for that worse path.
	GasHeaderByHash = 12_500 + GasCallHook
	// GasConfirmations: GasHeaderByHash and the tip.
	GasConfirmations = 16_500 + GasCallHook
	// GasVerifyTx is verifyTx's fixed part: the block's header, the tip and the decoding of the
	// output list; GasVerifyTxPerByte and GasVerifyTxPerSibling add the hashing and decoding of
	// the transaction and the Merkle path. A whole call of 11 siblings takes about 9.8 SLOADs'
	// time, hook included; with the fixed part at 19,000 it pays 11.9 SLOADs' gas.
	GasVerifyTx           = 19_000
	GasVerifyTxPerByte    = 8
	GasVerifyTxPerSibling = 300
	// GasVerifyTxPerOutput is charged per output of a proven transaction, once the proof has
	// checked: each output is decoded, ABI-encoded and returned in at least 128 bytes, which its
	// 9 bytes in the transaction do not pay for.
	GasVerifyTxPerOutput = 300
	// GasKeystone: the keystone, its anchor, the next effective anchor, the tip and the
	// finality state.
	GasKeystone = 10_000 + GasCallHook
	// GasLatestSuperfinal: one read.
	GasLatestSuperfinal = gasOneRead
	// GasDeposit: one read of x/tunnel's deposit record.
	GasDeposit = gasOneRead
)

// VerifyTxGas is what verifyTx costs before its proof is checked, for a transaction of txBytes
// bytes and a Merkle path of siblings hashes (the precompile's RequiredGas).
func VerifyTxGas(txBytes, siblings int) uint64 {
	return GasVerifyTx + GasVerifyTxPerByte*uint64(txBytes) + GasVerifyTxPerSibling*uint64(siblings)
}

// VerifyTxOutputsGas is what a verifyTx that checks adds for a transaction of outputs outputs.
// The whole cost of such a call is VerifyTxGas + VerifyTxOutputsGas.
func VerifyTxOutputsGas(outputs int) uint64 {
	return GasVerifyTxPerOutput * uint64(outputs)
}
