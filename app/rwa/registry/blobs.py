"""The document store on disk: files named by their SHA-256, and the removal of files no version references.

A blob is written before its version row is flushed, so a committed row always has its file. A file
written for a transaction that then rolls back would stay behind: `forget_on_rollback` removes it right
after the rollback, and `sweep` removes any that a crash left (run at start-up).

Removal is safe against a concurrent upload of the same content because both hold the same lock while
they touch the file: `lock_blob` (a PostgreSQL advisory lock per hash; SQLite's write lock, which the
upload already holds) is taken by an upload before it writes the file and held until its commit, and by
the remover before it checks that no committed version references the hash."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from app.rwa.errors import DocumentCorrupted, PayloadTooLarge
from app.rwa.models import DocumentVersion
from app.rwa.repo import begin_write

_PENDING = "aurigraph.new_blobs"
_HOOKED = "aurigraph.blob_hooks"
# a temp file of an upload in flight is younger than this; older ones are left by a crash
_STALE_TMP_S = 3600


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

    def digests(self) -> list[str]:
        """The hashes of every stored file."""
        base = self.root / "sha256"
        if not base.is_dir():
            return []
        return [p.name for p in base.glob("??/*") if not p.name.startswith(".")]

    @staticmethod
    def _hash(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_blob(session: Session, sha256: str) -> None:
    """Hold the lock of one blob until this transaction ends (see the module docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("select pg_advisory_xact_lock(hashtext(:name || current_schema()))"),
            {"name": f"aurigraph-blob:{sha256}"},
        )
    else:
        begin_write(session)


def remove_unreferenced(session: Session, store: BlobStore, digests: Iterable[str]) -> list[str]:
    """Delete the files of `digests` that no committed version references; returns those deleted.
    Takes each blob's lock first, so an upload of the same content in flight is waited for."""
    removed = []
    for digest in sorted(set(digests)):
        lock_blob(session, digest)
        used = session.scalar(select(DocumentVersion.sha256).where(DocumentVersion.sha256 == digest).limit(1))
        if used is None and store.path(digest).exists():
            store.path(digest).unlink(missing_ok=True)
            removed.append(digest)
    return removed


def sweep(session: Session, store: BlobStore) -> list[str]:
    """Remove every file no version references (left by a crash between writing it and the rollback's
    clean-up), and upload temp files older than an hour. Run at start-up."""
    used = set(session.scalars(select(DocumentVersion.sha256).distinct()))
    base = store.root / "sha256"
    if base.is_dir():
        for tmp in base.glob("??/.upload-*"):
            if time.time() - tmp.stat().st_mtime > _STALE_TMP_S:
                tmp.unlink(missing_ok=True)
    return remove_unreferenced(session, store, (d for d in store.digests() if d not in used))


def forget_on_rollback(session: Session, store: BlobStore, sha256: str) -> None:
    """Remember that this transaction wrote blob `sha256`: should it roll back, the file is removed (in a
    transaction of its own, under the blob's lock) unless a committed version references it."""
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _clear)
        event.listen(session, "after_rollback", lambda s: _discard(s, store))
    session.info.setdefault(_PENDING, set()).add(sha256)


def _clear(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _discard(session: Session, store: BlobStore) -> None:
    digests = session.info.pop(_PENDING, None)
    bind = session.bind
    if not digests or not isinstance(bind, Engine):
        return  # a session bound to an outer connection (tests' savepoints): the outer owner decides
    with Session(bind=bind) as cleaner, cleaner.begin():
        remove_unreferenced(cleaner, store, digests)
