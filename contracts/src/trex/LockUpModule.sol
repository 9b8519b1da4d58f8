// SPDX-License-Identifier: GPL-3.0
// Aurigraph: ERC-3643 compliance module, built on T-REX's AbstractModule from the npm package
// @tokenysolutions/t-rex (which pins solc 0.8.17).
pragma solidity 0.8.17;

import "@tokenysolutions/t-rex/contracts/compliance/modular/modules/AbstractModule.sol";

/// Transfers between holders are blocked until the compliance's lock-up ends (a UNIX time, compared with
/// block.timestamp); mints, burns and the agent's forced transfers are not transfers between holders.
contract LockUpModule is AbstractModule {
    mapping(address => uint256) private _lockedUntil;

    event LockUpSet(address indexed _compliance, uint256 _until);

    /// Called by the compliance (ModularCompliance.callModuleFunction, by its owner).
    function setLockUp(uint256 _until) external onlyComplianceCall {
        _lockedUntil[msg.sender] = _until;
        emit LockUpSet(msg.sender, _until);
    }

    function lockedUntil(address _compliance) external view returns (uint256) {
        return _lockedUntil[_compliance];
    }

    // solhint-disable-next-line no-empty-blocks
    function moduleTransferAction(address, address, uint256) external override onlyComplianceCall {}

    // solhint-disable-next-line no-empty-blocks
    function moduleMintAction(address, uint256) external override onlyComplianceCall {}

    // solhint-disable-next-line no-empty-blocks
    function moduleBurnAction(address, uint256) external override onlyComplianceCall {}

    function moduleCheck(address _from, address, uint256, address _compliance)
        external view override returns (bool)
    {
        // solhint-disable-next-line not-rely-on-time
        return _from == address(0) || block.timestamp >= _lockedUntil[_compliance];
    }

    function canComplianceBind(address) external pure override returns (bool) {
        return true;
    }

    function isPlugAndPlay() external pure override returns (bool) {
        return true;
    }

    function name() external pure override returns (string memory) {
        return "LockUpModule";
    }
}
