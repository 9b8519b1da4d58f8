"""Ethereum state-test conformance: ``runner`` runs the filled GeneralStateTests of ethereum/tests through our
SQL state store and transaction validation (``aurigraph conformance``, app/cli/conformance.py, prints them).

May import ``app.evm.execution``, ``app.evm.storage``, the transaction validation of ``app.evm.node``,
``app.evm.errors`` and ``app.db``; never the JSON-RPC or the contract service."""
