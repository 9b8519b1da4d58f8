"""The audit log: append an entry in the caller's transaction, sign checkpoints, prove inclusion.

Every registry state change (and every contract deploy or upgrade) calls `record` inside the transaction that
makes the change, so the change and its entry commit or roll back together. Appends are serialized per
database: PostgreSQL takes a transaction-level advisory lock, SQLite takes its write lock, before the tail is
read; both hold until commit, so call `record` late in a transaction. Should a writer get past them anyway
(another isolation level, raw SQL), the unique seq and prev_hash make it fail instead of forking the chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.rwa import bulk
from app.rwa.audit.canonical import ZERO_HASH, canonical_json, checkpoint_message, entry_hash, format_time
from app.rwa.audit.merkle import MerkleTree, consistency_proof, merkle_root, verify_consistency
from app.rwa.audit.models import AuditCheckpoint, AuditEntry
from app.rwa.audit.signing_key import Signer, public_key, signer, verify_signature
from app.rwa.errors import (
    AuditChainConflict,
    AuditEntryNotFound,
    AuditLogTampered,
    InvalidInput,
    TreeSizeBeyondLog,
)

__all__ = [
    "Entry",
    "InclusionProof",
    "Signer",
    "checkpoint",
    "inclusion_proof",
    "latest_checkpoint",
    "public_key",
    "record",
    "record_many",
    "signer",
    "tree_size",
    "verify_signature",
]


def _lock(session: Session, name: str) -> None:
    """Serialize writers of the audit log until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        # keyed by schema, as the chain writer lock: schemas (tests, tenants) each have their own log
        session.execute(
            text("select pg_advisory_xact_lock(hashtext(:name || current_schema()))"), {"name": name}
        )
    else:
        # pysqlite opens its transaction at the first write, not at BEGIN: this no-op write takes SQLite's
        # write lock now (waiting busy_timeout for it), so what we read next stays true until commit
        session.execute(text("delete from audit_entry where 0"))


@dataclass(frozen=True, slots=True)
class Entry:
    """What one audit entry says; `record_many` numbers, times and chains it."""

    actor: str
    action: str
    subject: str
    payload: Mapping[str, Any]
    asset: str | None = None


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any],
    asset: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (flushed, never committed) and return it.

    `asset` tags the entry for `export --asset`; when omitted, a subject of the form "asset:<id>" gives it.
    Raises AuditPayloadError for a payload without canonical form, AuditChainConflict if another writer
    won the race."""
    entry = AuditEntry(**_chain(session, [Entry(actor, action, subject, payload, asset)])[0])
    session.add(entry)
    try:
        session.flush()
    except IntegrityError as exc:
        raise AuditChainConflict(f"entry {entry.seq}") from exc
    return entry


def record_many(session: Session, entries: Sequence[Entry]) -> None:
    """Append `entries` in order, one entry each, under one take of the log's lock; one INSERT for all."""
    if not entries:
        return
    rows = _chain(session, entries)
    try:
        bulk.insert_rows(session, _ENTRIES, rows)
    except IntegrityError as exc:
        raise AuditChainConflict(f"entries {rows[0]['seq']}..{rows[-1]['seq']}") from exc


