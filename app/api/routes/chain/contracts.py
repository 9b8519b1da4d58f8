"""REST for dApp developers: compile, deploy (source, artifact, bytecode), list/show, call, transact,
upgrade and verify contracts. Thin: parse, authorize, call app.evm.contracts.service, serialize.

Writes sign with one of the server's dev accounts (``from``, default the first); with
AURIGRAPH_ENV=production there are none, and clients send signed transactions over JSON-RPC instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.api.deps import PrincipalDep, allow
from app.api.schemas.chain import (
    CallIn,
    CompileIn,
    ContractOut,
    DeployIn,
    DeployOut,
    SourceIn,
    TransactIn,
    UpgradeIn,
    VerifyIn,
)
from app.api.schemas.registry import Cursor
from app.errors import Kind
from app.evm.contracts.compiler import CompilationError, CompileMessage, compile_sources
from app.evm.contracts.service import ArtifactInvalid, Buildable, ContractService, parse_artifact
from app.evm.errors import InvalidParams, UnknownAccount
from app.rwa.audit import log as audit
from app.rwa.errors import PermissionDenied
from app.rwa.registry.access import Permission, Principal, Role

router = APIRouter(prefix="/contracts", tags=["contracts"])
WRITE = allow(Permission.CONTRACT_WRITE)  # compile, verify (both run solc), deploy, transact, upgrade


def _service(request: Request) -> ContractService:
    service: ContractService = request.app.state.contracts
    return service


def _require_upgrader(who: Principal, contract: dict[str, Any]) -> None:
    """Every REST write signs with the server's shared dev accounts, so the chain's proxy admin check
    alone would let any writer key upgrade any proxy: the key that deployed it (or an admin) only."""
    if who.role is not Role.ADMIN and contract.get("deployer_key") != who.prefix:
        raise PermissionDenied(
            f"contract {contract['address']} was deployed by another API key: only that key or an admin "
            "may upgrade it"
        )


def _sender(request: Request, value: str | None) -> bytes:
    chain = request.app.state.chain
    if not chain.accounts:
        raise UnknownAccount("this server holds no keys (production): send signed transactions over JSON-RPC")
    if value is None:
        return bytes(chain.accounts[0].address)
    addr = bytes.fromhex(value[2:])
    if addr not in {a.address for a in chain.accounts}:
        raise UnknownAccount(f"no key for account {value}: use one of eth_accounts")
    return addr


def _audit_hook(who: Principal) -> Callable[[Connection, str, dict[str, Any]], None]:
    def write(conn: Connection, action: str, payload: dict[str, Any]) -> None:
        with Session(bind=conn) as session:  # joins the block's transaction: both commit or neither
            audit.record(
                session,
                actor=who.actor,
                action=action,
                subject=f"contract:{payload.get('address')}",
                payload=payload,
            )
            session.flush()

    return write


def _compile_one(request: Request, src: SourceIn) -> Any:
    limit = request.app.state.settings.max_source_bytes
    if sum(len(v.encode()) for v in src.sources.values()) > limit:
        raise SourceTooLarge(f"sources larger than {limit} bytes")
    built = compile_sources(src.sources, runs=src.optimize_runs)
    if src.contract:
        if src.contract not in built:
            raise InvalidParams(
                f"no deployable contract {src.contract!r}; compiled: {', '.join(sorted(built))}"
            )
        return built[src.contract]
    own = [c for c in built.values() if c.source in src.sources]
    if len(own) != 1:
        raise InvalidParams(f"name the contract to deploy: {', '.join(sorted(c.name for c in own))}")
    return own[0]


def _buildable(request: Request, body: DeployIn | UpgradeIn) -> Buildable:
    given = [x for x in (body.source, body.artifact, body.bytecode) if x is not None]
    if len(given) != 1:
        raise InvalidParams("give exactly one of 'source', 'artifact' or 'bytecode' (with 'abi')")
    if body.source is not None:
        c = _compile_one(request, body.source)
        return Buildable(c.name, c.abi, c.bytecode, c.compiler_version, c.settings, c.source_hash)
    if body.artifact is not None:
        return parse_artifact(body.artifact)
    if body.abi is None:
        raise ArtifactInvalid("'bytecode' needs its 'abi'")
    return parse_artifact(
        {"abi": body.abi, "bytecode": body.bytecode, "contractName": body.name or "Contract"}
    )


class SourceTooLarge(InvalidParams):
    kind = Kind.TOO_LARGE
    code = "SOURCE_TOO_LARGE"


def _msg(m: CompileMessage) -> dict[str, Any]:
    return {"file": m.file, "line": m.line, "column": m.column, "severity": m.severity, "message": m.message}


@router.post("/compile", summary="Compile Solidity (offline solc, evmVersion prague)", dependencies=WRITE)
def compile_contracts(body: CompileIn, request: Request) -> dict[str, Any]:
    limit = request.app.state.settings.max_source_bytes
    if sum(len(v.encode()) for v in body.sources.values()) > limit:
        raise SourceTooLarge(f"sources larger than {limit} bytes")
    built = compile_sources(body.sources, runs=body.optimize_runs)
    return {
        "contracts": {k: c.artifact() for k, c in built.items()},
        "warnings": [_msg(m) for c in list(built.values())[:1] for m in c.warnings],
    }


@router.post(
    "",
    status_code=201,
    response_model=DeployOut,
    summary="Deploy from source, a Hardhat/Foundry artifact, or bytecode + ABI",
    dependencies=WRITE,
)
def deploy(body: DeployIn, request: Request, who: PrincipalDep) -> dict[str, Any]:
    svc = _service(request)
    build = _buildable(request, body)
    sender = _sender(request, body.sender)
    if body.upgradeable:
        init = (body.initializer.function, body.initializer.args) if body.initializer else None
        out = svc.deploy_upgradeable(
            build, init, sender=sender, on_record=_audit_hook(who), deployer_key=who.prefix
        )
    else:
        out = svc.deploy(
            build,
            body.args,
            sender=sender,
            value=body.value,
            gas=body.gas,
            on_record=_audit_hook(who),
            deployer_key=who.prefix,
        )
    result: dict[str, Any] = {"transaction": _tx(out)}
    if out.status and out.contract_address:
        result["contract"] = svc.get(bytes.fromhex(out.contract_address[2:]))
    return result


@router.get(
    "",
    response_model=list[ContractOut],
    summary="Contracts recorded by the registry",
    dependencies=allow(Permission.CHAIN_READ),
)
def list_contracts(
    request: Request,
    who: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Cursor = 0,
) -> list[dict[str, Any]]:
    return _service(request).list(limit, offset)


@router.get(
    "/{address}",
    response_model=ContractOut,
    summary="One contract: ABI, build facts, implementation history",
    dependencies=allow(Permission.CHAIN_READ),
)
def show(address: str, request: Request, who: PrincipalDep) -> dict[str, Any]:
    return _service(request).get(_addr(address))


@router.post(
    "/{address}/call",
    summary="Read-only call by function name; result decoded by the ABI",
    dependencies=allow(Permission.CONTRACT_CALL),
)
def call(address: str, body: CallIn, request: Request, who: PrincipalDep) -> dict[str, Any]:
    sender = bytes.fromhex(body.sender[2:]) if body.sender else None
    return _service(request).call(_addr(address), body.function, body.args, sender=sender, value=body.value)


@router.post(
    "/{address}/transact",
    summary="State-changing call; receipt with decoded events or revert (audited)",
    dependencies=WRITE,
)
def transact(address: str, body: TransactIn, request: Request, who: PrincipalDep) -> dict[str, Any]:
    out = _service(request).transact(
        _addr(address),
        body.function,
        body.args,
        sender=_sender(request, body.sender),
        value=body.value,
        gas=body.gas,
        on_record=_audit_hook(who),
    )
    return _tx(out)


@router.post(
    "/{address}/upgrade",
    response_model=DeployOut,
    summary="Swap a proxy's implementation (the deploying API key or an admin; the recorded proxy admin)",
    dependencies=WRITE,
)
def upgrade(address: str, body: UpgradeIn, request: Request, who: PrincipalDep) -> dict[str, Any]:
    svc = _service(request)
    _require_upgrader(who, svc.get(_addr(address)))
    build = _buildable(request, body)
    call_spec = (body.call.function, body.call.args) if body.call else None
    out = svc.upgrade(
        _addr(address),
        build,
        call_spec,
        sender=_sender(request, body.sender),
        on_record=_audit_hook(who),
        deployer_key=who.prefix,
    )
    return {"transaction": _tx(out), "contract": svc.get(_addr(address))}


@router.post(
    "/{address}/verify",
    summary="Recompile a source and compare it with the deployed runtime code",
    dependencies=WRITE,  # runs solc
)
def verify(address: str, body: VerifyIn, request: Request, who: PrincipalDep) -> dict[str, Any]:
    return _service(request).verify(_addr(address), _compile_one(request, body.source))


def _addr(value: str) -> bytes:
    v = value[2:] if value.startswith("0x") else value
    if len(v) != 40:
        raise InvalidParams(f"invalid address {value!r}")
    try:
        return bytes.fromhex(v)
    except ValueError as exc:
        raise InvalidParams(f"invalid address {value!r}") from exc


def _tx(out: Any) -> dict[str, Any]:
    return {
        "tx_hash": out.tx_hash,
        "block_number": out.block_number,
        "status": out.status,
        "gas_used": out.gas_used,
        "effective_gas_price": out.effective_gas_price,
        "contract_address": out.contract_address,
        "events": out.events,
        "revert": out.revert,
    }


__all__ = ["CompilationError", "router"]
