"""The one table that maps error classes to HTTP status codes and machine-readable codes, and the
FastAPI exception handlers that apply it to the REST API.

Every REST error is an RFC 9457 problem document (`application/problem+json`) with a `code` member
clients can branch on; a refused transfer also carries `restriction_code` (its ERC-1404 code).
(The JSON-RPC side keeps its own codes on `app.evm.errors`; it answers with JSON-RPC errors, not these.)"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.routes.chain.blocks import TransactionNotFound
from app.api.routes.chain.contracts import SourceTooLarge
from app.evm import errors as ev
from app.evm.contracts.abi import AbiError
from app.evm.contracts.compiler import CompilationError
from app.evm.contracts.service import (
    ArtifactInvalid,
    ContractNotFound,
    ContractReverted,
    NotProxyAdmin,
    NotUpgradeable,
)
from app.rwa import errors as e
from app.rwa.alerts import errors as alert_errors
from app.rwa.collateral import errors as collateral_errors
from app.rwa.onchain import errors as onchain_errors
from app.rwa.tokenization import errors as tokenization_errors
from app.rwa.valuation import errors as valuation_errors

# most specific first is not required: the handler walks the exception's MRO and takes the nearest class
ERRORS: dict[type[Exception], tuple[int, str]] = {
    e.NotAuthenticated: (401, "UNAUTHENTICATED"),
    e.PermissionDenied: (403, "FORBIDDEN"),
    e.AssetNotFound: (404, "ASSET_NOT_FOUND"),
    e.IssuerNotFound: (404, "ISSUER_NOT_FOUND"),
    e.IdentityNotFound: (404, "IDENTITY_NOT_FOUND"),
    e.WalletNotFound: (404, "WALLET_NOT_FOUND"),
    e.DocumentNotFound: (404, "DOCUMENT_NOT_FOUND"),
    e.ApiKeyNotFound: (404, "KEY_NOT_FOUND"),
    e.AuditEntryNotFound: (404, "AUDIT_ENTRY_NOT_FOUND"),
    e.AuditKeyMissing: (503, "AUDIT_KEY_MISSING"),
    e.AuditKeyExists: (409, "AUDIT_KEY_EXISTS"),
    e.TreeSizeBeyondLog: (422, "TREE_SIZE_BEYOND_LOG"),
    alert_errors.AlertNotFound: (404, "ALERT_NOT_FOUND"),
    alert_errors.WebhookNotFound: (404, "WEBHOOK_NOT_FOUND"),
    alert_errors.InvalidWebhook: (422, "INVALID_WEBHOOK"),
    collateral_errors.PositionNotFound: (404, "POSITION_NOT_FOUND"),
    collateral_errors.InvalidPosition: (422, "INVALID_POSITION"),
    collateral_errors.PositionClosed: (409, "POSITION_CLOSED"),
    valuation_errors.FeedNotFound: (404, "FEED_NOT_FOUND"),
    valuation_errors.NoValuation: (404, "NO_VALUATION"),
    valuation_errors.PricingNotFound: (404, "PRICING_NOT_FOUND"),
    valuation_errors.FeedExists: (409, "FEED_EXISTS"),
    valuation_errors.NotAggregator: (422, "NOT_AN_AGGREGATOR"),
    valuation_errors.BadFeedDecimals: (422, "BAD_DECIMALS"),
    valuation_errors.InvalidFeed: (422, "INVALID_FEED"),
    valuation_errors.UnknownCurrency: (422, "UNKNOWN_CURRENCY"),
    valuation_errors.NoFxPath: (422, "NO_FX_PATH"),
    valuation_errors.InvalidPricing: (422, "INVALID_PRICING"),
    valuation_errors.InvalidAsOf: (422, "INVALID_AS_OF"),
    valuation_errors.BeforeAsset: (422, "BEFORE_ASSET"),
    onchain_errors.NotTokenized: (404, "NOT_TOKENIZED"),
    onchain_errors.AssetTokenized: (409, "ASSET_TOKENIZED"),
    onchain_errors.RuleNotExpressible: (422, "RULE_NOT_EXPRESSIBLE"),
    onchain_errors.TokenizeRefused: (422, "TOKENIZE_REFUSED"),
    tokenization_errors.ChainTxReverted: (409, "CHAIN_REVERTED"),
    tokenization_errors.PlatformNotDeployed: (404, "PLATFORM_NOT_DEPLOYED"),
    tokenization_errors.OperatorKeyMissing: (503, "OPERATOR_KEY_MISSING"),
    tokenization_errors.ChainNotMining: (409, "CHAIN_NOT_MINING"),
    e.NotFound: (404, "NOT_FOUND"),
    e.AlreadyExists: (409, "ALREADY_EXISTS"),
    e.InvalidUnits: (422, "INVALID_UNITS"),
    e.InvalidInput: (422, "INVALID_INPUT"),
    e.InvalidStatusTransition: (409, "INVALID_STATUS_TRANSITION"),
    e.SupplyCapExceeded: (409, "SUPPLY_CAP_EXCEEDED"),
    e.InsufficientUnits: (409, "INSUFFICIENT_UNITS"),
    e.WalletIdentityMismatch: (409, "WALLET_IDENTITY_MISMATCH"),
    # the code of a refused movement is its restriction's name (ASSET_PAUSED, LOCKED_UP, ...)
    e.AssetNotActive: (409, "ASSET_NOT_ACTIVE"),
    e.InsufficientFreeBalance: (409, "INSUFFICIENT_FREE_BALANCE"),
    e.ComplianceViolation: (422, "COMPLIANCE_VIOLATION"),
    e.PayloadTooLarge: (413, "PAYLOAD_TOO_LARGE"),
    e.DocumentCorrupted: (500, "DOCUMENT_CORRUPTED"),
    e.AlreadySeeded: (409, "ALREADY_SEEDED"),
    e.TransferNotCommitted: (503, "NOT_COMMITTED"),
    e.NothingToRecover: (409, "NOTHING_TO_RECOVER"),
    e.LastAdminKey: (409, "LAST_ADMIN_KEY"),
    e.AuditChainConflict: (409, "AUDIT_CONFLICT"),
    e.AuditPayloadError: (422, "AUDIT_PAYLOAD_INVALID"),
    e.AuditKeyError: (500, "AUDIT_KEY_ERROR"),
    e.AuditError: (500, "AUDIT_ERROR"),
    e.RwaError: (400, "REGISTRY_ERROR"),
    # races the services do not pre-empt (two creates of one symbol) and a database too busy to answer
    IntegrityError: (409, "CONFLICT"),
    OperationalError: (503, "DATABASE_UNAVAILABLE"),
    # a value the database cannot hold, e.g. a NUL character, which PostgreSQL refuses in any text
    DataError: (422, "INVALID_VALUE"),
}


def status_and_code(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, e.BatchRefused):
        return status_and_code(exc.error)
    for cls in type(exc).__mro__:
        if cls in ERRORS:
            status, code = ERRORS[cls]
            restriction = getattr(exc, "restriction", None)
            return status, (restriction.name if restriction is not None else code)
    return 500, "INTERNAL_ERROR"


def problem(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    body |= {"code": code, **extra}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/problem+json", headers=headers
    )


async def _registry_error(_request: Request, exc: Exception) -> Response:
    status, code = status_and_code(exc)
    extra: dict[str, Any] = {}
    restriction = getattr(exc, "restriction", None)
    if restriction is not None:
        extra["restriction_code"] = int(restriction)
    if isinstance(exc, e.BatchRefused):
        extra["index"] = exc.index
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    detail = (
        str(exc) if status < 500 or isinstance(exc, e.RwaError) else "the database could not answer; retry"
    )
    if isinstance(exc, IntegrityError):
        detail = "a concurrent request changed the same record; nothing was written"
    if isinstance(exc, DataError):  # its text holds the SQL statement: not for clients
        detail = "a value of this request cannot be stored or compared (e.g. a NUL character)"
    return problem(status, code, detail, headers, **extra)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    types = {err["type"] for err in errors}
    if "json_invalid" in types:
        return problem(400, "MALFORMED_JSON", "the request body is not valid JSON", errors=errors)
    code = "INVALID_UNITS" if "invalid_units" in types else "VALIDATION_ERROR"
    return problem(
        422, code, "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in errors), errors=errors
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not request.url.path.startswith("/v1"):
        return await http_exception_handler(request, exc)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
    return problem(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))


# The chain's errors as the REST API answers them (JSON-RPC answers them with their own codes).
EVM_ERRORS: dict[type[Exception], tuple[int, str]] = {
    AbiError: (422, "INVALID_ARGUMENT"),
    ContractNotFound: (404, "CONTRACT_NOT_FOUND"),
    TransactionNotFound: (404, "TRANSACTION_NOT_FOUND"),
    ev.BlockNotFound: (404, "BLOCK_NOT_FOUND"),
    SourceTooLarge: (413, "SOURCE_TOO_LARGE"),
    CompilationError: (422, "COMPILATION_ERROR"),
    ArtifactInvalid: (422, "INVALID_ARTIFACT"),
    ContractReverted: (422, "EXECUTION_REVERTED"),
    ev.ExecutionReverted: (422, "EXECUTION_REVERTED"),
    NotProxyAdmin: (403, "NOT_PROXY_ADMIN"),
    NotUpgradeable: (409, "NOT_UPGRADEABLE"),
    ev.UnknownAccount: (422, "UNKNOWN_ACCOUNT"),
    ev.NonceTooLow: (409, "NONCE_TOO_LOW"),
    ev.InsufficientFunds: (409, "INSUFFICIENT_FUNDS"),
    ev.InvalidTransaction: (422, "INVALID_TRANSACTION"),
    ev.OutOfGas: (422, "OUT_OF_GAS"),
    ev.ExecutionTimeout: (422, "EXECUTION_TIMEOUT"),
    ev.InvalidParams: (422, "INVALID_PARAMS"),
    ev.EvmError: (400, "CHAIN_ERROR"),
}


async def _chain_error(_request: Request, exc: Exception) -> Response:
    status, code = next((EVM_ERRORS[c] for c in type(exc).__mro__ if c in EVM_ERRORS), (400, "CHAIN_ERROR"))
    extra: dict[str, Any] = {}
    if isinstance(exc, AbiError) and exc.field:
        extra["field"] = exc.field
    if isinstance(exc, ContractReverted):
        extra["revert"] = exc.decoded
    if isinstance(exc, ev.EvmError) and exc.data is not None:
        extra["data"] = exc.data
    if isinstance(exc, CompilationError):
        extra["errors"] = [
            {"file": m.file, "line": m.line, "column": m.column, "severity": m.severity, "message": m.message}
            for m in exc.messages
        ]
    return problem(status, code, str(exc), **extra)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ev.EvmError, _chain_error)
    app.add_exception_handler(AbiError, _chain_error)
    app.add_exception_handler(e.RwaError, _registry_error)
    app.add_exception_handler(IntegrityError, _registry_error)
    app.add_exception_handler(OperationalError, _registry_error)
    app.add_exception_handler(DataError, _registry_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
