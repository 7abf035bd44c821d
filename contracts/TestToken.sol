// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TestToken: a minimal ERC-20 for tests and examples (BtcSwap's escrow).
/// @notice The whole supply is minted to the deployer; there is no other minting.
contract TestToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint256 supply) {
        name = name_;
        symbol = symbol_;
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    /// @notice Moves `value` of the caller's tokens to `to`.
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @notice Lets `spender` move up to `value` of the caller's tokens.
    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice Moves `value` of `from`'s tokens to `to`, within the caller's allowance.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "TestToken: allowance too small");
        if (allowed != type(uint256).max) {
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    /// @dev Moves `value` of `from`'s tokens to `to`: every transfer goes through it.
    function _transfer(address from, address to, uint256 value) internal virtual {
        require(to != address(0), "TestToken: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= value, "TestToken: balance too small");
        unchecked {
            balanceOf[from] = balance - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

/// @title PausableTestToken: TestToken whose deployer can pause every transfer, for tests.
/// @notice Stands for the tokens that can refuse a transfer (pausable, blacklisting): while it
/// is paused, `transfer` and `transferFrom` revert.
contract PausableTestToken is TestToken {
    /// @notice The deployer, the only address that may pause and unpause.
    address public immutable pauser;
    /// @notice Whether transfers are refused.
    bool public paused;

    /// @notice `pause()` or `unpause()` set `paused` to `paused_`.
    event Paused(bool paused_);

    /// @notice Mints the whole supply to the deployer, who becomes the pauser.
    constructor(string memory name_, string memory symbol_, uint256 supply) TestToken(name_, symbol_, supply) {
        pauser = msg.sender;
    }

    /// @notice Refuses every transfer until `unpause`. Only the pauser may call it.
    function pause() external {
        _setPaused(true);
    }

    /// @notice Allows transfers again. Only the pauser may call it.
    function unpause() external {
        _setPaused(false);
    }

    function _setPaused(bool paused_) private {
        require(msg.sender == pauser, "PausableTestToken: not the pauser");
        paused = paused_;
        emit Paused(paused_);
    }

    /// @dev TestToken's transfer, refused while paused.
    function _transfer(address from, address to, uint256 value) internal override {
        require(!paused, "PausableTestToken: transfers are paused");
        super._transfer(from, to, value);
    }
}
