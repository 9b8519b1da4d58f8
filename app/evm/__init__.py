"""The chain: py-evm behind a persisted node, its Ethereum JSON-RPC, and the contract service.

Sub-packages, lowest first (each may import those below it, never those above; import-linter holds this):

- ``storage/``    the chain's tables and rows: models, uint256 column, bulk INSERTs, block records, rewinds
- ``execution/``  the py-evm seam: chain class, block building, calls, the SQL state store, tries, keccak
- ``node/``       the chain itself: ``Chain`` (writer, reader, call runner), genesis, validation, gas, traces
- ``rpc/``, ``contracts/``, ``conformance/``: the node's three users, independent of one another: the
  JSON-RPC methods, the contract service (compile, deploy, call by ABI), the ethereum/tests state-test runner

Shared by all: ``abc`` (``ChainAPI``: what the rest of the service may ask of the chain; everyone but the
composition roots holds the chain by it), ``errors`` (the ``EvmError`` tree) and ``hexcodec`` (JSON-RPC
value parsing, hex output).
"""
