"""Every uint256 column is exact on SQLite and PostgreSQL: through the ORM/Core, through the driver-level bulk
writes of a block's commit, after a restart, and across migration 0004 (issue 11, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import rlp
from alembic import command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
    text,
)

import app.models  # noqa: F401  (every table on Base.metadata)
from app.config import Settings
from app.db import Base, make_engine
from app.evm.node.chain import Chain
from app.evm.storage.bulk import insert_rows
from app.evm.storage.uint256 import MAX, Uint256
from app.migrate import alembic_config

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def _uint_tables() -> list[tuple[Table, list[str]]]:
    """Every table with a uint256 column, and those columns (tables with foreign keys are left out: a
    row there needs parents)."""
    out = []
    for table in Base.metadata.sorted_tables:
        cols = [c.name for c in table.columns if isinstance(c.type, Uint256)]
        if cols and not table.foreign_keys:
            out.append((table, cols))
    return out


def _filler(column: Any, n: int) -> Any:
    """A value for a required column that is not under test (unique per example through ``n``)."""
    t = column.type
    if isinstance(t, Uint256):
        return n
    if isinstance(t, LargeBinary):
        return n.to_bytes(32, "big")[-(t.length or 32) :]
    if isinstance(t, Boolean):
        return True
    if isinstance(t, BigInteger | Integer):
        return n
    if isinstance(t, String | Text):
        return f"v{n}"
    if isinstance(t, DateTime):
        return datetime.now(UTC)
    raise AssertionError(f"no filler for {column.table.name}.{column.name} ({t})")


def _row(table: Table, n: int, value: int, under_test: list[str]) -> dict[str, Any]:
    row = {c.name: _filler(c, n) for c in table.columns if not c.nullable or c.primary_key}
    row.update(dict.fromkeys(under_test, value))
    return row


def test_the_chain_tables_are_covered():
    names = {t.name for t, _ in _uint_tables()}
    assert {"evm_block", "evm_tx"} <= names


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.integers(min_value=0, max_value=MAX))
@example(value=MAX)
@example(value=10**16 + 1)
@example(value=2**63)
@example(value=0)
def test_every_uint256_column_round_trips_exactly(db_url, value):
    engine = _engines.setdefault(db_url, create_engine(db_url))
    for table, cols in _uint_tables():
        key = table.primary_key.columns.values()[0]
        core = _row(table, 1, value, cols)
        bulk = _row(table, 2, value, cols)
        with engine.begin() as conn:
            conn.execute(delete(table))
            conn.execute(insert(table).values(**core))
            insert_rows(conn, table, tuple(bulk), [tuple(bulk.values())])  # the block commit's path
        with engine.connect() as conn:
            got = conn.execute(select(*[table.c[c] for c in cols]).order_by(key)).all()
        assert got == [tuple([value] * len(cols))] * 2, table.name


_engines: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    while _engines:
        _engines.popitem()[1].dispose()


def test_negative_and_oversized_values_are_refused(sqlite_url):
    engine = create_engine(sqlite_url)
    for bad in (-1, MAX + 1):
        with pytest.raises(Exception, match="not a uint256"), engine.begin() as conn:
            conn.execute(insert(Base.metadata.tables["evm_block"]).values(_row_block(bad)))
    engine.dispose()


def _row_block(base_fee: int) -> dict[str, Any]:
    return {
        "number": 1, "hash": b"\x01" * 32, "parent_hash": b"\x00" * 32, "timestamp": 1, "gas_used": 0,
        "gas_limit": 30_000_000, "base_fee": base_fee, "tx_count": 0, "header_rlp": b"",
    }  # fmt: skip


def test_a_gas_price_of_ten_to_the_sixteen_plus_one_reads_back_exactly_after_a_restart(db_url):
    """The reported repro: before, SQLite answered 10000000000000000 after a restart."""
    from eth_account import Account

    price = 10**16 + 1
    chain = Chain(make_engine(db_url), Settings(database_url=db_url))
    tx = {"nonce": 0, "gasPrice": price, "gas": 21_000, "to": "0x" + "11" * 20, "value": 1, "chainId": 31337}
    tx_hash = chain.send_raw_transaction(bytes(Account.from_key(KEY).sign_transaction(tx).raw_transaction))
    assert chain.transaction(tx_hash).effective_gas_price == price
    chain.close()
    chain.engine.dispose()
    again = Chain(make_engine(db_url), Settings(database_url=db_url))
    try:
        assert again.transaction(tx_hash).effective_gas_price == price
    finally:
        again.close()
        again.engine.dispose()


# -- migration 0004 ---------------------------------------------------------------------------------------
def _header_rlp(base_fee: int) -> bytes:
    fields: list[bytes] = [b"\x00"] * 20
    fields[15] = base_fee.to_bytes(32, "big").lstrip(b"\x00")
    return rlp.encode(fields)


def _type2_raw(tip: int, cap: int) -> bytes:
    return b"\x02" + rlp.encode([1, 0, tip, cap, 21_000, b"\x11" * 20, 0, b"", [], 0, 1, 1])


def _legacy_raw(price: int) -> bytes:
    return rlp.encode([0, price, 21_000, b"\x11" * 20, 0, b"", 27, 1, 1])


def test_migration_0004_converts_existing_rows_exactly_and_round_trips(db_url):
    cfg = alembic_config()
    cfg.attributes["url"] = db_url
    command.downgrade(cfg, "0003_rwa_registry")
    engine = create_engine(db_url)
    big_fee, small_price, big_cap = 2**70 + 3, 10**16 + 1, 2**80 + 7
    with engine.begin() as conn:  # rows as the old code wrote them (SQLite: a float beyond 2^63)
        old = (lambda v: float(v) if v >= 2**63 else v) if engine.dialect.name == "sqlite" else int
        block = "insert into evm_block values (:n, :h, :p, 1, 0, 30000000, :fee, 1, :rlp)"
        conn.execute(
            text(block),
            {"n": 1, "h": b"\x01" * 32, "p": b"\x00" * 32, "fee": old(big_fee), "rlp": _header_rlp(big_fee)},
        )
        conn.execute(
            text(block), {"n": 2, "h": b"\x02" * 32, "p": b"\x01" * 32, "fee": old(7), "rlp": _header_rlp(7)}
        )
        tx = (
            "insert into evm_tx (hash, block_number, block_hash, tx_index, tx_type, sender, nonce, raw,"
            " status, gas_used, cumulative_gas_used, effective_gas_price, logs_bloom)"
            " values (:h, :n, :bh, 0, :t, :s, 0, :raw, true, 21000, 21000, :price, :bloom)"
        )
        common = {"s": b"\x03" * 20, "bloom": b"\x00" * 256}
        conn.execute(
            text(tx),
            dict(
                h=b"\xaa" * 32,
                n=1,
                bh=b"\x01" * 32,
                t=2,
                raw=_type2_raw(5, big_cap),
                price=old(big_fee + 5),
                **common,
            ),
        )
        conn.execute(
            text(tx),
            dict(
                h=b"\xbb" * 32,
                n=2,
                bh=b"\x02" * 32,
                t=0,
                raw=_legacy_raw(small_price),
                price=old(small_price),
                **common,
            ),
        )
    command.upgrade(cfg, "head")
    expect = {"fees": [big_fee, 7], "prices": [big_fee + 5, small_price]}
    assert _read(engine) == expect
    command.downgrade(cfg, "0003_rwa_registry")
    command.upgrade(cfg, "head")
    if engine.dialect.name == "postgresql":
        assert _read(engine) == expect
    else:  # the old schema keeps a float beyond 2^63; below it the values survive the round trip exactly
        got = _read(engine)
        assert got["fees"][1] == 7 and got["prices"][1] == small_price
    engine.dispose()


def _read(engine: Any) -> dict[str, list[int]]:
    blocks = Base.metadata.tables["evm_block"]
    txs = Base.metadata.tables["evm_tx"]
    with engine.connect() as conn:
        fees = conn.execute(select(blocks.c.base_fee).order_by(blocks.c.number)).scalars().all()
        prices = conn.execute(select(txs.c.effective_gas_price).order_by(txs.c.block_number)).scalars().all()
    return {"fees": list(fees), "prices": list(prices)}
