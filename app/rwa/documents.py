"""Documents of an asset (ERC-1643): named slots with versions; content stored on disk by SHA-256.

The database holds names, kinds, versions and hashes; the files live under `<documents_dir>/sha256/ab/<hash>`,
written atomically (temp file + rename), identical content stored once. Every read re-hashes the file.
A file written for a transaction that then rolls back stays as an unreferenced blob: harmless, as the
content is addressed by its hash, and collectable by a sweep of hashes no version references."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa import audit
from app.rwa.domain import DOCUMENT_NAME_RE, DocumentKind
from app.rwa.errors import DocumentCorrupted, DocumentNotFound, InvalidInput, PayloadTooLarge
from app.rwa.models import Document, DocumentVersion
from app.rwa.repo import asset_by_symbol, begin_write, utcnow


@dataclass(frozen=True, slots=True)
class BlobStore:
    root: Path
    max_bytes: int

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        if len(content) > self.max_bytes:
            raise PayloadTooLarge(self.max_bytes)
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists() and self._hash(target) == digest:
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The content, only if it still hashes to `sha256`."""
        try:
            content = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise DocumentCorrupted(f"content {sha256} is missing from the document store") from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise DocumentCorrupted(f"content {sha256} no longer matches its SHA-256")
        return content

    @staticmethod
    def _hash(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()


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
    begin_write(session)
    asset = asset_by_symbol(session, symbol)
    digest = store.put(content)
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
