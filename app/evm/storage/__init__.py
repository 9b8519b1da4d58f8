"""The chain's tables and rows: SQLAlchemy models (``evm_kv`` and the relational blocks, transactions, logs,
contracts), the exact uint256 column type, multi-row INSERTs, block/transaction/log records and their reads,
and the rows a rewind removes.

Imports SQLAlchemy and ``app.db`` only: nothing else of ``app.evm``, and no py-evm (``eth``)."""
