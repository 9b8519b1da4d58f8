"""The `aurigraph` command: thin wrappers over the services."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from app.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

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
    from app.cli_serve import run
    from app.main import create_app
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    # prints the URLs, chain id, database and (dev) the accounts with their keys once it listens
    run(create_app(settings), settings, host or settings.host, port or settings.port)


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

    from app.evm.contracts.compiler import CONTRACTS_SRC, CompilationError, compile_files

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


# -- registry: API keys, assets, demo data (thin wrappers over app/rwa) -----------------------------------

keys_app = typer.Typer(
    help="API keys of the REST API (roles: admin, issuer, agent, auditor, developer, investor)."
)
assets_app = typer.Typer(help="Read the asset registry.", no_args_is_help=True)
app.add_typer(keys_app, name="keys", no_args_is_help=True)
app.add_typer(assets_app, name="assets")


def _registry_session() -> sessionmaker[Session]:
    """A session factory on the configured database (migrated first, unless AURIGRAPH_ENV=production)."""
    from app.db import make_engine, make_sessionmaker
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    return make_sessionmaker(make_engine(settings.sqlalchemy_url))


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1)


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., help="admin, issuer, agent, auditor, developer or investor."),
    name: str = typer.Option(None, help="A label for the key (default: the role)."),
    issuer_id: int = typer.Option(None, help="issuer keys: the issuer they act for."),
    identity_id: int = typer.Option(None, help="investor keys: their identity."),
    asset: list[str] = typer.Option(None, help="agent keys: an asset symbol they act for (repeatable)."),
) -> None:
    """Create an API key and print its token (shown once; only its SHA-256 is stored).

    The first admin key is bootstrapped this way: `aurigraph keys create --role admin`."""
    from app.rwa import keys
    from app.rwa.errors import RwaError

    try:
        with _registry_session().begin() as session:
            key, token = keys.create_key(
                session,
                actor="cli",
                role=role,
                name=name or role,
                issuer_id=issuer_id,
                identity_id=identity_id,
                assets=asset or [],
            )
    except RwaError as exc:
        _fail(exc)
    typer.echo(f"created {key.role} key {key.prefix} ({key.name}); send as 'Authorization: Bearer <token>':")
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (prefix, role, name, created, revoked)."""
    from app.rwa import keys

    with _registry_session().begin() as session:
        for k in keys.list_keys(session):
            revoked = f"  revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else ""
            created = f"created {k.created_at:%Y-%m-%d} by {k.created_by}"
            typer.echo(f"{k.prefix}  {k.role:9s} {k.name}  {created}{revoked}")


@keys_app.command("revoke")
def keys_revoke(prefix: str = typer.Argument(..., help="The key's prefix (its public id).")) -> None:
    """Revoke an API key: it stops working at once."""
    from app.rwa import keys
    from app.rwa.errors import RwaError

    try:
        with _registry_session().begin() as session:
            keys.revoke_key(session, actor="cli", prefix=prefix)
    except RwaError as exc:
        _fail(exc)
    typer.echo(f"revoked {prefix}")


@assets_app.command("list")
def assets_list() -> None:
    """Every asset: symbol, class, status, issued units, issuer."""
    from app.rwa import assets

    with _registry_session().begin() as session:
        for a in assets.list_assets(session):
            units = f"{a.issued_units:>30}"
            typer.echo(f"{a.symbol:12s} {a.asset_class:12s} {a.status:9s} {units} {a.issuer.name}")


@assets_app.command("holdings")
def assets_holdings(symbol: str = typer.Argument(..., help="Asset symbol.")) -> None:
    """The register of one asset: wallet, identity, balance, frozen units."""
    from app.rwa import assets
    from app.rwa.errors import RwaError

    try:
        with _registry_session().begin() as session:
            rows = assets.positions(session, symbol=symbol)
    except RwaError as exc:
        _fail(exc)
    for p in rows:
        flag = "  FROZEN" if p.frozen else ""
        typer.echo(f"{p.wallet}  identity {p.identity_id:<5d} {p.balance:>32}  frozen {p.frozen_units}{flag}")


