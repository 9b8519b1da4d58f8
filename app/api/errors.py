"""The one mapping from an error's kind to an HTTP status, and the FastAPI exception handlers that apply
it to the REST API.

Errors are defined in their own packages on `app.errors.AppError`, each with its `kind` and `code`
(app/rwa/errors.py, app/evm/errors.py, app/oracles/errors.py, ...): adding one never touches this file.
Every REST error is an RFC 9457 problem document (`application/problem+json`) with the error's `code`
member clients can branch on, plus the members its `details()` adds (a refused transfer's
`restriction_code`, a revert's `revert` and `data`, ...). The JSON-RPC answers with the `rpc_code` the chain's
errors carry (app/evm/errors.py says why that number stays on the error)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import AppError, Kind

HTTP_STATUS: dict[Kind, int] = {
    Kind.INVALID: 422,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.TOO_LARGE: 413,
    Kind.UNAVAILABLE: 503,
    Kind.REFUSED: 400,
    Kind.INTERNAL: 500,
}

# Errors of libraries, which know no kinds: races the services do not pre-empt (two creates of one
# symbol), a database too busy to answer, and a value the database cannot hold (a NUL character, which
# PostgreSQL refuses in any text). Their own texts hold SQL: clients get these details instead.
DATABASE_ERRORS: dict[type[Exception], tuple[int, str, str]] = {
    IntegrityError: (409, "CONFLICT", "a concurrent request changed the same record; nothing was written"),
    OperationalError: (503, "DATABASE_UNAVAILABLE", "the database could not answer; retry"),
    DataError: (
        422,
        "INVALID_VALUE",
        "a value of this request cannot be stored or compared (e.g. a NUL character)",
    ),
}


def status_and_code(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, AppError):
        return HTTP_STATUS[exc.kind], exc.code
    for cls in type(exc).__mro__:
        if cls in DATABASE_ERRORS:
            return DATABASE_ERRORS[cls][:2]
    return 500, "INTERNAL_ERROR"


def problem(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    body |= {"code": code, **extra}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/problem+json", headers=headers
    )


async def _app_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    status = HTTP_STATUS[exc.kind]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, exc.code, str(exc), headers, **exc.details())


async def _database_error(_request: Request, exc: Exception) -> Response:
    status, code, detail = next(DATABASE_ERRORS[c] for c in type(exc).__mro__ if c in DATABASE_ERRORS)
    return problem(status, code, detail)


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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    for cls in DATABASE_ERRORS:
        app.add_exception_handler(cls, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
