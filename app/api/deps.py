"""Dependencies of the REST routers: the session (the caller owns the transaction), the principal behind
the API key, the document store, and a bounded request body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.rwa import keys
from app.rwa.access import Principal
from app.rwa.documents import BlobStore
from app.rwa.errors import PayloadTooLarge
from app.rwa.group_commit import TransferCommitter


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


async def get_committer(request: Request) -> TransferCommitter:  # async: no worker thread for this
    return request.app.state.committer  # type: ignore[no-any-return]


CommitterDep = Annotated[TransferCommitter, Depends(get_committer)]


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
