"""The node: ``Chain`` (``chain``: the ``ChainAPI`` of ``app/evm/abc.py``, put together from the
``BlockWriter`` (``writer``: the pending pool, one SQL transaction per mined block, rewinds), the
``ChainReader`` (``reader``: headers, state, transactions, logs) and the ``CallRunner`` (``calls``: calls,
gas estimates, access lists, traces)), its genesis (``genesis/``: dev defaults or a geth genesis file, dev
accounts), transaction validation, gas estimation, call traces, impersonated senders and the one-writer
lock.

May import ``app.evm.execution``, ``app.evm.storage``, ``app.evm.errors``, ``app.evm.hexcodec`` and
``app.config``; never the JSON-RPC, the contract service or the conformance runner."""
