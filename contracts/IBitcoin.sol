// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @dev The address of hemid's IBitcoin precompile. It lies outside Ethereum's precompiles
/// (0x01–0x11, 0x100), cosmos/evm's (0x100, 0x400, 0x800–0x807) and Hemi's hVM range (0x40–0x49).
address constant IBITCOIN_PRECOMPILE_ADDRESS = 0x0000000000000000000000000000000000000B7C;

/// @dev The IBitcoin precompile, ready to call.
IBitcoin constant IBITCOIN_CONTRACT = IBitcoin(IBITCOIN_PRECOMPILE_ADDRESS);

/// @title IBitcoin: Bitcoin as hemid's light client sees it, and the tunnel's deposits, from the
/// state of the executing block.
/// @notice hemid keeps only Bitcoin headers in its state (x/btclc). A contract that needs a
/// transaction passes it in with its Merkle proof, and the precompile checks the proof against the
/// light client, so every answer is as deterministic as the light client itself.
///
/// Byte order. Every block hash, txid and Merkle root in this interface is in DISPLAY order: the
/// order block explorers and bitcoin-cli print, so a block hash starts with zero bytes and a txid
/// pasted from an explorer is used as is (`0x` + its 64 hex characters). Only two things are in
/// INTERNAL order (the order the bytes have on the wire): the raw transaction `tx` and the Merkle
/// `siblings` of `verifyTx`, exactly as a Bitcoin node serializes them.
///
/// Errors. A height or hash the light client does not hold, a proof that does not check, or
/// malformed input reverts with a readable reason (Error(string)); a call never returns a zero
/// header in place of an error.
///
/// Gas. Every method costs a fixed amount, `verifyTx` adds a part linear in the bytes of its
/// proof and one per output it returns; each function's figure is below, and x/hvm's README
/// says what each pays for. Input past a call's ABI encoding costs 3 gas a byte more.
///
/// Limits. `verifyTx` takes a transaction of at most 400,000 bytes and at most 32 siblings.
/// IBitcoin's calls only read, take no state snapshot, and so do not count toward cosmos/evm's
/// limit of 20 calls per transaction to its own (writing) precompiles.
interface IBitcoin {
    /// @notice A Bitcoin block header as x/btclc stores it.
    struct Header {
        uint64 height;
        /// Block hash, display order.
        bytes32 hash;
        uint32 version;
        /// Previous block's hash, display order.
        bytes32 prevHash;
        /// Merkle root of the block's transactions, display order.
        bytes32 merkleRoot;
        /// Block time, seconds since the Unix epoch.
        uint32 time;
        /// Compact difficulty target (nBits).
        uint32 bits;
        uint32 nonce;
        /// Total work of the chain from the light client's base up to and including this block.
        uint256 cumulativeWork;
    }

    /// @notice One output of a proven transaction.
    struct Output {
        /// Value in satoshis.
        uint64 value;
        /// The output's scriptPubKey, raw bytes.
        bytes scriptPubKey;
    }

    /// @notice Where a keystone stands in Bitcoin.
    enum KeystoneStatus {
        /// The height is not a keystone height, or the chain has not reached it yet.
        None,
        /// A keystone, with no publication on Bitcoin's main chain (as the light client sees it).
        Unpublished,
        /// Published: confirmations > 0, not yet superfinal.
        Published,
        /// Buried at least superfinality_depth Bitcoin blocks deep.
        Superfinal
    }

    /// @notice Where a tunnel deposit (x/tunnel) stands.
    enum DepositStatus {
        /// No deposit is recorded at this outpoint: never proven, or proven in a block that left
        /// the main chain before it was minted (it can be proven again where it was mined).
        None,
        /// Proven; the chain mints it by itself once min_confirmations deep.
        Pending,
        /// Minted to the recipient, once.
        Minted,
        /// The mint was refused (the recipient cannot hold coins): nothing was minted.
        Refused
    }

