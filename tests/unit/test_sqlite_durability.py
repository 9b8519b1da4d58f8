"""SQLite's durability setting: FULL (fsync every commit) unless NORMAL is asked for."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.db import make_engine

_LEVELS = {1: "NORMAL", 2: "FULL"}


@pytest.mark.parametrize(("asked", "expected"), [(None, "FULL"), ("FULL", "FULL"), ("NORMAL", "NORMAL")])
def test_every_connection_gets_the_asked_level_in_wal_mode(tmp_path, asked, expected):
    kwargs = {} if asked is None else {"sqlite_synchronous": asked}
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", **kwargs)
    with engine.connect() as a, engine.connect() as b:
        for conn in (a, b):
            assert _LEVELS[conn.execute(text("PRAGMA synchronous")).scalar_one()] == expected
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()


def test_an_unknown_level_is_refused(tmp_path):
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        make_engine(f"sqlite:///{tmp_path / 'x.db'}", sqlite_synchronous="OFF")
