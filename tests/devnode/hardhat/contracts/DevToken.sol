// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// An OpenZeppelin ERC-20 with the whole supply minted to the deployer.
contract DevToken is ERC20 {
    constructor(uint256 supply) ERC20("Dev Token", "DEV") {
        _mint(msg.sender, supply);
    }
}
