"""Export the audit log for third parties (JSON Lines, CSV); `verify.py` checks an export offline.

JSON Lines format "aurigraph-audit-export/1", one JSON object per line, every line ends with a newline:

  line 1      {"type":"header","format":"aurigraph-audit-export/1","public_key":<hex Ed25519>,...}
              (informational but for `format`: verifiers should be given the published key, not trust this)
  lines 2..   {"type":"entry","seq","time","actor","action","subject","asset","payload","prev_hash","hash"}
              `hash` = canonical.entry_hash(seq, time, actor, action, subject, asset,
              canonical_json(payload), prev_hash); in an export filtered by asset, also "proof": the RFC 6962
              audit path of leaf seq-1 in the checkpoint's tree (hex hashes, leaf upwards)
  last line   {"type":"checkpoint","tree_size","root","timestamp","signature",
               "export":{"from_seq","to_seq","asset","count"[,"seqs"]},"export_signature"[,"head_proof"]}
              `signature` (Ed25519) covers canonical.checkpoint_message(tree_size, root, timestamp): the log
              had `tree_size` entries with Merkle root `root`. `export_signature` covers
              canonical.export_message({tree_size, root, timestamp, **export}): which entries this file holds
              (`seqs` lists them when filtered by asset). `head_proof` (range exports) is the audit path of
              the last entry, whose hash pins every earlier one through prev_hash. `previous` (the latest
              checkpoint the server stored, {"tree_size","root","timestamp","signature"}) and `consistency`
              (the RFC 6962 proof from it to this tree): this log extends what was signed before.

Entry lines are byte-exact: orjson's rendering of those fields in that order, the payload as its canonical
text. The verifier rebuilds each line from what it parsed and refuses any other bytes, so what a reader sees
(no duplicate keys, no reformatting) is what was hashed.

A full export (from 1 to tree_size, no asset) is verified by recomputing the chain and the Merkle root; a
range by the chain and `head_proof`; an asset's entries each by their proof. Either way the checkpoint's
and the statement's signatures, the count and the expected seqs come first, and the first bad line wins.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.rwa.audit.canonical import export_message, format_time
from app.rwa.audit.log import (
    Signer,
    extend,
    latest_checkpoint,
    leaf_data,
    sign_checkpoint,
    signer,
    tree_size,
)
from app.rwa.audit.merkle import MerkleTree, RootAccumulator, merkle_root, root_and_path
from app.rwa.audit.models import AuditEntry
from app.rwa.audit.verify import FORMAT, PROGRESS_EVERY, Progress, entry_line
from app.rwa.errors import InvalidInput

__all__ = ["FORMAT", "ExportSummary", "export_csv", "export_jsonl"]

_T = AuditEntry.__table__.c
_COLUMNS = [_T[c] for c in ("seq", "created_at", "actor", "action", "subject", "asset", "payload")]
_COLUMNS += [_T.prev_hash, _T.hash]


@dataclass(frozen=True, slots=True)
class ExportSummary:
    count: int
    tree_size: int
    root: bytes
    from_seq: int
    to_seq: int


def _check_asset(asset: str | None) -> None:
    if asset is not None and "\x00" in asset:  # no symbol holds one; PostgreSQL text cannot
        raise InvalidInput("asset: a symbol has no NUL character")


def _select(from_seq: int, to_seq: int, asset: str | None) -> Select[*tuple[Any, ...]]:
    stmt = select(*_COLUMNS).where(_T.seq >= from_seq, _T.seq <= to_seq)
    if asset is not None:
        stmt = stmt.where(_T.asset == asset)
    # yield_per streams (a server-side cursor on PostgreSQL): a million rows never sit in memory at once
    return stmt.order_by(_T.seq).execution_options(yield_per=10_000)


def _leaves(session: Session, size: int) -> Iterator[bytes]:
    """The Merkle leaves (entry hashes) of the first `size` entries, streamed in order."""
    stmt = select(_T.hash).where(_T.seq <= size).order_by(_T.seq).execution_options(yield_per=10_000)
    return (bytes(h) for h in session.connection().execute(stmt).scalars())


def _bounds(size: int, from_seq: int | None, to_seq: int | None) -> tuple[int, int]:
    return max(from_seq or 1, 1), size if to_seq is None else min(to_seq, size)


@contextmanager
def _open(out: IO[Any] | str | Path, mode: str) -> Iterator[IO[Any]]:
    if isinstance(out, str | Path):
        binary = "b" in mode
        with open(out, mode, newline=None if binary else "", encoding=None if binary else "utf-8") as f:
            yield f
    else:
        yield out


def export_jsonl(
    session: Session,
    out: IO[bytes] | str | Path,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    asset: str | None = None,
    key: Signer | None = None,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write entries from_seq..to_seq (default: all), optionally only those of `asset`, then a checkpoint
    signed now over the whole log as it stands and over what this file holds. `progress(done, total)` is
    told every PROGRESS_EVERY entries (total None for an asset's export, whose count is not known ahead).
    Only reads: it can run on a read replica."""
    _check_asset(asset)
    key = key or signer()
    # committed entries form a prefix (appends are serialized): the rows up to `size` are final
    size = tree_size(session)
    lo, hi = _bounds(size, from_seq, to_seq)
    total = max(hi - lo + 1, 0) if asset is None else None
    tell = progress or _silent
    tell(0, total)
    full = lo == 1 and hi == size and asset is None
    # memory stays O(log n) but for an asset's export, whose proofs need the whole tree (about 2n hashes)
    tree = MerkleTree(leaf_data(session, size)) if asset is not None else None
    root: bytes | None = None
    head_proof: list[bytes] | None = None
    if not full and asset is None:  # a range, pinned by its last entry's path in the whole tree
        if lo <= hi:
            root, head_proof = root_and_path(_leaves(session, size), hi - 1, size)
        else:
            root = merkle_root(_leaves(session, size))
    acc = RootAccumulator()
    seqs: list[int] = []  # only for an asset's export, whose statement lists them
    count = 0
    with _open(out, "wb") as f:
        header: dict[str, Any] = {"type": "header", "format": FORMAT, "public_key": key.public_key.hex()}
        header["hash"] = "sha256"
        header["merkle"], header["canonical_json"] = "rfc6962", "rfc8785-style"
        header["filter"] = {"from_seq": from_seq, "to_seq": to_seq, "asset": asset}
        f.write(orjson.dumps(header) + b"\n")
        for seq, at, actor, action, subject, ass, payload, prev, digest in session.connection().execute(
            _select(lo, hi, asset)
        ):
            digest = bytes(digest)
            proof = None
            if full:
                acc.add(digest)
            elif tree is not None:
                proof = [p.hex() for p in tree.inclusion_proof(seq - 1)]
                seqs.append(seq)
            e = {"seq": seq, "time": format_time(at), "actor": actor, "action": action, "subject": subject}
            e |= {"asset": ass, "prev_hash": bytes(prev).hex(), "hash": digest.hex()}
            f.write(entry_line(e, payload, proof) + b"\n")
            count += 1
            if count % PROGRESS_EVERY == 0:
                tell(count, total)
        if root is None:
            root = acc.root() if tree is None else tree.root()
        signed = sign_checkpoint(key, size, root)
        export: dict[str, Any] = {"from_seq": lo, "to_seq": hi, "asset": asset, "count": count}
        if asset is not None:
            export["seqs"] = seqs
        statement = {
            "tree_size": size,
            "root": root.hex(),
            "timestamp": format_time(signed.created_at),
            **export,
        }
        tail: dict[str, Any] = {"type": "checkpoint", "tree_size": size, "root": root.hex()}
        tail |= {"timestamp": statement["timestamp"], "signature": signed.signature.hex(), "export": export}
        tail["export_signature"] = key.sign(export_message(statement)).hex()
        if head_proof is not None:
            tail["head_proof"] = [p.hex() for p in head_proof]
        tail |= _link(session, size, root)
        f.write(orjson.dumps(tail) + b"\n")
    tell(count, count)
    return ExportSummary(count, size, root, lo, hi)