def _chain(session: Session, entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """The rows of `entries` appended to the log: numbered, timed and hashed after its current tail.

    Takes the log's lock (held until commit) and reads the tail, so the caller must insert them in the same
    transaction; the unique seq and prev_hash refuse them should another writer have got past the lock."""
    bodies = [canonical_json(e.payload) for e in entries]  # a payload error before any lock is taken
    session.flush()  # the caller's pending rows first: their errors are theirs, not a chain conflict
    _lock(session, "aurigraph-audit-log:")
    tail = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (tail[0], tail[1]) if tail else (0, ZERO_HASH)
    now = datetime.now(UTC)
    stamp = format_time(now)
    rows = []
    for e, body in zip(entries, bodies, strict=True):
        asset = e.asset
        if asset is None and e.subject.startswith("asset:"):
            asset = e.subject.removeprefix("asset:")
        seq += 1
        digest = entry_hash(seq, stamp, e.actor, e.action, e.subject, asset, body, prev)
        rows.append(
            {"seq": seq, "created_at": now, "actor": e.actor, "action": e.action, "subject": e.subject}
            | {"asset": asset, "payload": body, "prev_hash": prev, "hash": digest}
        )
        prev = digest
    return rows


_ENTRIES: Table = AuditEntry.__table__


def tree_size(session: Session) -> int:
    return session.execute(select(func.coalesce(func.max(AuditEntry.seq), 0))).scalar_one()


def leaf_data(session: Session, size: int) -> list[bytes]:
    """The entry hashes of the first `size` entries, in order: the Merkle leaves."""
    rows = session.execute(select(AuditEntry.hash).where(AuditEntry.seq <= size).order_by(AuditEntry.seq))
    return [bytes(h) for h in rows.scalars()]


# -- checkpoints and proofs --------------------------------------------------------------------------------


def sign_checkpoint(key: Signer, size: int, root: bytes, at: datetime | None = None) -> AuditCheckpoint:
    """A signed checkpoint, not yet stored (exports sign their own without writing to the database)."""
    at = at or datetime.now(UTC)
    signature = key.sign(checkpoint_message(size, root, format_time(at)))
    return AuditCheckpoint(
        tree_size=size, root=root, created_at=at, public_key=key.public_key, signature=signature
    )


def checkpoint(session: Session, key: Signer | None = None) -> AuditCheckpoint:
    """Sign and store a checkpoint for the current tree size, or return the one already stored for it.

    The new checkpoint carries the RFC 6962 consistency proof from the previous one, and is signed only
    when that proof holds: a log whose signed prefix was rewritten (AuditLogTampered) is never signed."""
    size = tree_size(session)
    existing = session.get(AuditCheckpoint, size)
    if existing is not None:
        return existing
    key = key or signer()  # a missing key fails before any lock is taken
    # on PostgreSQL a lock of its own, so appends go on while the root is computed; SQLite has one write lock
    _lock(session, "aurigraph-audit-checkpoint:")
    existing = session.get(AuditCheckpoint, size, populate_existing=True)
    if existing is not None:  # a concurrent caller stored this size first: theirs is as good
        return existing
    prev = latest_checkpoint(session)
    root, proof = extend(session, prev, size)  # entries <= size are final: no lock needed for them
    signed = sign_checkpoint(key, size, root)
    signed.prev_tree_size = None if prev is None else prev.tree_size
    signed.consistency = b"".join(proof)
    session.add(signed)
    session.flush()
    return signed


def extend(session: Session, prev: AuditCheckpoint | None, size: int) -> tuple[bytes, list[bytes]]:
    """The root of the first `size` entries and the consistency proof from checkpoint `prev` to it,
    checked: AuditLogTampered when the log no longer extends what `prev` signed."""
    leaves = leaf_data(session, size)
    if prev is None or prev.tree_size == 0:
        return merkle_root(leaves), []
    old, root, proof = consistency_proof(leaves, prev.tree_size, size)
    prev_root = bytes(prev.root)
    if old != prev_root or not verify_consistency(prev.tree_size, size, prev_root, root, proof):
        raise AuditLogTampered(
            f"the first {prev.tree_size} entries no longer have the root signed in checkpoint "
            f"{prev.tree_size}: the log was rewritten; refusing to sign"
        )
    return root, proof


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1)
    ).first()


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Leaf `seq - 1` of the tree of `tree_size` entries is `entry_hash`; `path` leads to `root`."""

    seq: int
    entry_hash: bytes
    tree_size: int
    path: tuple[bytes, ...]
    root: bytes
    checkpoint: AuditCheckpoint | None  # the signed checkpoint at tree_size, when there is one


def inclusion_proof(
    session: Session, seq: int, size: int | None = None, *, key: Signer | None = None
) -> InclusionProof:
    """Prove entry `seq` against the tree of `size` entries (default: the latest checkpoint covering it).
    Verify with merkle.verify_inclusion(entry_hash, seq - 1, ...).

    With `key`, a proof against the current tree is never unsigned: when no checkpoint covers it yet, one is
    signed and stored now. A size beyond the log is TreeSizeBeyondLog."""
    entry = session.get(AuditEntry, seq)
    if entry is None:
        raise AuditEntryNotFound(seq)
    current = tree_size(session)
    if size is not None and size > current:
        raise TreeSizeBeyondLog(size, current)
    if size is None:
        latest = latest_checkpoint(session)
        size = latest.tree_size if latest is not None and latest.tree_size >= seq else current
    if size < seq:
        raise InvalidInput(f"entry {seq} is not in a tree of size {size}")
    signed = session.get(AuditCheckpoint, size)
    if signed is None and key is not None and size == current:
        signed = checkpoint(session, key)
    tree = MerkleTree(leaf_data(session, size))
    path = tuple(tree.inclusion_proof(seq - 1))
    return InclusionProof(seq, bytes(entry.hash), size, path, tree.root(), signed)
