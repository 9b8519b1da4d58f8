"""Audit fixtures: a sessionmaker on a fresh migrated database (SQLite and PostgreSQL), a throwaway key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, make_sessionmaker
from app.rwa.audit import log as audit


@pytest.fixture
def sm(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def key() -> audit.Signer:
    return audit.Signer.generate()
