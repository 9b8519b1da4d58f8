"""Migration 0005 (access scoping) goes down and up again on a database with rows in it, on SQLite and
PostgreSQL: identities (a table wallets reference) and contracts with implementation history."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, text

from app.db import make_engine, make_sessionmaker
from app.evm.storage.models import ContractRow, ImplementationRow
from app.migrate import alembic_config
from tests.rwa.factories import make_investor, make_issuer


def test_down_and_up_with_rows(db_url):
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as s:
        issuer = make_issuer(s)
        make_investor(s, issuer_id=issuer.id)
        now = datetime.now(UTC)
        row = {"abi": "[]", "tx_hash": b"\x01" * 32, "block_number": 1, "created_at": now}
        cid = s.execute(
            insert(ContractRow).values(
                address=b"\x02" * 20,
                name="C",
                bytecode_hash=b"\x03" * 32,
                deployer=b"\x04" * 20,
                deployer_key="abcd1234",
                **row,
            )
        ).inserted_primary_key[0]
        s.execute(
            insert(ImplementationRow).values(contract_id=cid, version=1, implementation=b"\x05" * 20, **row)
        )
        issuer_id = issuer.id
    engine.dispose()
    cfg = alembic_config()
    cfg.attributes["url"] = db_url
    command.downgrade(cfg, "0004_exact_uint256")
    command.upgrade(cfg, "head")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        onboarded = conn.execute(text("SELECT onboarded_by_issuer_id FROM rwa_identity")).scalars().all()
        contracts = conn.execute(text("SELECT name, deployer_key FROM evm_contract")).all()
    engine.dispose()
    # PostgreSQL drops and re-adds the column; SQLite keeps it (it cannot drop a foreign-key column)
    assert onboarded == ([issuer_id] if db_url.startswith("sqlite") else [None])
    assert [tuple(c) for c in contracts] == [("C", None)]  # the deploying key is gone with the downgrade
