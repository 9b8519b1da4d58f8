"""What the command groups share: a session factory on the configured database, and the one-line failure."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

from app.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def registry_session() -> sessionmaker[Session]:
    """A session factory on the configured database (migrated first, unless AURIGRAPH_ENV=production)."""
    from app.db import make_engine, make_sessionmaker
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    return make_sessionmaker(make_engine(settings.sqlalchemy_url))


def fail(exc: Exception) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1)
