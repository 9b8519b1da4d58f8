"""The `aurigraph` command: thin wrappers over the services."""

from __future__ import annotations

import typer

from app.config import get_settings

app = typer.Typer(
    help="Aurigraph: a persisted py-evm chain behind Ethereum JSON-RPC, and an RWA registry.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema management (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default 127.0.0.1, AURIGRAPH_HOST)."),
    port: int = typer.Option(None, help="Port (default 8545, as anvil and Hardhat, AURIGRAPH_PORT)."),
) -> None:
    """Run the server in the foreground: JSON-RPC on / and /rpc, REST under /v1, OpenAPI at /docs.

    The database is migrated to the newest schema first unless AURIGRAPH_ENV=production."""
    import uvicorn

    from app.main import create_app
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="warning",
        access_log=False,
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision (default: newest).")) -> None:
    """Migrate the database (AURIGRAPH_DATABASE_URL, default a SQLite file under ./data) to REVISION."""
    from app.migrate import upgrade

    settings = get_settings()
    upgrade(settings.sqlalchemy_url, revision=revision)
    typer.echo(f"database at revision {revision}: {settings.sqlalchemy_url.split('@')[-1]}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
