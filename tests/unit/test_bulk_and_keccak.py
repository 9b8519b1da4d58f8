"""The driver-level block writes (app/evm/storage/bulk.py) and the C keccak backend
(app/evm/execution/keccak.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from app.evm.storage.bulk import insert_rows
from app.evm.storage.models import KeyValue, TransactionRow


def _tx_row(h: bytes, to: bytes | None, price: int) -> tuple[object, ...]:
    return (
        h,
        1,
        b"\x01" * 32,
        0,
        2,
        b"\x02" * 20,
        to,
        7,
        b"raw",
        True,
        21_000,
        21_000,
        price,
        None,
        b"\x00" * 256,
        None,
    )


_TX_COLS = (
    "hash", "block_number", "block_hash", "tx_index", "tx_type", "sender", "to", "nonce", "raw", "status",
    "gas_used", "cumulative_gas_used", "effective_gas_price", "contract_address", "logs_bloom", "revert_data",
)  # fmt: skip


def test_rows_round_trip_with_a_reserved_word_column(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        insert_rows(conn, TransactionRow.__table__, _TX_COLS, [_tx_row(b"\xaa" * 32, b"\x03" * 20, 10**9)])
        insert_rows(conn, TransactionRow.__table__, _TX_COLS, [_tx_row(b"\xbb" * 32, None, 2**62)])
    with engine.connect() as conn:
        rows = {r.hash: r for r in conn.execute(select(TransactionRow.__table__))}
    assert rows[b"\xaa" * 32].to == b"\x03" * 20 and rows[b"\xaa" * 32].status is True
    assert rows[b"\xbb" * 32].to is None
    assert int(rows[b"\xaa" * 32].effective_gas_price) == 10**9
    engine.dispose()


def test_upsert_replaces_and_a_failed_transaction_writes_nothing(db_url):
    engine = create_engine(db_url)
    table = KeyValue.__table__
    with engine.begin() as conn:
        insert_rows(conn, table, ("key", "value"), [(b"k1", b"v1"), (b"k2", b"v2")], upsert_on="key")
        insert_rows(conn, table, ("key", "value"), [(b"k1", b"new")], upsert_on="key")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        insert_rows(conn, table, ("key", "value"), [(b"k3", b"v3")], upsert_on="key")
        raise RuntimeError("crash before commit")
    with engine.connect() as conn:
        kv = dict(conn.execute(select(table.c.key, table.c.value)).all())
    assert kv == {b"k1": b"new", b"k2": b"v2"}
    engine.dispose()


def test_a_plain_insert_of_an_existing_key_fails_instead_of_overwriting(sqlite_url):
    engine = create_engine(sqlite_url)
    table = KeyValue.__table__
    with engine.begin() as conn:
        insert_rows(conn, table, ("key", "value"), [(b"k", b"v")])
    with pytest.raises(Exception, match="(?i)unique|constraint"), engine.begin() as conn:
        insert_rows(conn, table, ("key", "value"), [(b"k", b"other")])
    engine.dispose()


def test_unknown_columns_are_refused(sqlite_url):
    engine = create_engine(sqlite_url)
    with pytest.raises(ValueError, match="no column"), engine.begin() as conn:
        insert_rows(conn, KeyValue.__table__, ("key", "nope"), [(b"k", b"v")])
    engine.dispose()


def test_the_chain_hashes_with_the_c_keccak_backend():
    from eth_hash.auto import keccak
    from eth_hash.backends import pysha3
    from eth_utils import keccak as eth_utils_keccak

    import app.evm.execution.pyevm  # noqa: F401  (selects the backend at import)

    assert keccak.hasher == pysha3.keccak256
    assert eth_utils_keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert (
        eth_utils_keccak(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )


def test_a_block_with_a_gas_price_beyond_64_bits_commits(db_url):
    """A uint256 price beyond 64 bits commits, and reads back exactly (SQLite too)."""
    from app.evm.storage.records import BlockRecord, TxRecord, insert_block

    engine = create_engine(db_url)
    price = 2**70 + 1
    tx = TxRecord(
        hash=b"\xcc" * 32, block_number=1, block_hash=b"\x01" * 32, tx_index=0, tx_type=2,
        sender=b"\x02" * 20,
        to=b"\x03" * 20, nonce=0, raw=b"raw", status=True, gas_used=21_000, cumulative_gas_used=21_000,
        effective_gas_price=price, contract_address=None, logs_bloom=b"\x00" * 256, revert_data=None, logs=(),
    )  # fmt: skip

    class Header:
        parent_hash, timestamp, gas_used, gas_limit, base_fee_per_gas = (
            b"\x00" * 32,
            1,
            21_000,
            30_000_000,
            price,
        )

    with engine.begin() as conn:
        insert_block(conn, BlockRecord(1, b"\x01" * 32, b"rlp", (tx.hash,)), [tx], Header())
    with engine.connect() as conn:
        got = conn.execute(select(TransactionRow.effective_gas_price)).scalar_one()
    assert got == price  # exact on both dialects (SQLite: zero-padded text, app/evm/storage/uint256.py)
    engine.dispose()
