// SPDX-License-Identifier: GPL-3.0
// Aurigraph: ERC-3643 compliance module, built on T-REX's AbstractModule from the npm package
// @tokenysolutions/t-rex (which pins solc 0.8.17).
pragma solidity 0.8.17;

import "@tokenysolutions/t-rex/contracts/compliance/modular/modules/AbstractModule.sol";

/// A transfer between holders must move at least the compliance's minimum amount; mints and burns are free.
contract MinimumTransferModule is AbstractModule {
    mapping(address => uint256) private _minimum;

    event MinimumTransferSet(address indexed _compliance, uint256 _minimum);

    /// Called by the compliance (ModularCompliance.callModuleFunction, by its owner).
    function setMinimumTransfer(uint256 _amount) external onlyComplianceCall {
        _minimum[msg.sender] = _amount;
        emit MinimumTransferSet(msg.sender, _amount);
    }

    function minimumTransfer(address _compliance) external view returns (uint256) {
        return _minimum[_compliance];
    }

    // solhint-disable-next-line no-empty-blocks
    function moduleTransferAction(address, address, uint256) external override onlyComplianceCall {}

    // solhint-disable-next-line no-empty-blocks
    function moduleMintAction(address, uint256) external override onlyComplianceCall {}

    // solhint-disable-next-line no-empty-blocks
    function moduleBurnAction(address, uint256) external override onlyComplianceCall {}

    function moduleCheck(address _from, address, uint256 _value, address _compliance)
        external view override returns (bool)
    {
        return _from == address(0) || _value >= _minimum[_compliance];
    }

    function canComplianceBind(address) external pure override returns (bool) {
        return true;
    }

    function isPlugAndPlay() external pure override returns (bool) {
        return true;
    }

    function name() external pure override returns (string memory) {
        return "MinimumTransferModule";
    }
}
