"""`aurigraph tokenization init | show | tokenize`: the T-REX platform on our chain (app/rwa/tokenization),
and a registry asset tokenized on it (app/rwa/onchain); and `aurigraph check consistency`: every tokenized
asset's registry record against its token (app/rwa/onchain/consistency; a group of its own, kept here as
app/cli holds at most 12 modules).

`init` opens the chain in process as its writer (it refuses to run while a server holds the same database),
with the operator key configured by AURIGRAPH_OPERATOR_KEY_FILE or AURIGRAPH_OPERATOR_KEY (a dev chain
falls back to its first dev account; production refuses), and deploys the platform unless this database
records one already. Every deploy is recorded in the contract registry and audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from app.rwa.tokenization.platform import Platform

tokenization_app = typer.Typer(
    help="ERC-3643 tokenization (Tokeny's T-REX suite) on our chain.", no_args_is_help=True
)


def _print(platform: Platform) -> None:
    for role, value in asdict(platform).items():
        if isinstance(value, dict):
            for name, address in value.items():
                typer.echo(f"module {name}\t{address}")
        else:
            typer.echo(f"{role}\t{value}")


@tokenization_app.command("init")
def init() -> None:
    """Deploy the platform (implementation authority and implementations, TREXFactory, ONCHAINID IdFactory,
    KYC claim topics registry, ClaimIssuer, compliance modules) and print its addresses. Idempotent."""
    from app.cli.common import fail, registry_session
    from app.config import get_settings
    from app.evm.errors import EvmError
    from app.evm.node.chain import Chain
    from app.rwa.audit import chain as chain_audit
    from app.rwa.errors import RwaError
    from app.rwa.tokenization.operator import open_operator, operator_account
    from app.rwa.tokenization.platform import deploy_platform

    settings = get_settings()
    if settings.production:
        try:  # refuse before opening anything
            operator_account(settings, None)
        except RwaError as exc:
            fail(exc)
    sm = registry_session()
    try:
        chain = Chain(sm.kw["bind"], settings)
    except EvmError as exc:
        fail(exc)
    try:
        op = open_operator(chain, chain_audit.attach(chain), settings)
        typer.echo(f"operator\t{op.address}")
        _print(deploy_platform(op))
    except (RwaError, EvmError) as exc:
        fail(exc)
    finally:
        chain.close()


@tokenization_app.command("show")
def show() -> None:
    """The platform's addresses as this database records them."""
    from app.cli.common import fail, registry_session
    from app.rwa.tokenization.errors import PlatformNotDeployed
    from app.rwa.tokenization.platform import load_platform

    sm = registry_session()
    with sm.kw["bind"].connect() as conn:
        platform = load_platform(conn)
    if platform is None:
        fail(PlatformNotDeployed())
    _print(platform)


@tokenization_app.command("tokenize")
def tokenize(
    symbol: str = typer.Argument(..., help="the registry asset to tokenize"),
    actor: str = typer.Option("cli:operator", help="who the audit trail names"),
) -> None:
    """Tokenize a registry asset (as POST /v1/assets/{symbol}/tokenize): its rules become compliance
    modules (a rule the suite cannot express is refused before anything is deployed), its holders get
    ONCHAINIDs with KYC claims, its holdings are minted and its freezes mirrored, and its token becomes
    its book of record. Prints the token's addresses. Runs in process: not while a server holds the
    database (use the REST route then)."""
    from app.cli.common import fail, registry_session
    from app.config import get_settings
    from app.evm.errors import EvmError
    from app.evm.node.chain import Chain
    from app.rwa.audit import chain as chain_audit
    from app.rwa.errors import RwaError
    from app.rwa.onchain import service
    from app.rwa.onchain.tokenize import tokenize as tokenize_asset

    settings = get_settings()
    sm = registry_session()
    try:
        chain = Chain(sm.kw["bind"], settings)
    except EvmError as exc:
        fail(exc)
    try:
        svc = service.attach(chain, chain_audit.attach(chain), settings)
        done = tokenize_asset(svc, symbol, actor=actor)
        for role, value in asdict(done).items():
            typer.echo(f"{role}\t{value}")
    except (RwaError, EvmError) as exc:
        fail(exc)
    finally:
        chain.close()


check_app = typer.Typer(help="Checks of the registry against the chain.", no_args_is_help=True)


@check_app.command("consistency")
def consistency(
    repair: bool = typer.Option(False, "--repair", help="Print the corrective operations (never applied)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document instead of lines."),
    asset: list[str] = typer.Option(None, "--asset", help="Only this asset (repeatable; default: all)."),
) -> None:
    """Compare every tokenized asset's registry holdings, identities, frozen amounts, pause state and
    supply with its token at the chain's head; each difference is printed with asset, wallet and both
    values and raised as an alert (audit trail and alert stream). Exit 1 when any differs.

    Opens the chain in process: a server on the same database runs this check itself every
    AURIGRAPH_CONSISTENCY_INTERVAL_S seconds."""
    import orjson

    from app.cli.common import fail, registry_session
    from app.config import get_settings
    from app.evm.errors import EvmError
    from app.evm.node.chain import Chain
    from app.evm.node.writer_lock import WriterLockHeld
    from app.rwa.audit import chain as chain_audit
    from app.rwa.errors import RwaError
    from app.rwa.onchain import service
    from app.rwa.onchain.consistency import check
    from app.rwa.onchain.consistency import repair as repairs

    sm = registry_session()
    try:
        chain = Chain(sm.kw["bind"], get_settings())
    except WriterLockHeld as exc:  # a server runs on this database: it runs the check itself
        fail(
            RuntimeError(
                f"{exc}; the server checks every AURIGRAPH_CONSISTENCY_INTERVAL_S seconds and alerts"
            )
        )
    except EvmError as exc:
        fail(exc)
    try:
        # as every process that opens the chain (it mines nothing here)
        service.attach(chain, chain_audit.attach(chain))
        report = check.check(chain, asset or None)
        ops = []
        if repair:
            with chain.engine.connect() as conn:
                ops = repairs.operations(chain, conn, report)
        with sm.begin() as session:
            check.raise_alerts(session, report.differences)
    except (RwaError, EvmError) as exc:
        fail(exc)
    finally:
        chain.close()
    if as_json:
        body = report.view() | ({"repair": [op.view() for op in ops]} if repair else {})
        typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    else:
        n = len(report.differences)
        typer.echo(f"block {report.block_number}: {len(report.targets)} tokenized assets, {n} differences")
        for d in report.differences:
            typer.echo(d.line())
        for op in ops:
            typer.echo("")
            typer.echo(op.text())
    if report.differences:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(tokenization_app, name="tokenization")
    app.add_typer(check_app, name="check")
