"""The `aurigraph` command: thin wrappers over the services."""

from __future__ import annotations

from pathlib import Path

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


@app.command()
def compile(
    files: list[Path] = typer.Argument(None, help="Solidity files (default: every contracts/src/*.sol)."),
    out: Path = typer.Option(None, help="Write one artifact JSON per contract into this directory."),
    optimize_runs: int = typer.Option(200, help="Optimizer runs."),
) -> None:
    """Compile Solidity offline (solc as WebAssembly unless a native solc is on PATH), targeting the chain's
    EVM version; print each contract's size, or write artifacts (abi, bytecode, compiler, settings)."""
    import json

    from rich.console import Console

    from app.evm.compiler import CONTRACTS_SRC, CompilationError, compile_files

    console = Console(stderr=True)
    paths = files or sorted(CONTRACTS_SRC.glob("*.sol"))
    with console.status(f"compiling {len(paths)} file(s)..."):
        try:
            built = compile_files(paths, runs=optimize_runs)
        except CompilationError as exc:
            for m in exc.messages:
                console.print(f"[red]{m.severity}[/red] {m.file}:{m.line}:{m.column}: {m.message}")
            raise typer.Exit(1) from exc
    for name, c in sorted(built.items()):
        typer.echo(
            f"{name:24s} {len(c.deployed_bytecode):6d} bytes runtime  ({c.source}, solc {c.compiler_version})"
        )
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name.replace(':', '_').replace('/', '_')}.json").write_text(
                json.dumps(c.artifact(), indent=1, sort_keys=True) + "\n"
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
