"""Contracts on our chain: Solidity compilation (``compiler``), ABI encoding and decoding (``abi``), and the
contract service (``service``: deploy, record every deployment, call and transact by function name; with
``upgrades`` behind EIP-1967 proxies, ``artifacts`` it deploys, its ``outcomes`` and ``errors``). It holds
the chain as a ``ChainAPI``.

May import ``app.evm.node``, ``app.evm.execution``, ``app.evm.storage`` and ``app.evm.errors``; never the
JSON-RPC or the conformance runner."""
