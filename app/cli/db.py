"""``aurigraph db upgrade``: the schema (Alembic) of the configured database."""

from __future__ import annotations

import typer

from app.config import get_settings

db_app = typer.Typer(help="Database schema management (Alembic).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision (default: newest).")) -> None:
    """Migrate the database (AURIGRAPH_DATABASE_URL, default a SQLite file under ./data) to REVISION."""
    from app.migrate import upgrade

    settings = get_settings()
    upgrade(settings.sqlalchemy_url, revision=revision)
    typer.echo(f"database at revision {revision}: {settings.sqlalchemy_url.split('@')[-1]}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
