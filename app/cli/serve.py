"""``aurigraph serve``: migrate (dev), then run the server in the foreground (``app.cli.server``)."""

from __future__ import annotations

import typer

from app.config import get_settings


def serve(
    host: str = typer.Option(None, help="Interface to listen on (default 127.0.0.1, AURIGRAPH_HOST)."),
    port: int = typer.Option(None, help="Port (default 8545, as anvil and Hardhat, AURIGRAPH_PORT)."),
) -> None:
    """Run the server in the foreground: JSON-RPC on / and /rpc, REST under /v1, OpenAPI at /docs.

    The database is migrated to the newest schema first unless AURIGRAPH_ENV=production."""
    from app.cli.server import run
    from app.main import create_app
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    # prints the URLs, chain id, database and (dev) the accounts with their keys once it listens
    run(create_app(settings), settings, host or settings.host, port or settings.port)


def register(app: typer.Typer) -> None:
    app.command()(serve)