@app.command()
def demo(
    rpc: str = typer.Option(None, help="A running server's JSON-RPC URL (else the chain opens in process)."),
) -> None:
    """Seed a small realistic registry: an issuer, 3 assets, 12 verified investors in 11 countries, transfers
    (some refused), freezes, a forced transfer, a recovery, documents and demo API keys; then price feeds on
    our chain, pricing rules, a gold-backed loan and a few price rounds (app/cli_demo.py). Runs once."""
    from app import cli_demo
    from app.rwa import audit
    from app.rwa.audit_key import startup_key
    from app.rwa.demo import seed
    from app.rwa.documents import BlobStore
    from app.rwa.errors import AlreadySeeded

    settings = get_settings()
    if settings.production:
        _fail(RuntimeError("the demo data is for development: refused with AURIGRAPH_ENV=production"))
    store = BlobStore(settings.documents_dir, settings.max_upload_bytes)
    startup_key(settings)  # dev: the checkpoint key, made (and announced) the first time
    try:
        with _registry_session().begin() as session:
            s = seed(session, store)
            audit.checkpoint(session)
    except AlreadySeeded as exc:
        typer.echo(str(exc))
        cli_demo.run(rpc)  # the oracle half, unless it is there too (it may have failed the first time)
        return
    typer.echo(f"seeded {', '.join(s.assets)}; {s.investors} verified investors; {s.movements} movements")
    for what, code in s.refused:
        typer.echo(f"  refused: {what}: {code}")
    typer.echo(f"{s.documents} documents under {settings.documents_dir}")
    for role, token in s.keys.items():
        typer.echo(f"  {role:8s} key: {token}")
    cli_demo.run(rpc)  # feeds, pricing rules, a loan, price rounds


# -- audit trail, conformance, contracts ---------------------------------------------------------------------

audit_app = typer.Typer(
    help="The compliance audit trail: signing key, export, and verify offline.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


@audit_app.command("export")
def audit_export(
    out: Path = typer.Option(..., "--out", help="File to write."),
    from_seq: int = typer.Option(None, "--from", help="First sequence number (default: the first)."),
    to_seq: int = typer.Option(None, "--to", help="Last sequence number (default: the last)."),
    asset: str = typer.Option(None, help="Only the entries of this asset (with inclusion proofs)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (verifiable) or csv."),
) -> None:
    """Export the audit trail as JSON Lines ending with a signed checkpoint (or CSV for spreadsheets)."""
    from app.rwa.audit_export import audit_export as run

    raise typer.Exit(run(out, from_seq, to_seq, asset, fmt))


@audit_app.command("verify")
def audit_verify(
    file: Path = typer.Argument(..., help="A JSON Lines export."),
    pubkey: str = typer.Option(None, help="The published public key (hex, or a file holding it)."),
    trust_embedded_key: bool = typer.Option(
        False, help="Without --pubkey: check the file against the key it names (integrity only)."
    ),
) -> None:
    """Recompute hashes, chain, Merkle root, consistency with the previous checkpoint and signatures
    offline against the published key; exit 1 naming the first bad line, 2 without --pubkey."""
    from app.rwa.audit_export import audit_verify as run

    raise typer.Exit(run(file, pubkey, trust_embedded_key))


@audit_app.command("keygen")
def audit_keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (AURIGRAPH_AUDIT_KEY_PATH, default
    data/audit_ed25519.pem, mode 0600) and print its public key. Refuses to replace an existing key."""
    from app.rwa.audit_key import keygen
    from app.rwa.errors import AuditKeyExists

    path = get_settings().audit_key_file
    try:
        key = keygen(path)
    except AuditKeyExists as exc:
        _fail(exc)
    typer.echo(f"created the audit signing key {path}; publish its public key:")
    typer.echo(key.public_key.hex())


@audit_app.command("pubkey")
def audit_pubkey() -> None:
    """Print the public key (hex) that verifies checkpoints and exports: give it to auditors."""
    from app.rwa.audit_key import public_key
    from app.rwa.errors import AuditKeyError

    try:
        typer.echo(public_key(get_settings()).hex())
    except AuditKeyError as exc:
        _fail(exc)


@app.command()
def conformance(
    directory: Path = typer.Argument(..., help="Directory of filled GeneralStateTests JSON (recursive)."),
    fork: str = typer.Option("Cancun", help="Which fork's expectations to run."),
    json_out: Path = typer.Option(None, "--json", help="Write every case's result as JSON."),
    database_url: str = typer.Option(None, help="Run through this database (default: scratch SQLite)."),
    baseline_memorydb: bool = typer.Option(False, help="Run on py-evm's MemoryDB instead, for comparison."),
) -> None:
    """Run the official Ethereum state tests through our SQL state store; print a table per category and
    'N passed, M failed', then each failure with its file, index and reason."""
    from app.evm.conformance.cli import run_conformance

    raise typer.Exit(
        run_conformance(
            str(directory),
            fork,
            str(json_out) if json_out else None,
            database_url=database_url,
            baseline_memorydb=baseline_memorydb,
        )
    )


def _register_contract_commands() -> None:
    from app.cli_contracts import register

    register(app)


_register_contract_commands()


def _register_feed_commands() -> None:
    from app.cli_feeds import register

    register(app)


_register_feed_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
