"""`aurigraph deploy | call | send`: contract commands on the configured database, in process.

They open the chain as its writer, so they refuse to run while a server holds the same database (stop it,
or use the REST API / JSON-RPC against it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer


def _service():  # type: ignore[no-untyped-def]
    from app.config import get_settings
    from app.db import make_engine
    from app.evm.chain import Chain
    from app.evm.contracts import ContractService
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    return ContractService(Chain(make_engine(settings.sqlalchemy_url), settings))


def _audit_hook(actor: str):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from app.rwa import audit

    def write(conn: Any, action: str, payload: dict[str, Any]) -> None:
        with Session(bind=conn) as session:
            audit.record(
                session,
                actor=actor,
                action=action,
                subject=f"contract:{payload.get('address')}",
                payload=payload,
            )
            session.flush()

    return write


def _sender(svc: Any, value: str | None) -> bytes:
    accounts = svc.chain.accounts
    if not accounts:
        raise typer.BadParameter("no dev accounts in production: send signed transactions over JSON-RPC")
    if value is None:
        return bytes(accounts[0].address)
    if value.isdigit():
        return bytes(accounts[int(value)].address)
    return bytes.fromhex(value.removeprefix("0x"))


def _args(values: list[str]) -> list[Any]:
    """Each argument is JSON when it parses (numbers, arrays, true/false), else a plain string."""
    out = []
    for v in values:
        try:
            out.append(json.loads(v))
        except json.JSONDecodeError:
            out.append(v)
    return out


def _run(fn: Any) -> None:
    from app.evm.abi import AbiError
    from app.evm.errors import EvmError

    try:
        fn()
    except (EvmError, AbiError) as exc:
        decoded = getattr(exc, "decoded", None)
        typer.echo(f"error: {exc}" + (f" {json.dumps(decoded)}" if decoded else ""), err=True)
        raise typer.Exit(1) from exc


def register(app: typer.Typer) -> None:
    @app.command()
    def deploy(
        target: Path = typer.Argument(
            ..., help="A .sol file, a Hardhat/Foundry artifact .json, or a .bin bytecode file."
        ),
        args: list[str] = typer.Argument(None, help="Constructor arguments (JSON or plain strings)."),
        contract: str = typer.Option(None, help="Which contract of the .sol file."),
        abi: Path = typer.Option(None, help="ABI JSON for a .bin file."),
        sender: str = typer.Option(None, "--from", help="Dev account address or index (default 0)."),
        upgradeable: bool = typer.Option(
            False, help="Deploy behind an EIP-1967 proxy administered by --from."
        ),
    ) -> None:
        """Deploy a contract and record it in the registry (with an audit entry)."""
        from rich.console import Console

        from app.evm.compiler import compile_files
        from app.evm.contracts import Buildable, parse_artifact

        def go() -> None:
            svc = _service()
            if target.suffix == ".sol":
                with Console(stderr=True).status(f"compiling {target.name}..."):
                    built = compile_files([target])
                c = (
                    built[contract]
                    if contract
                    else next(v for v in built.values() if v.source.endswith(target.name))
                )
                build = Buildable(c.name, c.abi, c.bytecode, c.compiler_version, c.settings, c.source_hash)
            elif target.suffix == ".json":
                build = parse_artifact(json.loads(target.read_text()))
            else:
                build = parse_artifact(
                    {
                        "bytecode": target.read_text().strip(),
                        "abi": json.loads(abi.read_text()) if abi else [],
                        "contractName": target.stem,
                    }
                )
            who = _sender(svc, sender)
            hook = _audit_hook("cli")
            if upgradeable:
                out = svc.deploy_upgradeable(build, None, sender=who, on_record=hook)
            else:
                out = svc.deploy(build, _args(args or []), sender=who, on_record=hook)
            typer.echo(
                f"{build.name} deployed at {out.contract_address} "
                f"(tx {out.tx_hash}, block {out.block_number}, gas {out.gas_used})"
                if out.status
                else f"deploy reverted: {json.dumps(out.revert)}"
            )
            svc.chain.close()

        _run(go)

    @app.command()
    def call(
        address: str = typer.Argument(..., help="A contract recorded in the registry."),
        function: str = typer.Argument(
            ..., help="Name or signature, e.g. balanceOf or transfer(address,uint256)."
        ),
        args: list[str] = typer.Argument(None, help="Arguments (JSON or plain strings)."),
        sender: str = typer.Option(None, "--from", help="Caller: dev account address or index (default 0)."),
    ) -> None:
        """Read-only call; prints the decoded result."""

        def go() -> None:
            svc = _service()
            out = svc.call(
                bytes.fromhex(address.removeprefix("0x")),
                function,
                _args(args or []),
                sender=_sender(svc, sender),
            )
            typer.echo(json.dumps(out["result"]))
            svc.chain.close()

        _run(go)

    @app.command()
    def send(
        address: str = typer.Argument(..., help="A contract recorded in the registry."),
        function: str = typer.Argument(..., help="Name or signature."),
        args: list[str] = typer.Argument(None, help="Arguments (JSON or plain strings)."),
        sender: str = typer.Option(None, "--from", help="Dev account address or index (default 0)."),
        value: int = typer.Option(0, help="Wei to send along."),
    ) -> None:
        """Send a transaction; prints status, gas and the decoded events (or the decoded revert)."""

        def go() -> None:
            svc = _service()
            out = svc.transact(
                bytes.fromhex(address.removeprefix("0x")),
                function,
                _args(args or []),
                sender=_sender(svc, sender),
                value=value,
            )
            typer.echo(
                f"{'ok' if out.status else 'reverted'}: tx {out.tx_hash} block {out.block_number} "
                f"gas {out.gas_used}"
            )
            for e in out.events:
                typer.echo(f"  {e.get('event') or 'log'} {json.dumps(e.get('args', e.get('topics')))}")
            if out.revert:
                typer.echo(f"  revert {json.dumps(out.revert)}")
            svc.chain.close()

        _run(go)
