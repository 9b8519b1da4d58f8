"""Documents of an asset (ERC-1643): named slots with versions; content stored on disk by SHA-256.

The database holds names, kinds, versions and hashes; the files live under `<documents_dir>/sha256/ab/<hash>`
(`blobs.py`), written atomically (temp file + rename), identical content stored once. Every read
re-hashes the file. A file written for a transaction that then rolls back is removed after the rollback, and
any a crash left behind by the start-up sweep (`blobs.sweep`).

What a download is served as is decided here, not by the uploader: `served_media_type` keeps a short list of
document types and turns everything else (HTML, SVG, scripts) into application/octet-stream."""

from __future__ import annotations

import hashlib
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.audit import log as audit
from app.rwa.domain import DOCUMENT_NAME_RE, DocumentKind
from app.rwa.errors import DocumentNotFound, InvalidInput
from app.rwa.models import Document, DocumentVersion
from app.rwa.registry.blobs import BlobStore, forget_on_rollback, lock_blob
from app.rwa.repo import asset_by_symbol, begin_write, utcnow

__all__ = ["BlobStore", "download", "get_document", "list_documents", "remove", "served_media_type", "upload"]

# types a browser shows as a document, never runs: served as recorded; anything else as octet-stream
SAFE_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
    }
)


def served_media_type(recorded: str) -> str:
    """The type a version is served as: its recorded type without parameters when on the safe list."""
    base = recorded.split(";", 1)[0].strip().lower()
    return base if base in SAFE_MEDIA_TYPES else "application/octet-stream"


def check_filename(filename: str | None) -> None:
    """A filename ends up in a response header: no control characters (CR, LF, NUL, ...), no line or
    paragraph separators, nothing but a name (no path)."""
    if filename is None:
        return
    bad = [c for c in filename if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    if bad:
        raise InvalidInput(f"filename {filename!r} contains control characters")
    if not filename.strip() or "/" in filename or "\\" in filename:
        raise InvalidInput(f"filename {filename!r}: a file name without a path")


def _document(session: Session, asset_id: int, name: str) -> Document | None:
    return session.scalars(
        select(Document).where(Document.asset_id == asset_id, Document.name == name)
    ).first()


def upload(
    session: Session,
    store: BlobStore,
    *,
    actor: str,
    symbol: str,
    name: str,
    kind: str,
    content: bytes,
    media_type: str = "application/octet-stream",
    filename: str | None = None,
) -> tuple[Document, DocumentVersion]:
    """Store a new version of document `name` (creating the slot, or reviving a removed one)."""
    if not DOCUMENT_NAME_RE.match(name):
        raise InvalidInput(f"document name {name!r}: 1-64 of a-z, 0-9, '.', '_', '-'")
    if kind not in DocumentKind.__members__.values():
        raise InvalidInput(f"unknown document kind {kind!r}; one of {', '.join(DocumentKind)}")
    if not content:
        raise InvalidInput("the document is empty")
    check_filename(filename)
    begin_write(session)
    asset = asset_by_symbol(session, symbol)
    lock_blob(session, hashlib.sha256(content).hexdigest())  # held until commit: see blobs.py
    digest = store.put(content)
    forget_on_rollback(session, store, digest)
    now = utcnow()
    doc = _document(session, asset.id, name)
    if doc is None:
        doc = Document(asset_id=asset.id, name=name, kind=kind, created_at=now)
        session.add(doc)
        session.flush()
    doc.kind, doc.removed_at = kind, None
    version = DocumentVersion(
        document_id=doc.id,
        version=len(doc.versions) + 1,
        sha256=digest,
        size=len(content),
        media_type=media_type,
        filename=filename,
        uploaded_by=actor,
        created_at=now,
    )
    doc.versions.append(version)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="document.set",
        subject=f"asset:{symbol}",
        payload={
            "name": name,
            "kind": kind,
            "version": version.version,
            "sha256": digest,
            "size": len(content),
            "media_type": media_type,
            "filename": filename,
        },
    )
    return doc, version


def remove(session: Session, *, actor: str, symbol: str, name: str) -> Document:
    """ERC-1643 removeDocument: the slot is marked removed; its versions stay for the record."""
    begin_write(session)
    asset = asset_by_symbol(session, symbol)
    doc = _document(session, asset.id, name)
    if doc is None or doc.removed_at is not None:
        raise DocumentNotFound(f"{symbol}/{name}")
    doc.removed_at = utcnow()
    session.flush()
    latest = doc.versions[-1]
    audit.record(
        session,
        actor=actor,
        action="document.remove",
        subject=f"asset:{symbol}",
        payload={"name": name, "version": latest.version, "sha256": latest.sha256},
    )
    return doc


def get_document(session: Session, symbol: str, name: str, *, include_removed: bool = False) -> Document:
    asset = asset_by_symbol(session, symbol)
    doc = _document(session, asset.id, name)
    if doc is None or (doc.removed_at is not None and not include_removed):
        raise DocumentNotFound(f"{symbol}/{name}")
    _ = doc.versions
    return doc


def list_documents(session: Session, symbol: str) -> list[Document]:
    asset = asset_by_symbol(session, symbol)
    stmt = (
        select(Document)
        .where(Document.asset_id == asset.id, Document.removed_at.is_(None))
        .order_by(Document.name)
    )
    docs = list(session.scalars(stmt))
    for d in docs:
        _ = d.versions
    return docs


def download(
    session: Session, store: BlobStore, symbol: str, name: str, version: int | None = None
) -> tuple[DocumentVersion, bytes]:
    """A version's content (default: the latest), verified against the SHA-256 recorded for it."""
    doc = get_document(session, symbol, name)
    if version is None:
        v = doc.versions[-1]
    else:
        found = [x for x in doc.versions if x.version == version]
        if not found:
            raise DocumentNotFound(f"{symbol}/{name} version {version}")
        v = found[0]
    return v, store.get(v.sha256)
