"""Every schema change is a migration: up, down and up again on both dialects, and the models agree."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import app.models  # noqa: F401
from app.db import Base
from app.migrate import alembic_config


def test_downgrade_and_upgrade_round_trip(db_url):
    cfg = alembic_config()
    cfg.attributes["url"] = db_url
    command.downgrade(cfg, "base")
    engine = create_engine(db_url)
    assert not [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    command.upgrade(cfg, "head")
    assert "evm_kv" in inspect(engine).get_table_names()
    engine.dispose()


def test_models_match_the_migrated_schema(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