    /// @notice The light client's main-chain tip.
    /// @dev Gas: 9,000.
    function tip() external view returns (Header memory header);

    /// @notice The main-chain header at `height`. Reverts if the light client holds none there.
    /// @dev Gas: 8,500.
    function headerByHeight(uint64 height) external view returns (Header memory header);

    /// @notice The header with hash `blockHash` (display order), on the main chain or a side
    /// branch the light client still holds. Reverts if unknown. A header returned is not proof
    /// that its block is in Bitcoin's main chain: check `confirmations(blockHash) > 0` for that.
    /// @dev Gas: 16,400.
    function headerByHash(bytes32 blockHash) external view returns (Header memory header);

    /// @notice How deep `blockHash` (display order) is on the main chain: tip height − height + 1.
    /// 0 when the block is not on the main chain: on a side branch, replaced by a reorg (the light
    /// client keeps no stale main-chain headers), or never seen. `headerByHash` reverts for a block
    /// the light client does not hold, which tells a mistyped hash apart.
    /// @dev Gas: 20,400.
    function confirmations(bytes32 blockHash) external view returns (uint64);

    /// @notice Checks that `tx` is in the main-chain block `blockHash` at position `index`.
    /// @param tx The raw transaction, internal order, with or without its witness. Only bytes the
    /// txid commits to are used: the outputs returned are covered by the proof.
    /// @param blockHash The block holding it, display order.
    /// @param index The transaction's position in the block (0 is the coinbase).
    /// @param siblings The Merkle siblings from the leaf level up, internal order.
    /// @return txid The transaction's id, display order.
    /// @return height The block's height.
    /// @return confirmations The block's confirmations on the main chain (at least 1).
    /// @return outputs Every output of the transaction, in order (output i is vout i).
    /// A caller must itself refuse what a payment check needs refused: index 0 (a coinbase pays
    /// scripts too), a txid it already credited, and a payment not bound to its purpose.
    /// @dev Reverts with the reason when the proof does not check or the block is not on the main
    /// chain. Gas: 19,000 + 8 per byte of `tx` + 300 per sibling, and 300 per output once the
    /// proof checks.
    function verifyTx(bytes calldata tx, bytes32 blockHash, uint32 index, bytes32[] calldata siblings)
        external
        view
        returns (bytes32 txid, uint64 height, uint64 confirmations, Output[] memory outputs);

    /// @notice The keystone at hemi block `height`: its status and Bitcoin confirmations, as
    /// `hemid query pop keystone-status` reports them. Superfinality is x/pop's as of the last
    /// EndBlock: headers inserted earlier in the executing block count from the next block on.
    /// @dev Reverts, with a reason that says to ask again in the next block, when a Bitcoin reorg
    /// earlier in the executing block has not been applied to the keystones yet (that happens
    /// at the block's end): an answer then could count a publication the reorg removed.
    /// Gas: 13,900.
    function keystone(uint64 height)
        external
        view
        returns (KeystoneStatus status, uint64 confirmations, bool superfinal);

    /// @notice The highest superfinal keystone's hemi height, 0 when none is superfinal yet.
    /// @dev Reverts as keystone() does inside a block whose Bitcoin reorg is not applied yet.
    /// Gas: 8,500.
    function latestSuperfinal() external view returns (uint64 height);

    /// @notice The x/tunnel deposit at the Bitcoin outpoint `txid`:`vout` (txid in display
    /// order), as `hemid query tunnel deposit` reports it.
    /// @return status Where it stands; None, with every other value zero, when none is recorded.
    /// @return amount Its value in satoshis: the hemiBTC (8 decimals) it mints.
    /// @return recipient The account it credits.
    /// @return mintedHeight The hemi block whose EndBlock minted it; 0 until then.
    /// @dev Gas: 8,500.
    function deposit(bytes32 txid, uint32 vout)
        external
        view
        returns (DepositStatus status, uint64 amount, address recipient, uint64 mintedHeight);
}
