// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A minimal EIP-1967 upgradeable proxy. The admin may swap the implementation (and may not call
/// through the proxy, so admin calls never collide with implementation functions: the transparent pattern).
contract AuriProxy {
    // bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    // bytes32(uint256(keccak256("eip1967.proxy.admin")) - 1)
    bytes32 internal constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;

    event Upgraded(address indexed implementation);
    event AdminChanged(address previousAdmin, address newAdmin);

    error NotAdmin(address caller);
    error NotAContract(address implementation);
    error AdminCannotFallback();

    constructor(address implementation, address admin, bytes memory initData) payable {
        _setImplementation(implementation);
        assembly {
            sstore(ADMIN_SLOT, admin)
        }
        emit AdminChanged(address(0), admin);
        if (initData.length > 0) {
            (bool ok, bytes memory ret) = implementation.delegatecall(initData);
            if (!ok) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }

    function upgradeToAndCall(address implementation, bytes calldata data) external payable {
        if (msg.sender != _admin()) revert NotAdmin(msg.sender);
        _setImplementation(implementation);
        if (data.length > 0) {
            (bool ok, bytes memory ret) = implementation.delegatecall(data);
            if (!ok) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }

    function _admin() internal view returns (address a) {
        assembly {
            a := sload(ADMIN_SLOT)
        }
    }

    function _setImplementation(address implementation) internal {
        if (implementation.code.length == 0) revert NotAContract(implementation);
        assembly {
            sstore(IMPLEMENTATION_SLOT, implementation)
        }
        emit Upgraded(implementation);
    }

    fallback() external payable {
        if (msg.sender == _admin()) revert AdminCannotFallback();
        assembly {
            let impl := sload(IMPLEMENTATION_SLOT)
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    receive() external payable {
        if (msg.sender == _admin()) revert AdminCannotFallback();
    }
}
