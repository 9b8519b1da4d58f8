// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Hardhat's sample time lock, with custom errors: the owner withdraws the funds once unlockTime passed.
contract Lock {
    uint256 public unlockTime;
    address payable public owner;

    event Withdrawal(uint256 amount, uint256 when);

    error UnlockTimeNotInFuture(uint256 unlockTime, uint256 now);
    error TooEarly(uint256 unlockTime, uint256 now);
    error NotOwner(address caller);

    constructor(uint256 _unlockTime) payable {
        if (block.timestamp >= _unlockTime) revert UnlockTimeNotInFuture(_unlockTime, block.timestamp);
        unlockTime = _unlockTime;
        owner = payable(msg.sender);
    }

    function withdraw() external {
        if (block.timestamp < unlockTime) revert TooEarly(unlockTime, block.timestamp);
        if (msg.sender != owner) revert NotOwner(msg.sender);
        emit Withdrawal(address(this).balance, block.timestamp);
        owner.transfer(address(this).balance);
    }
}
