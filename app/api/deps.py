"""Dependencies of the REST routers: the session (the caller owns the transaction), the principal behind
the API key and the one authorization dependency every route declares (`allow(Permission.X)`, the group-
committed transfer's `RequireInGroup`, or `PUBLIC_ROUTE`; the table: app/api/permissions.py), the document
store, and a bounded request body."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.rwa.errors import NotAuthenticated, PayloadTooLarge
from app.rwa.ledger.group_commit import TransferCommitter
from app.rwa.onchain.service import OnchainService
from app.rwa.registry import keys
from app.rwa.registry.access import Permission, Principal
from app.rwa.registry.documents import BlobStore


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit when the endpoint returns, roll back when it raises.

    scope="function" (below) closes it before the response is sent, so a failed commit is the
    client's error response, never a 200 for something that was not written."""
    with request.app.state.sessionmaker.begin() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return request.headers.get("x-api-key")


async def get_token(request: Request) -> str | None:
    """The API key as sent, unchecked: for a route that authenticates it itself (in a group commit)."""
    return _token(request)


TokenDep = Annotated[str | None, Depends(get_token)]


def get_principal(request: Request, session: SessionDep) -> Principal:
    return keys.authenticate(session, _token(request))


PrincipalDep = Annotated[Principal, Depends(get_principal, scope="function")]


@dataclass(frozen=True)
class Require:
    """The one authorization dependency: admits a key whose role holds `permission` (ROLE_PERMISSIONS),
    403 for any other key, 401 without a valid key. Every route declares one, as

        @router.get("/things", dependencies=allow(Permission.THING_READ))

    and a route that acts on an asset checks the asset scope itself (`who.require(permission, asset)`).
    tests/api/test_permissions.py enumerates the routes of create_app() and fails for a route without one."""

    permission: Permission

    def __call__(self, who: PrincipalDep) -> Principal:
        who.require(self.permission)
        return who


def require(permission: Permission) -> Require:
    return Require(permission)


def allow(permission: Permission) -> list[Any]:
    """`@router.get(..., dependencies=allow(Permission.X))`: the route's declared permission."""
    return [Depends(require(permission))]


@dataclass(frozen=True)
class RequireInGroup:
    """The declaration for a route whose key is authenticated and authorized later, with others, in one
    statement (group commit): hands the route the raw token; the group answers 401/403 per request."""

    permission: Permission

    async def __call__(self, request: Request) -> str | None:  # async: no worker thread for this
        token = _token(request)
        if token is None:  # no key at all needs no database to refuse
            raise NotAuthenticated()
        return token


@dataclass(frozen=True)
class Public:
    """The declaration of a route that needs no key (e.g. the audit public key)."""

    async def __call__(self) -> None:
        return None


public = Public()
PUBLIC_ROUTE: list[Any] = [Depends(public)]  # `dependencies=PUBLIC_ROUTE`: no key needed, on purpose


async def get_committer(request: Request) -> TransferCommitter:  # async: no worker thread for this
    committer: TransferCommitter = request.app.state.committer
    return committer


CommitterDep = Annotated[TransferCommitter, Depends(get_committer)]


async def get_onchain(request: Request) -> OnchainService:
    onchain: OnchainService = request.app.state.onchain
    return onchain


OnchainDep = Annotated[OnchainService, Depends(get_onchain)]


def get_store(request: Request) -> BlobStore:
    settings = request.app.state.settings
    return BlobStore(settings.documents_dir, settings.max_upload_bytes)


StoreDep = Annotated[BlobStore, Depends(get_store)]


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 as soon as it passes the upload limit (before it is all read)."""
    limit = request.app.state.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


BodyDep = Annotated[bytes, Depends(read_body)]
