"""``aurigraph keys`` (API keys of the REST API) and ``aurigraph assets`` (read the asset registry): thin
wrappers over app/rwa."""

from __future__ import annotations

import typer

from app.cli.common import fail, registry_session

keys_app = typer.Typer(
    help="API keys of the REST API (roles: admin, issuer, agent, auditor, developer, investor)."
)
assets_app = typer.Typer(help="Read the asset registry.", no_args_is_help=True)


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
    from app.rwa.errors import RwaError
    from app.rwa.registry import keys

    try:
        with registry_session().begin() as session:
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
        fail(exc)
    typer.echo(f"created {key.role} key {key.prefix} ({key.name}); send as 'Authorization: Bearer <token>':")
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (prefix, role, name, created, revoked)."""
    from app.rwa.registry import keys

    with registry_session().begin() as session:
        for k in keys.list_keys(session):
            revoked = f"  revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else ""
            created = f"created {k.created_at:%Y-%m-%d} by {k.created_by}"
            typer.echo(f"{k.prefix}  {k.role:9s} {k.name}  {created}{revoked}")


@keys_app.command("revoke")
def keys_revoke(prefix: str = typer.Argument(..., help="The key's prefix (its public id).")) -> None:
    """Revoke an API key: it stops working at once."""
    from app.rwa.errors import RwaError
    from app.rwa.registry import keys

    try:
        with registry_session().begin() as session:
            keys.revoke_key(session, actor="cli", prefix=prefix)
    except RwaError as exc:
        fail(exc)
    typer.echo(f"revoked {prefix}")


@assets_app.command("list")
def assets_list() -> None:
    """Every asset: symbol, class, status, issued units, issuer."""
    from app.rwa.registry import assets

    with registry_session().begin() as session:
        for a in assets.list_assets(session):
            units = f"{a.issued_units:>30}"
            typer.echo(f"{a.symbol:12s} {a.asset_class:12s} {a.status:9s} {units} {a.issuer.name}")


@assets_app.command("holdings")
def assets_holdings(symbol: str = typer.Argument(..., help="Asset symbol.")) -> None:
    """The register of one asset: wallet, identity, balance, frozen units."""
    from app.rwa.errors import RwaError
    from app.rwa.registry import assets

    try:
        with registry_session().begin() as session:
            rows = assets.positions(session, symbol=symbol)
    except RwaError as exc:
        fail(exc)
    for p in rows:
        flag = "  FROZEN" if p.frozen else ""
        typer.echo(f"{p.wallet}  identity {p.identity_id:<5d} {p.balance:>32}  frozen {p.frozen_units}{flag}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys", no_args_is_help=True)
    app.add_typer(assets_app, name="assets")
