"""Documents of an asset (ERC-1643): upload a version (raw body), list, read metadata, download, remove."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Response

from app.api.deps import BodyDep, PrincipalDep, SessionDep, StoreDep, allow
from app.api.schemas.registry import DocumentOut, Id
from app.rwa.registry import documents
from app.rwa.registry.access import Permission
from app.rwa.repo import asset_by_symbol

router = APIRouter(prefix="/assets/{symbol}/documents", tags=["documents"])
SERVED = sorted(documents.SAFE_MEDIA_TYPES | {"application/octet-stream"})


@router.get("", response_model=list[DocumentOut], dependencies=allow(Permission.DOCS_READ))
def list_documents(symbol: str, session: SessionDep, who: PrincipalDep) -> object:
    who.require(Permission.DOCS_READ, asset_by_symbol(session, symbol))
    return documents.list_documents(session, symbol)


@router.post(
    "/{name}",
    status_code=201,
    response_model=DocumentOut,
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {}}}},
    dependencies=allow(Permission.DOCS_WRITE),  # before the body is read (BodyDep)
)
def upload(
    symbol: str,
    name: str,
    session: SessionDep,
    who: PrincipalDep,
    store: StoreDep,
    content: BodyDep,
    kind: str = Query(..., description="prospectus, kyc_report, audit_report, legal, valuation, other"),
    filename: str | None = Query(None, max_length=255),
    content_type: Annotated[str, Header()] = "application/octet-stream",
) -> object:
    """Store a new version of document `name`; the body is the file itself (any media type)."""
    who.require(Permission.DOCS_WRITE, asset_by_symbol(session, symbol))
    doc, _ = documents.upload(
        session,
        store,
        actor=who.actor,
        symbol=symbol,
        name=name,
        kind=kind,
        content=content,
        media_type=content_type[:100],
        filename=filename,
    )
    return doc


@router.get("/{name}", response_model=DocumentOut, dependencies=allow(Permission.DOCS_READ))
def get_document(symbol: str, name: str, session: SessionDep, who: PrincipalDep) -> object:
    who.require(Permission.DOCS_READ, asset_by_symbol(session, symbol))
    return documents.get_document(session, symbol, name)


@router.get(
    "/{name}/content",
    response_class=Response,
    dependencies=allow(Permission.DOCS_READ),
    # what a generated client gets: the file itself, as one of the safe types it is served as
    responses={200: {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in SERVED}}},
)
def download(
    symbol: str,
    name: str,
    session: SessionDep,
    who: PrincipalDep,
    store: StoreDep,
    version: Id | None = None,
) -> Response:
    """The content, re-hashed on every read: served only if it still matches its recorded SHA-256."""
    who.require(Permission.DOCS_READ, asset_by_symbol(session, symbol))
    v, content = documents.download(session, store, symbol, name, version)
    headers = {"ETag": f'"{v.sha256}"', "X-Content-SHA256": v.sha256, "X-Document-Version": str(v.version)}
    headers |= {"Content-Disposition": content_disposition(v.filename or name)}
    # never rendered or sniffed as something active, whatever the uploader called it
    headers |= {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
    return Response(content, media_type=documents.served_media_type(v.media_type), headers=headers)


def content_disposition(filename: str) -> str:
    """RFC 6266: `attachment` with an ASCII fallback name and the exact name as RFC 8187 (5987) UTF-8
    `filename*`; quotes and backslashes cannot end the quoted string. (Control characters are refused at
    upload.)"""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.delete("/{name}", response_model=DocumentOut, dependencies=allow(Permission.DOCS_WRITE))
def remove(symbol: str, name: str, session: SessionDep, who: PrincipalDep) -> object:
    who.require(Permission.DOCS_WRITE, asset_by_symbol(session, symbol))
    return documents.remove(session, actor=who.actor, symbol=symbol, name=name)