def _silent(_done: int, _total: int | None) -> None:
    pass


def _link(session: Session, size: int, root: bytes) -> dict[str, Any]:
    """`previous` and `consistency` for the checkpoint line: the latest stored checkpoint and the proof
    that this tree extends it (checked here too: a rewritten log is AuditLogTampered, not exported)."""
    prev = latest_checkpoint(session)
    if prev is None or prev.tree_size > size:  # none yet (or stored after our snapshot: no link)
        return {}
    again, proof = extend(session, prev, size)
    assert again == root
    previous = {"tree_size": prev.tree_size, "root": bytes(prev.root).hex()}
    previous |= {"timestamp": format_time(prev.created_at), "signature": bytes(prev.signature).hex()}
    return {"previous": previous, "consistency": [p.hex() for p in proof]}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    # spreadsheets run cells that start like a formula: quote them (the JSON Lines export is the exact record)
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(
    session: Session,
    out: IO[str] | str | Path,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    asset: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Entries as CSV for spreadsheets (RFC 4180, UTF-8, header row); not signed: verify the JSON Lines."""
    _check_asset(asset)
    lo, hi = _bounds(tree_size(session), from_seq, to_seq)
    total = max(hi - lo + 1, 0) if asset is None else None
    tell = progress or _silent
    tell(0, total)
    count = 0
    with _open(out, "w") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["seq", "time", "actor", "action", "subject", "asset", "payload", "prev_hash", "hash"])
        for seq, at, actor, action, subject, ass, payload, prev, digest in session.execute(
            _select(lo, hi, asset)
        ):
            texts = (actor, action, subject, ass or "", payload)
            w.writerow([seq, format_time(at), *map(_cell, texts), bytes(prev).hex(), bytes(digest).hex()])
            count += 1
            if count % PROGRESS_EVERY == 0:
                tell(count, total)
    tell(count, count)
    return count
