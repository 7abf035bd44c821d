// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBitcoin, IBITCOIN_CONTRACT} from "./IBitcoin.sol";

/// @dev The part of ERC-20 BtcSwap uses.
interface IERC20Minimal {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
}

/// @title BtcSwap: sell ERC-20 tokens or native hemi for bitcoin, settled by a Bitcoin SPV proof.
/// @notice A seller escrows tokens (or hemi) in an offer that names a Bitcoin scriptPubKey, a
/// price in satoshis, the confirmations the payment needs, a deadline, and the terms of a
/// reservation: how long it lasts and the bond (native hemi) it locks.
///
/// A buyer first reserves the offer (`reserve`): for the reservation's window nobody else can
/// reserve or fill it. Then the buyer pays the price on Bitcoin, in one transaction that also
/// carries an OP_RETURN commitment to the offer and to the buyer's EVM address (`commitment`).
/// Once that transaction is buried `confirmations` blocks deep in the chain x/btclc follows,
/// anyone may submit its proof with `fill` before the window ends, and the escrow goes to the
/// committed buyer, with the bond credited back. A proven payment settles the offer for good:
/// if the token refuses the transfer (paused, blacklisting) or the buyer refuses native hemi,
/// the offer is filled all the same and the escrow waits for `claim`, which anyone may call to
/// pay it to the buyer. A reservation that lapses unfilled forfeits its bond to the seller. An
/// offer not filled by its deadline can be cancelled by its seller, which returns the escrow;
/// a filled offer can never be cancelled. Bonds are paid out by `withdraw`.
///
/// Why a reservation: the seller controls the script it is paid to, so paying it costs the
/// seller nothing but fees. Without exclusivity a seller who sees a buyer's payment could pay
/// itself in the same Bitcoin block, with a commitment to its own address, and race the buyer
/// to submit a proof: it would keep the buyer's bitcoin and its escrow. While a buyer holds the
/// reservation, only a payment committed to that buyer fills the offer.
///
/// Why the commitment: it ties a payment to one offer of one deployment on one chain and to one
/// buyer, so a payment the seller received for anything else cannot fill the offer, a proof
/// copied from the mempool pays the committed buyer whoever submits it, and a payment made under
/// one buyer's reservation cannot be used by another.
///
/// Rules a payment must meet, checked in this order by `fill`:
///   1. the offer is open, its deadline has not passed, and `buyer` holds its live reservation;
///   2. the transaction is not a coinbase (txIndex 0): a coinbase's outputs exist only in its
///      own block, so a reorg that drops the block erases the payment for good, where an
///      ordinary transaction would be mined again;
///   3. IBitcoin.verifyTx accepts the proof (the transaction is in a main-chain block);
///   4. the transaction has filled no offer before (a txid fills at most one offer, ever);
///   5. one single output pays the offer's scriptPubKey at least the price: outputs to the
///      script are NOT added up, so pay in one output;
///   6. the block has at least the offer's confirmations;
///   7. an output is exactly `commitment(offerId, buyer)`.
///
/// Every refusal reverts with a reason string starting "BtcSwap: ".
///
/// Buyers: reserve first, and pay only once the reservation is mined and still has time
/// enough for the payment to get its confirmations, for the light client to see them and for
/// the fill to be mined. A payment not proven within the reservation buys nothing until the
/// buyer holds a reservation again, and after the deadline the seller may cancel.
contract BtcSwap {
    /// @notice Where an offer stands. None: no offer has that id.
    enum Status {
        None,
        Open,
        Filled,
        Cancelled
    }

    /// @notice An offer. `token` is the ERC-20 escrowed, or address(0) for native hemi.
    /// `buyer` and `reservedUntil` are those of the latest reservation (zero if none yet): it is
    /// live while block.timestamp < reservedUntil.
    struct Offer {
        address seller;
        uint64 priceSats;
        address token;
        uint64 confirmations;
        uint64 deadline;
        uint64 reservationSeconds;
        Status status;
        uint256 amount;
        uint256 bond;
        address buyer;
        uint64 reservedUntil;
        bytes scriptPubKey;
    }

    /// @notice The 4 bytes that start a commitment's data: "HSWP".
    bytes4 public constant COMMITMENT_TAG = "HSWP";
    /// @notice The longest scriptPubKey an offer may name: Bitcoin's script size limit.
    uint256 public constant MAX_SCRIPT_BYTES = 10_000;
    /// @notice Bitcoin's supply in satoshis, the highest price an offer may ask.
    uint64 public constant MAX_SATS = 21_000_000 * 100_000_000;
    /// @notice The most gas `fill` forwards to the token (for native hemi: to the buyer) to pay
    /// the escrow, plenty for an ERC-20 transfer. It bounds what a token or a buyer contract can
    /// make the submitter of a proof pay for; a payment that fails within it is left to `claim`,
    /// which forwards all its gas.
    uint256 public constant PAY_GAS = 100_000;
    /// @notice The gas `fill` must have left when it pays the escrow, or it reverts: PAY_GAS,
    /// the 1/64 EIP-150 keeps back from a call, the call's own cost (cold account, value
    /// transfer, new account: at most 36,600) and the record of an escrow left unpaid. So the
    /// payment always gets its full PAY_GAS, and no submitter can make it fail by sending the
    /// fill with too little gas.
    uint256 public constant GAS_TO_PAY = PAY_GAS + PAY_GAS / 63 + 70_000;

    /// @notice The number of offers created; offer ids run from 1 to offerCount.
    uint64 public offerCount;
    mapping(uint64 => Offer) private _offers;
    /// @notice The offer each Bitcoin transaction (txid, display order) filled; 0 for none.
    mapping(bytes32 => uint64) public filledBy;
    /// @notice Native hemi `withdraw` pays each address: bonds returned to buyers and bonds
    /// forfeited to sellers.
    mapping(address => uint256) public credit;
    /// @notice The escrow of each filled offer that `fill` could not pay to its buyer and that
    /// `claim` has not paid yet (in the offer's token, or native hemi); 0 for none.
    mapping(uint64 => uint256) public unclaimed;

    /// @notice Offer `id` escrows `amount` of `token` (address(0): native hemi); `offer(id)`
    /// holds its terms.
    event OfferCreated(uint64 indexed id, address indexed seller, address indexed token, uint256 amount);
    /// @notice Offer `id` is reserved for `buyer` until `reservedUntil` (Unix seconds, exclusive).
    event OfferReserved(uint64 indexed id, address indexed buyer, uint64 reservedUntil);
    /// @notice Offer `id` was filled: it is settled, and its escrow belongs to `buyer`. The same
    /// transaction logs EscrowPaid (it was paid) or EscrowOwed (it waits for `claim`).
    /// @param txid The paying Bitcoin transaction, display order.
    /// @param btcHeight The height of the Bitcoin block that holds it.
    /// @param submitter Who sent the proof (anyone: the escrow goes to `buyer`).
    event OfferFilled(
        uint64 indexed id, address indexed buyer, bytes32 indexed txid, uint64 btcHeight, address submitter
    );
    /// @notice Offer `id`'s escrow, `amount` of its token (or native hemi), was paid to `buyer`:
    /// by `fill`, or by `claim` after `fill` could not pay it.
    event EscrowPaid(uint64 indexed id, address indexed buyer, uint256 amount);
    /// @notice `fill` could not pay offer `id`'s escrow to `buyer`: the token refused the
    /// transfer (reverted or returned false) or `buyer` refused native hemi. The offer is filled
    /// all the same; `claim(id)` pays the `amount` to `buyer`.
    event EscrowOwed(uint64 indexed id, address indexed buyer, uint256 amount);
    /// @notice Offer `id` was cancelled: its escrow went back to `seller`.
    event OfferCancelled(uint64 indexed id, address indexed seller);
    /// @notice `withdraw` paid `amount` wei of credit to `to`.
    event Withdrawn(address indexed to, uint256 amount);

    /// @notice Creates an offer and escrows its amount: `msg.value` for native hemi
    /// (`token` = address(0), `msg.value` = `amount`), otherwise `amount` of `token`, pulled
    /// with transferFrom (approve this contract first; tokens that charge a fee on transfer are
    /// refused).
    /// @param scriptPubKey The Bitcoin output script the price must be paid to, raw bytes.
    /// @param priceSats The price in satoshis, at least 1.
    /// @param confirmations How deep the payment's block must be (1 = in the tip block).
    /// @param deadline Unix time (block.timestamp) from which the offer can no longer be filled
    /// and the seller may cancel it.
    /// @param reservationSeconds How long a reservation lasts; no reservation outlasts the
    /// deadline, so reservations can be made until `deadline - reservationSeconds`.
    /// @param bond The native hemi (wei) a reservation locks: credited back to the buyer on a
    /// fill, to the seller if the reservation lapses. 0 lets anyone reserve for free.
    /// @return id The new offer's id.
    function createOffer(
        address token,
        uint256 amount,
        bytes calldata scriptPubKey,
        uint64 priceSats,
        uint64 confirmations,
        uint64 deadline,
        uint64 reservationSeconds,
        uint256 bond
    ) external payable returns (uint64 id) {
        require(amount > 0, "BtcSwap: nothing to escrow");
        require(
            scriptPubKey.length > 0 && scriptPubKey.length <= MAX_SCRIPT_BYTES,
            "BtcSwap: scriptPubKey must be 1 to 10000 bytes"
        );
        require(scriptPubKey[0] != 0x6a, "BtcSwap: scriptPubKey is an OP_RETURN script, which nobody can spend");
        require(priceSats > 0 && priceSats <= MAX_SATS, "BtcSwap: price must be 1 sat to 21 million BTC");
        require(confirmations > 0, "BtcSwap: confirmations must be at least 1");
        require(deadline > block.timestamp, "BtcSwap: deadline must be in the future");
        require(
            reservationSeconds > 0 && reservationSeconds <= deadline - block.timestamp,
            "BtcSwap: the reservation must last at least 1 second and fit before the deadline"
        );
        if (token == address(0)) {
            require(msg.value == amount, "BtcSwap: a native offer's msg.value must equal its amount");
        } else {
            require(msg.value == 0, "BtcSwap: a token offer takes no msg.value");
            require(token.code.length > 0, "BtcSwap: token is not a contract");
        }

        id = ++offerCount;
        Offer storage o = _offers[id];
        o.seller = msg.sender;
        o.priceSats = priceSats;
        o.token = token;
        o.confirmations = confirmations;
        o.deadline = deadline;
        o.reservationSeconds = reservationSeconds;
        o.status = Status.Open;
        o.amount = amount;
        o.bond = bond;
        o.scriptPubKey = scriptPubKey;
        emit OfferCreated(id, msg.sender, token, amount);

        if (token != address(0)) {
            uint256 before = IERC20Minimal(token).balanceOf(address(this));
            require(
                _callToken(token, abi.encodeCall(IERC20Minimal.transferFrom, (msg.sender, address(this), amount)), gasleft()),
                "BtcSwap: token transfer failed"
            );
            require(
                IERC20Minimal(token).balanceOf(address(this)) - before == amount,
                "BtcSwap: the token moved a different amount than asked (fee-on-transfer tokens are not supported)"
            );
        }
    }

    /// @notice Reserves offer `offerId` for `buyer` for the offer's reservation window, locking
    /// the offer's bond (`msg.value`). Anyone may reserve for any buyer; the bond is credited
    /// back to `buyer` when the offer is filled, to the seller if the reservation lapses.
    function reserve(uint64 offerId, address buyer) external payable {
        Offer storage o = _offers[offerId];
        _requireOpen(o);
        require(block.timestamp < o.deadline, "BtcSwap: offer expired");
        require(buyer != address(0), "BtcSwap: buyer is the zero address");
        require(block.timestamp >= o.reservedUntil, "BtcSwap: offer already reserved");
        uint64 until = uint64(block.timestamp) + o.reservationSeconds;
        require(until <= o.deadline, "BtcSwap: too late to reserve: the reservation would outlast the deadline");
        require(msg.value == o.bond, "BtcSwap: msg.value must equal the offer's bond");

        _forfeitLapsedBond(o);
        o.buyer = buyer;
        o.reservedUntil = until;
        emit OfferReserved(offerId, buyer, until);
    }

    /// @notice Fills offer `offerId` with the Bitcoin transaction `btcTx`, proven by its block,
    /// position and Merkle siblings (as IBitcoin.verifyTx takes them), and pays the escrow to
    /// `buyer`, who must hold the offer's live reservation. Anyone may call it: the transaction
    /// must commit to `buyer`, so a copied proof pays the same buyer.
    ///
    /// Once the proof is accepted the offer is Filled whatever the token does: the escrow is
    /// paid with at most PAY_GAS, and if that payment fails it is recorded in `unclaimed` for
    /// `claim`, so a token that refuses transfers cannot undo the fill and hand the escrow back
    /// to the seller. Reverts if less than GAS_TO_PAY is left for the payment.
    /// @param btcTx The raw payment transaction, internal order.
    /// @param blockHash The block holding it, display order.
    /// @param txIndex Its position in the block; 0, the coinbase, is refused.
    /// @param siblings Its Merkle siblings from the leaf level up, internal order.
    function fill(
        uint64 offerId,
        address buyer,
        bytes calldata btcTx,
        bytes32 blockHash,
        uint32 txIndex,
        bytes32[] calldata siblings
    ) external {
        Offer storage o = _offers[offerId];
        _requireOpen(o);
        require(block.timestamp < o.deadline, "BtcSwap: offer expired");
        require(buyer == o.buyer && buyer != address(0), "BtcSwap: offer not reserved for this buyer");
        require(block.timestamp < o.reservedUntil, "BtcSwap: reservation lapsed");
        require(txIndex != 0, "BtcSwap: a coinbase transaction cannot pay: a reorg would erase it for good");
        (bytes32 txid, uint64 btcHeight, uint64 confirmations, IBitcoin.Output[] memory outputs) =
            _verifyTx(btcTx, blockHash, txIndex, siblings);
        require(filledBy[txid] == 0, "BtcSwap: transaction already filled an offer");
        _checkOutputs(o, offerId, buyer, confirmations, outputs);

        o.status = Status.Filled;
        filledBy[txid] = offerId;
        credit[buyer] += o.bond;
        emit OfferFilled(offerId, buyer, txid, btcHeight, msg.sender);
        _payFilled(offerId, o.token, buyer, o.amount);
    }

    /// @notice Pays the buyer of filled offer `offerId` the escrow `fill` could not pay
    /// (`unclaimed(offerId)`), for instance once the token is unpaused. Anyone may call it; the
    /// escrow goes to the buyer that filled the offer only. It forwards all its gas, and if the
    /// payment fails again it reverts and the escrow stays unclaimed.
    /// @param offerId The filled offer whose escrow is unclaimed.
    function claim(uint64 offerId) external {
        uint256 amount = unclaimed[offerId];
        require(amount > 0, "BtcSwap: nothing to claim");
        Offer storage o = _offers[offerId];
        unclaimed[offerId] = 0;
        emit EscrowPaid(offerId, o.buyer, amount);
        _pay(o.token, o.buyer, amount);
    }

    /// @notice Cancels an offer not filled by its deadline and returns the escrow to its seller.
    /// The bond of a reservation that lapsed is credited to the seller. A filled offer, paid or
    /// not, is never cancelled.
    function cancel(uint64 offerId) external {
        Offer storage o = _offers[offerId];
        _requireOpen(o);
        require(msg.sender == o.seller, "BtcSwap: not the seller");
        require(block.timestamp >= o.deadline, "BtcSwap: deadline not reached");

        o.status = Status.Cancelled;
        _forfeitLapsedBond(o);
        emit OfferCancelled(offerId, o.seller);
        _pay(o.token, o.seller, o.amount);
    }

    /// @notice Pays the caller its credit (returned and forfeited bonds) in native hemi.
    function withdraw() external {
        uint256 amount = credit[msg.sender];
        require(amount > 0, "BtcSwap: nothing to withdraw");
        credit[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        _pay(address(0), msg.sender, amount);
    }

    /// @notice The offer with id `offerId` (status None if there is none).
    function offer(uint64 offerId) external view returns (Offer memory) {
        return _offers[offerId];
    }

    /// @notice The exact scriptPubKey of the OP_RETURN output a payment for `offerId` to
    /// `buyer` must carry, 62 bytes: OP_RETURN (0x6a), OP_PUSHBYTES_60 (0x3c), then the 60
    /// pushed bytes "HSWP" ‖ chain id (8 bytes, big-endian) ‖ this contract's address (20) ‖
    /// offerId (8 bytes, big-endian) ‖ buyer (20). The chain id and the contract's address
    /// keep a payment from filling an offer of another deployment or chain.
    function commitment(uint64 offerId, address buyer) public view returns (bytes memory) {
        return abi.encodePacked(
            bytes2(0x6a3c), COMMITMENT_TAG, uint64(block.chainid), address(this), offerId, buyer
        );
    }

    function _requireOpen(Offer storage o) private view {
        Status status = o.status;
        require(status != Status.None, "BtcSwap: no such offer");
        require(status != Status.Filled, "BtcSwap: offer already filled");
        require(status != Status.Cancelled, "BtcSwap: offer cancelled");
    }

    /// @dev Credits the seller with the bond of the offer's latest reservation, which has
    /// lapsed: called when a new reservation replaces it and when the offer is cancelled, so
    /// each bond is credited once.
    function _forfeitLapsedBond(Offer storage o) private {
        if (o.buyer != address(0)) {
            credit[o.seller] += o.bond;
        }
    }

    /// @dev Rules 5 to 7 of the contract's notice, over the proven transaction's outputs.
    function _checkOutputs(
        Offer storage o,
        uint64 offerId,
        address buyer,
        uint64 confirmations,
        IBitcoin.Output[] memory outputs
    ) private view {
        bytes32 scriptHash = keccak256(o.scriptPubKey);
        bytes32 commitmentHash = keccak256(commitment(offerId, buyer));
        uint64 largest;
        bool paysScript;
        bool committed;
        for (uint256 i = 0; i < outputs.length; i++) {
            bytes32 h = keccak256(outputs[i].scriptPubKey);
            if (h == scriptHash) {
                paysScript = true;
                if (outputs[i].value > largest) largest = outputs[i].value;
            } else if (h == commitmentHash) {
                committed = true;
            }
        }
        require(paysScript, "BtcSwap: no output pays the offer's scriptPubKey");
        require(largest >= o.priceSats, "BtcSwap: payment below the price");
        require(confirmations >= o.confirmations, "BtcSwap: not enough confirmations");
        require(committed, "BtcSwap: no commitment to this offer and buyer");
    }

    /// @dev IBitcoin.verifyTx, its revert reason passed on.
    function _verifyTx(bytes calldata btcTx, bytes32 blockHash, uint32 txIndex, bytes32[] calldata siblings)
        private
        view
        returns (bytes32, uint64, uint64, IBitcoin.Output[] memory)
    {
        try IBITCOIN_CONTRACT.verifyTx(btcTx, blockHash, txIndex, siblings) returns (
            bytes32 txid, uint64 height, uint64 confirmations, IBitcoin.Output[] memory outputs
        ) {
            return (txid, height, confirmations, outputs);
        } catch Error(string memory reason) {
            revert(string.concat("BtcSwap: proof rejected: ", reason));
        } catch {
            revert("BtcSwap: proof rejected");
        }
    }

    /// @dev Pays the escrow of offer `offerId`, just filled, to `buyer` with at most PAY_GAS. If
    /// the payment fails, records the escrow in `unclaimed`; either way the fill stands. Called
    /// last, after every other state change of the fill; the record of a failure can only be
    /// written after the call, and during the call `unclaimed(offerId)` is 0, so a `claim`
    /// reentering from the token or the buyer finds nothing to claim.
    function _payFilled(uint64 offerId, address token, address buyer, uint256 amount) private {
        require(gasleft() >= GAS_TO_PAY, "BtcSwap: too little gas left to pay the escrow: raise the gas limit");
        if (_tryPay(token, buyer, amount, PAY_GAS)) {
            emit EscrowPaid(offerId, buyer, amount);
        } else {
            unclaimed[offerId] = amount;
            emit EscrowOwed(offerId, buyer, amount);
        }
    }

    /// @dev Pays `amount` of `token` (native hemi for address(0)) to `to` with all the gas left,
    /// reverting if the payment fails. Called last, after every state change
    /// (checks-effects-interactions).
    function _pay(address token, address to, uint256 amount) private {
        if (!_tryPay(token, to, amount, gasleft())) {
            revert(token == address(0) ? "BtcSwap: native transfer failed" : "BtcSwap: token transfer failed");
        }
    }

    /// @dev Tries to pay `amount` of `token` (native hemi for address(0)) to `to`, forwarding at
    /// most `gasLimit`; returns whether it was paid. Never reverts on the callee's account.
    function _tryPay(address token, address to, uint256 amount, uint256 gasLimit) private returns (bool) {
        if (token == address(0)) {
            return _sendNative(to, amount, gasLimit);
        }
        return _callToken(token, abi.encodeCall(IERC20Minimal.transfer, (to, amount)), gasLimit);
    }

    /// @dev Sends `amount` wei to `to` with at most `gasLimit`; returns whether the call
    /// succeeded. No return data is copied, so a long one costs this contract nothing.
    function _sendNative(address to, uint256 amount, uint256 gasLimit) private returns (bool ok) {
        assembly ("memory-safe") {
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
    }

    /// @dev Calls `token` with `data` and at most `gasLimit`; returns whether it succeeded and
    /// returned nothing or exactly an ABI-encoded true, the two conventions of ERC-20 tokens
    /// (a revert or a false return is a refusal). At most 32 bytes of return data are copied,
    /// into the scratch space, so a long one costs this contract nothing.
    function _callToken(address token, bytes memory data, uint256 gasLimit) private returns (bool ok) {
        assembly ("memory-safe") {
            ok := call(gasLimit, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            if ok {
                let size := returndatasize()
                ok := or(iszero(size), and(eq(size, 0x20), eq(mload(0), 1)))
            }
        }
    }
}
