"""The Ethereum JSON-RPC over the node, transport-free (``app/api/`` carries it over HTTP and WebSocket):
``eth`` (the dispatcher and the ``eth_``/``net_``/``web3_``/``debug_`` methods), ``dev`` and ``anvil`` (the
``evm_``/``anvil_``/``hardhat_`` dev-node methods), ``devnode`` (the node's identity), ``txpool``,
``proofs`` (with ``eth_createAccessList``), ``feehistory``, polling ``filters``, ``subscriptions``, and
``formatting`` (JSON shapes).

Holds the chain as a ``ChainAPI`` (``app/evm/abc.py``), never the node's ``Chain`` or its parts. May import
``app.evm.node``'s helpers, ``app.evm.execution``, the records of ``app.evm.storage`` (never its tables, bulk
writes or rewind), ``app.evm.errors`` and ``app.evm.hexcodec``; never the contract service."""
