// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Counter: a small contract used to check that hemid's EVM deploys and runs Solidity.
contract Counter {
    uint256 public count;
    address public immutable deployer;

    event Incremented(address indexed by, uint256 newCount);

    constructor(uint256 start) {
        count = start;
        deployer = msg.sender;
    }

    /// @notice Adds `by` to the counter and returns the new value.
    function increment(uint256 by) external returns (uint256) {
        count += by;
        emit Incremented(msg.sender, count);
        return count;
    }
}
