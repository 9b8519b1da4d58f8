"""The app's OpenAPI document as a generated client needs it (issue 11, item 16).

FastAPI's own document says nothing about authentication and declares every 422 as its
`HTTPValidationError` (an array `detail`, `application/json`), a body the server never sends. This module
builds the document once from the routes and then, for every operation:

- `security` (HTTP bearer or the `X-API-Key` header) when the route depends on the API key, none otherwise;
- each error status it can answer (400, 401, 403, 404, 409, 413, 422, 503 as they apply) with the RFC 9457
  problem document that app/api/errors.py really sends, as `application/problem+json`.

It imports FastAPI and the API's dependencies only; routes declare their own success bodies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import get_principal, get_token

PROBLEM_JSON = "application/problem+json"
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}]
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API key: `Authorization: Bearer <key>`",
    },
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "the same API key"},
}
# app/api/errors.py `problem()`: these members always, plus the extras some errors carry
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is stable for clients to branch on",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "restriction_code": {"type": "integer", "description": "ERC-1404 code of a refused movement"},
        "index": {"type": "integer", "description": "the refused transfer of a batch"},
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "validation or compiler errors",
        },
        "field": {"type": "string"},
        "revert": {},
        "data": {},
    },
    "additionalProperties": True,
}
REASONS = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "No API key, or an unknown or revoked one",
    403: "The key's role or scope does not allow this",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Invalid input",
    503: "The database or the transfer committer could not answer; retry",
}
AUTH_DEPENDENCIES: set[Callable[..., Any]] = {get_principal, get_token}
# JSON-RPC (POST /rpc) answers its own envelope, not problem documents (app/api/rpc.py)
RPC_MESSAGE = {
    "type": "object",
    "required": ["jsonrpc", "method"],
    "properties": {
        "jsonrpc": {"const": "2.0"},
        "id": {"type": ["integer", "string", "null"]},
        "method": {"type": "string"},
        "params": {"type": "array"},
    },
}
RPC_ERROR = {"application/json": {"schema": {"type": "object", "required": ["jsonrpc", "error"]}}}
RPC_RESPONSES = {
    "204": {"description": "A notification (no id): no answer"},
    "413": {"description": "Body larger than MAX_BODY_BYTES", "content": RPC_ERROR},
    "415": {"description": "Not sent as application/json", "content": RPC_ERROR},
}
WRITES = {"post", "put", "patch", "delete"}


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json and /docs (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
            complete(doc, app.routes)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def complete(doc: dict[str, Any], routes: list[Any]) -> None:
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    # FastAPI keeps included routers as such: their routes, with prefix and dependencies, come from here
    for context in iter_route_contexts(routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        route = cast(APIRoute, context)
        for method in route.methods or ():
            op = doc["paths"].get(route.path_format, {}).get(method.lower())
            if op is not None:
                _complete_operation(op, route, method.lower())


def is_protected(route: APIRoute) -> bool:
    """A route needs a key when it reads the principal or the raw token, or declares a permission
    (deps.Require / RequireInGroup carry one; deps.Public does not)."""
    return any(
        d.call in AUTH_DEPENDENCIES or getattr(d.call, "permission", None) is not None
        for d in _walk(route.dependant)
    )


def error_statuses(route: APIRoute, method: str, op: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from what it takes and whether it needs a key."""
    out: set[int] = set()
    if not route.path.startswith("/v1"):
        return out
    has_body = "requestBody" in op
    out.add(503)  # every /v1 route reads the database
    if is_protected(route):
        out |= {401, 403}
    if op.get("parameters") or has_body:
        out |= {404, 422}  # a path or query names a resource; a body refers to wallets, identities, ...
    if has_body:
        out |= {400, 413}
    if method in WRITES:
        out.add(409)
    return out


def _complete_operation(op: dict[str, Any], route: APIRoute, method: str) -> None:
    if route.path == "/rpc":
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"anyOf": [RPC_MESSAGE, {"type": "array"}]}}},
        }
        op["responses"] |= RPC_RESPONSES
    if is_protected(route):
        op["security"] = SECURITY
    responses = op.setdefault("responses", {})
    for status in error_statuses(route, method, op):
        responses.setdefault(str(status), {"description": REASONS[status]})
    for status, declared in responses.items():
        if status[0] in "45" and route.path.startswith("/v1"):  # FastAPI's own 422 included
            declared["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        if status == "401":
            declared["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)
