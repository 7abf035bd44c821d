// Package bitcoin is what the state machine needs of Bitcoin, shared with the
// daemons: network parameters (including testnet4, which btcd lacks), a pure
// header-validation core, SPV inclusion proofs, bounded decoding of untrusted
// transactions and blocks (DecodeTx, DecodeBlock), strict hash parsing and the
// hash store key, PoP payload codecs, script helpers, and the binding of a
// transaction's first input to the account of its signing key
// (InputSignerAccount). The Bitcoin node client (bitcoin/rpc) and the wallet
// (bitcoin/wallet) are the daemons' alone and live in packages of their own.
//
// The validation core is a function of its inputs only: a header, the
// network's Params and a read-only ChainView of the chain it extends. It
// reads no clock and keeps no state, so a Cosmos keeper can run it in
// consensus over its store (through a ChainView adapter, with an Overlay for
// a batch that forks from an ancestor) and a daemon can run the same checks
// before it relays anything. Every rejection wraps an exported sentinel error.
package bitcoin
