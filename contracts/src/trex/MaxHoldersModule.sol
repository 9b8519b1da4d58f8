// SPDX-License-Identifier: GPL-3.0
// Aurigraph: ERC-3643 compliance module, built on T-REX's AbstractModule from the npm package
// @tokenysolutions/t-rex (which pins solc 0.8.17).
pragma solidity 0.8.17;

import "@tokenysolutions/t-rex/contracts/compliance/modular/modules/AbstractModule.sol";
import "@tokenysolutions/t-rex/contracts/compliance/modular/IModularCompliance.sol";
import "@tokenysolutions/t-rex/contracts/token/IToken.sol";

/// At most `maxHolders` identities (ONCHAINIDs, not wallets: an investor's wallets count once) hold a
/// non-zero balance. The module keeps each identity's balance per compliance, as T-REX's MaxBalanceModule
/// does, so it binds only to a token without supply.
contract MaxHoldersModule is AbstractModule {
    mapping(address => uint256) private _max;
    mapping(address => uint256) private _holders;
    mapping(address => mapping(address => uint256)) private _idBalance;

    event MaxHoldersSet(address indexed _compliance, uint256 _max);

    /// Called by the compliance (ModularCompliance.callModuleFunction, by its owner).
    function setMaxHolders(uint256 _count) external onlyComplianceCall {
        _max[msg.sender] = _count;
        emit MaxHoldersSet(msg.sender, _count);
    }

    function maxHolders(address _compliance) external view returns (uint256) {
        return _max[_compliance];
    }

    function holderCount(address _compliance) external view returns (uint256) {
        return _holders[_compliance];
    }

    function moduleTransferAction(address _from, address _to, uint256 _value) external override onlyComplianceCall {
        _decrease(msg.sender, _identity(msg.sender, _from), _value);
        _increase(msg.sender, _identity(msg.sender, _to), _value);
    }

    function moduleMintAction(address _to, uint256 _value) external override onlyComplianceCall {
        _increase(msg.sender, _identity(msg.sender, _to), _value);
    }

    function moduleBurnAction(address _from, uint256 _value) external override onlyComplianceCall {
        _decrease(msg.sender, _identity(msg.sender, _from), _value);
    }

    function moduleCheck(address _from, address _to, uint256 _value, address _compliance)
        external view override returns (bool)
    {
        if (_value == 0) return true;
        address idTo = _identity(_compliance, _to);
        if (_idBalance[_compliance][idTo] > 0) return true;
        if (_from != address(0)) {
            address idFrom = _identity(_compliance, _from);
            // the sender's identity moves everything it holds: the count does not grow
            if (idFrom == idTo || _idBalance[_compliance][idFrom] == _value) return true;
        }
        return _holders[_compliance] < _max[_compliance];
    }

    function canComplianceBind(address _compliance) external view override returns (bool) {
        return IToken(IModularCompliance(_compliance).getTokenBound()).totalSupply() == 0;
    }

    function isPlugAndPlay() external pure override returns (bool) {
        return false;
    }

    function name() external pure override returns (string memory) {
        return "MaxHoldersModule";
    }

    function _identity(address _compliance, address _wallet) private view returns (address) {
        IToken token = IToken(IModularCompliance(_compliance).getTokenBound());
        return address(token.identityRegistry().identity(_wallet));
    }

    function _increase(address _compliance, address _id, uint256 _value) private {
        if (_value == 0) return;
        if (_idBalance[_compliance][_id] == 0) _holders[_compliance] += 1;
        _idBalance[_compliance][_id] += _value;
    }

    function _decrease(address _compliance, address _id, uint256 _value) private {
        uint256 balance = _idBalance[_compliance][_id];
        if (_value == 0 || balance == 0) return;
        // an identity the registry no longer knows reads as address(0): never underflow on it
        _idBalance[_compliance][_id] = balance > _value ? balance - _value : 0;
        if (balance <= _value) _holders[_compliance] -= 1;
    }
}
