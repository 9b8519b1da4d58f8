// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Every way a call can end, for differential tests against other EVMs and for tracing:
/// custom errors, Error(string), Panic, empty reverts, events, CREATE2, value transfers, nested calls.
contract RevertLab {
    error Unauthorized(address caller, uint256 needed);
    error Empty();

    event Stored(address indexed who, uint256 indexed slot, uint256 value, string note);
    event Received(address indexed from, uint256 amount);
    event ChildCreated(address child, bytes32 salt);
    event InnerFailed(bytes reason);

    mapping(uint256 => uint256) public slots;
    uint256[] public items;
    uint256 public total;

    receive() external payable {
        emit Received(msg.sender, msg.value);
    }

    function store(uint256 slot, uint256 value, string calldata note) external {
        slots[slot] = value;
        emit Stored(msg.sender, slot, value, note);
    }

    function fill(uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            items.push(i * 7);
            total += i;
        }
    }

    function clear(uint256 n) external {
        for (uint256 i = 0; i < n && items.length > 0; i++) {
            items.pop();
        }
    }

    function failCustom(uint256 needed) external view {
        revert Unauthorized(msg.sender, needed);
    }

    function failEmptyCustom() external pure {
        revert Empty();
    }

    function failRequire(uint256 x) external pure returns (uint256) {
        require(x > 10, "x must exceed ten");
        return x;
    }

    function failPanicDivide(uint256 d) external pure returns (uint256) {
        return 100 / d;
    }

    function failPanicAssert() external pure {
        assert(false);
    }

    function failPanicIndex(uint256 i) external view returns (uint256) {
        return items[i];
    }

    function failPanicOverflow(uint256 x) external pure returns (uint256) {
        return x + type(uint256).max;
    }

    function failEmpty() external pure {
        revert();
    }

    function forward(address payable to) external payable {
        (bool ok,) = to.call{value: msg.value}("");
        require(ok, "forward failed");
    }

    function deployChild(bytes32 salt, uint256 seed) external returns (address child) {
        child = address(new Child{salt: salt}(seed));
        emit ChildCreated(child, salt);
    }

    function predictChild(bytes32 salt, uint256 seed) external view returns (address) {
        bytes32 h = keccak256(
            abi.encodePacked(
                bytes1(0xff), address(this), salt, keccak256(abi.encodePacked(type(Child).creationCode, abi.encode(seed)))
            )
        );
        return address(uint160(uint256(h)));
    }

    /// An inner call reverts and the outer call catches it: the transaction succeeds.
    function tryInner(uint256 needed) external returns (bool) {
        try this.failCustom(needed) {
            return true;
        } catch (bytes memory reason) {
            emit InnerFailed(reason);
            return false;
        }
    }

    /// An inner call reverts and the outer call lets it bubble up: the transaction reverts with it.
    function bubbleInner(uint256 needed) external view {
        this.failCustom(needed);
    }

    function nested(address child) external view returns (uint256) {
        return Child(child).seedTimes(3);
    }
}

contract Child {
    uint256 public seed;

    constructor(uint256 seed_) {
        seed = seed_;
    }

    function seedTimes(uint256 k) external view returns (uint256) {
        return seed * k;
    }
}
