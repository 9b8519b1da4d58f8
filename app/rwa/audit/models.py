"""Tables of the audit log. Both are append-only: database triggers (migration 0002) refuse UPDATE and DELETE.

``audit_entry.seq`` is the primary key and ``prev_hash`` is unique, so two writers that raced past the lock
can never both commit: the loser violates a constraint instead of forking the hash chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    # 1, 2, 3, ... without gaps; the Merkle leaf index is seq - 1 and the tree size is the last seq
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    # the asset an entry concerns, if any: what `export --asset` filters on
    asset: Mapped[str | None] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON, exactly the hashed bytes
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)


class AuditCheckpoint(Base):
    """A signed statement: at `created_at` the log held `tree_size` entries with Merkle root `root`."""

    __tablename__ = "audit_checkpoint"
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)  # Ed25519, raw 32 bytes
    signature: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)
    # the checkpoint before this one and the RFC 6962 consistency proof from it (32-byte hashes, joined);
    # NULL for the first checkpoint (and for those made before migration 0006)
    prev_tree_size: Mapped[int | None] = mapped_column(BigInteger)
    consistency: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def consistency_path(self) -> list[bytes]:
        data = bytes(self.consistency or b"")
        return [data[i : i + 32] for i in range(0, len(data), 32)]
