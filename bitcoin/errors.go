package bitcoin

import "errors"

// Sentinel errors of the Bitcoin validation core. Functions wrap them with
// details (heights, expected and actual values) using fmt.Errorf("%w: ..."),
// so callers compare with errors.Is and a Cosmos module can map each one to
// a registered error code.
var (
	// Hashes.
	ErrBadHash = errors.New("hash must be exactly 64 lowercase hex characters in display order, as bitcoin-cli prints it")

	// Networks.
	ErrUnknownNetwork = errors.New("unknown bitcoin network: use one of mainnet, testnet3, testnet4, signet, regtest")

	// Header decoding and chain linkage.
	ErrHeaderLength      = errors.New("block header must be exactly 80 bytes: send the raw serialized header")
	ErrUnknownParent     = errors.New("parent header is not known: insert the headers it builds on first")
	ErrPrevBlockMismatch = errors.New("header's previous-block hash does not match the parent header: the headers do not form a chain")
	ErrHeightOutOfRange  = errors.New("block height is out of range for bitcoin")
	ErrMissingAncestor   = errors.New("an ancestor needed to check this header is not available: the chain view must hold every header from the last retarget boundary")

	// Proof of work and difficulty.
	ErrInvalidTarget      = errors.New("nBits does not encode a valid target (it is zero, negative or overflows 256 bits)")
	ErrTargetAboveLimit   = errors.New("nBits target is easier than the network's proof-of-work limit")
	ErrHashAboveTarget    = errors.New("block hash is above the target in nBits: the header does not carry enough proof of work")
	ErrBadDifficultyBits  = errors.New("nBits is not the difficulty the network requires at this height")
	ErrTimeTooOld         = errors.New("timestamp must be later than the median time of the previous 11 blocks")
	ErrTimeWarp           = errors.New("timestamp of the first block of a difficulty period is more than 600 s before its parent (BIP94 time-warp rule)")
	ErrTimeTooNew         = errors.New("timestamp is more than 2 hours after the reference time")
	ErrBlockVersionTooOld = errors.New("block version is too old for this height (BIP34 requires >= 2, BIP66 >= 3, BIP65 >= 4)")

	// SPV inclusion proofs.
	ErrBadTransaction      = errors.New("transaction bytes do not decode as exactly one bitcoin transaction")
	ErrBadBlock            = errors.New("block bytes do not decode as exactly one bitcoin block (80-byte header, transaction count, transactions)")
	ErrTx64Bytes           = errors.New("transaction is 64 bytes without witness data: it could be confused with an inner merkle node, so it cannot be proven")
	ErrBranchTooLong       = errors.New("merkle branch is longer than 32 levels, which no bitcoin block can have")
	ErrIndexOutOfRange     = errors.New("transaction index does not fit the merkle branch: it must be below 2^len(siblings)")
	ErrMerkleDuplicateNode = errors.New("merkle proof uses a duplicated node as a right child: the index points past the block's last transaction")
	ErrMerkleNodeIsTx      = errors.New("merkle proof passes through a node whose 64 bytes are a transaction: the path goes below a 64-byte transaction of the block, so what it proves is in no block")
	ErrMerkleRootMismatch  = errors.New("merkle branch does not lead to the block's merkle root: the transaction is not in this block at this index")
	ErrNoTransactions      = errors.New("a merkle tree needs at least one transaction")

	// Proof-of-Proof payloads.
	ErrKeystoneLength      = errors.New("abbreviated keystone must be exactly 76 bytes")
	ErrKeystoneVersion     = errors.New("abbreviated keystone version is not 1, the only version this chain understands")
	ErrNotPoPScript        = errors.New("output script is not a PoP payload: it must be exactly OP_RETURN OP_PUSHDATA1 0x50 \"HEMI\" followed by the 76-byte abbreviated keystone (83 bytes)")
	ErrNoPoPPayload        = errors.New("transaction carries no PoP payload: it needs an output OP_RETURN OP_PUSHDATA1 0x50 \"HEMI\" ‖ 76-byte keystone, and must not be a coinbase")
	ErrNoSignerAccount     = errors.New("no account is bound to the transaction's first input: it must spend a P2PKH, P2WPKH or P2SH-P2WPKH output with the standard scriptSig and witness, and its key must hash to that output's key hash")
	ErrFundingTxMismatch   = errors.New("funding transaction is not the one the first input spends: send the transaction whose txid is input 0's outpoint hash, which has the output its index names")
	ErrMultiplePoPPayloads = errors.New("transaction has more than one PoP payload output: a PoP transaction must publish exactly one keystone")
)
