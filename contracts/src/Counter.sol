// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Upgrade example, version 1: a counter.
contract Counter {
    uint256 public count;
    address public owner;
    bool private initialized;

    function initialize(address owner_) external {
        require(!initialized, "already initialized");
        initialized = true;
        owner = owner_;
    }

    function increment() external {
        count += 1;
    }
}

/// @notice Version 2 keeps version 1's storage layout and adds to it.
contract CounterV2 {
    uint256 public count;
    address public owner;
    bool private initialized;
    uint256 public step;

    function increment() external {
        count += step == 0 ? 1 : step;
    }

    function setStep(uint256 s) external {
        require(msg.sender == owner, "only owner");
        step = s;
    }

    function version() external pure returns (string memory) {
        return "2";
    }
}
