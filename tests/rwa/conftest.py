"""Registry fixtures: a session factory on a fresh migrated database (SQLite and PostgreSQL), and an API
client (FastAPI TestClient with the real lifespan) holding an admin key."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import StarletteDeprecationWarning

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from tests.rwa.factories import make_key

with warnings.catch_warnings():  # starlette asks for `httpx2`, which is not installed: httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def sm(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@dataclass
class Api:
    client: TestClient
    sm: sessionmaker[Session]
    admin: str
    settings: Settings

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin}"}

    def call(self, method: str, path: str, token: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.request(method, path, headers=self.headers(token) | kw.pop("headers", {}), **kw)  # type: ignore[operator]


def make_api(url: str, tmp_path: Path, **overrides: object) -> Iterator[Api]:
    settings = Settings(database_url=url, data_dir=tmp_path / "data", **overrides)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        sm = client.app.state.sessionmaker  # type: ignore[attr-defined]
        with sm.begin() as session:
            admin = make_key(session, "admin")
        yield Api(client, sm, admin, settings)


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(db_url, tmp_path)


@pytest.fixture
def sqlite_api(sqlite_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(sqlite_url, tmp_path)
