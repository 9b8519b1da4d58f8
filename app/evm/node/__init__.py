"""The node: ``Chain`` (one writer, one SQL transaction per mined block, reads, calls, traces, rewinds), its
genesis (dev defaults or a geth genesis file), dev accounts, transaction validation, gas estimation, call
traces, impersonated senders and the one-writer lock.

May import ``app.evm.execution``, ``app.evm.storage``, ``app.evm.errors``, ``app.evm.hexcodec`` and
``app.config``; never the JSON-RPC, the contract service or the conformance runner."""
