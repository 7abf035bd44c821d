// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IBitcoin, IBITCOIN_CONTRACT} from "./IBitcoin.sol";

/// @title BitcoinProbe: reads hemid's Bitcoin precompiles from a contract and logs what it got.
/// @notice The end-to-end tests send transactions to it, so every answer they check went through
/// a contract call inside a block. The IBitcoin methods are `view`, so Solidity calls them with
/// STATICCALL, as any contract's view function would; the raw precompiles are called with
/// STATICCALL too. A failing precompile call reverts the probe with the precompile's own revert
/// data, so its reason reaches the caller unchanged.
contract BitcoinProbe {
    event TipRead(IBitcoin.Header header);
    event HeaderRead(uint64 height, IBitcoin.Header header);
    event TxVerified(bytes32 txid, uint64 height, uint64 confirmations, IBitcoin.Output[] outputs);
    event KeystoneRead(uint64 height, IBitcoin.KeystoneStatus status, uint64 confirmations, bool superfinal);
    event RawRead(address precompile, bytes output);

    /// @notice The light client's tip height when tip() was last probed: a state write after the
    /// precompile call, in the same transaction.
    uint64 public lastTipHeight;

    function probeTip() external returns (IBitcoin.Header memory header) {
        header = IBITCOIN_CONTRACT.tip();
        lastTipHeight = header.height;
        emit TipRead(header);
    }

    function probeHeader(uint64 height) external returns (IBitcoin.Header memory header) {
        header = IBITCOIN_CONTRACT.headerByHeight(height);
        emit HeaderRead(height, header);
    }

    function probeVerifyTx(bytes calldata tx, bytes32 blockHash, uint32 index, bytes32[] calldata siblings)
        external
        returns (bytes32 txid, uint64 height, uint64 confirmations, IBitcoin.Output[] memory outputs)
    {
        (txid, height, confirmations, outputs) = IBITCOIN_CONTRACT.verifyTx(tx, blockHash, index, siblings);
        emit TxVerified(txid, height, confirmations, outputs);
    }

    function probeKeystone(uint64 height)
        external
        returns (IBitcoin.KeystoneStatus status, uint64 confirmations, bool superfinal)
    {
        (status, confirmations, superfinal) = IBITCOIN_CONTRACT.keystone(height);
        emit KeystoneRead(height, status, confirmations, superfinal);
    }

    /// @notice Calls a raw (non-ABI) precompile such as Hemi's 0x44 and 0x45 with `input`.
    function probeRaw(address precompile, bytes calldata input) external returns (bytes memory output) {
        bool ok;
        (ok, output) = precompile.staticcall(input);
        if (!ok) {
            assembly {
                revert(add(output, 32), mload(output))
            }
        }
        emit RawRead(precompile, output);
    }
}
