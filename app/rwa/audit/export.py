"""Export the audit log for third parties (JSON Lines, CSV) and verify an export offline, without a database.

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

from app.rwa.audit.canonical import (
    ZERO_HASH,
    canonical_json,
    checkpoint_message,
    entry_hash,
    export_message,
    format_time,
)
from app.rwa.audit.log import (
    Signer,
    extend,
    latest_checkpoint,
    leaf_data,
    sign_checkpoint,
    signer,
    tree_size,
    verify_signature,
)
from app.rwa.audit.merkle import (
    MerkleTree,
    RootAccumulator,
    merkle_root,
    root_and_path,
    verify_consistency,
    verify_inclusion,
)
from app.rwa.audit.models import AuditEntry
from app.rwa.errors import AuditPayloadError, InvalidInput

__all__ = [
    "FORMAT",
    "ExportSummary",
    "VerifyResult",
    "audit_export",
    "audit_verify",
    "export_csv",
    "export_jsonl",
    "verify_jsonl",
]

FORMAT = "aurigraph-audit-export/1"

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


def _entry_line(e: dict[str, Any], payload: str | bytes, proof: list[str] | None) -> bytes:
    """The one byte form of an entry line (without its newline): the exporter writes it, the verifier
    rebuilds it from what it parsed and demands the same bytes, so what a reader sees is what was hashed."""
    line = {"type": "entry", "seq": e["seq"], "time": e["time"], "actor": e["actor"], "action": e["action"]}
    line |= {"subject": e["subject"], "asset": e["asset"], "payload": orjson.Fragment(payload)}
    line |= {"prev_hash": e["prev_hash"], "hash": e["hash"]}
    if proof is not None:
        line["proof"] = proof
    return orjson.dumps(line)


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
) -> ExportSummary:
    """Write entries from_seq..to_seq (default: all), optionally only those of `asset`, then a checkpoint
    signed now over the whole log as it stands and over what this file holds.
    Only reads: it can run on a read replica."""
    _check_asset(asset)
    key = key or signer()
    # committed entries form a prefix (appends are serialized): the rows up to `size` are final
    size = tree_size(session)
    lo, hi = _bounds(size, from_seq, to_seq)
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
            f.write(_entry_line(e, payload, proof) + b"\n")
            count += 1
        if root is None:
            root = acc.root() if tree is None else tree.root()
        cp = sign_checkpoint(key, size, root)
        export: dict[str, Any] = {"from_seq": lo, "to_seq": hi, "asset": asset, "count": count}
        if asset is not None:
            export["seqs"] = seqs
        statement = {"tree_size": size, "root": root.hex(), "timestamp": format_time(cp.created_at), **export}
        tail: dict[str, Any] = {"type": "checkpoint", "tree_size": size, "root": root.hex()}
        tail |= {"timestamp": statement["timestamp"], "signature": cp.signature.hex(), "export": export}
        tail["export_signature"] = key.sign(export_message(statement)).hex()
        if head_proof is not None:
            tail["head_proof"] = [p.hex() for p in head_proof]
        tail |= _link(session, size, root)
        f.write(orjson.dumps(tail) + b"\n")
    return ExportSummary(count, size, root, lo, hi)


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
) -> int:
    """Entries as CSV for spreadsheets (RFC 4180, UTF-8, header row); not signed: verify the JSON Lines."""
    _check_asset(asset)
    lo, hi = _bounds(tree_size(session), from_seq, to_seq)
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
    return count


# -- CLI entry points (plain functions: app/cli/audit.py wires them into typer) -----------------------------


def audit_export(
    out: str | Path,
    from_seq: int | None = None,
    to_seq: int | None = None,
    asset: str | None = None,
    fmt: str = "jsonl",
) -> int:
    """`aurigraph audit export`: write the file, print a one-line summary; exit code 0 (2: unknown format)."""
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker

    if fmt not in ("jsonl", "csv"):
        print(f"unknown format {fmt!r}: use jsonl or csv")
        return 2
    from app.rwa.errors import AuditKeyError

    try:
        key = signer() if fmt == "jsonl" else None
    except AuditKeyError as exc:
        print(f"error: {exc}")
        return 1
    engine = make_engine(get_settings().sqlalchemy_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            if fmt == "csv":
                count = export_csv(session, out, from_seq=from_seq, to_seq=to_seq, asset=asset)
                print(f"{count} entries -> {out}")
                return 0
            s = export_jsonl(session, out, from_seq=from_seq, to_seq=to_seq, asset=asset, key=key)
            print(f"{s.count} entries (seq {s.from_seq}..{s.to_seq}) of {s.tree_size}, root {s.root.hex()}")
            print(f"written to {out}")
    finally:
        engine.dispose()
    return 0


def audit_verify(path: str | Path, pubkey: str | None = None, trust_embedded: bool = False) -> int:
    """`aurigraph audit verify`: exit code 0 when the export verifies, else 1 after printing the first bad
    line. `pubkey`: the published key, hex (64 digits) or a file holding it. Without it the export's own
    key proves nothing (whoever forged the file signed it), so that is exit code 2 unless `trust_embedded`
    says the caller only wants the file's integrity checked."""
    if not pubkey and not trust_embedded:
        print(
            "refusing to verify without the published key: give --pubkey <hex or file> (the server's "
            "GET /v1/audit/public-key, `aurigraph audit pubkey`), or --trust-embedded-key to check only "
            "that the file is consistent with the key it names"
        )
        return 2
    key: bytes | None = None
    if pubkey:
        text = Path(pubkey).read_text() if Path(pubkey).is_file() else pubkey
        try:
            key = bytes.fromhex(text.strip().removeprefix("0x"))
        except ValueError:
            key = b""
        if len(key) != 32:
            print("--pubkey must be a 32-byte Ed25519 public key in hex (or a file holding one)")
            return 1
    result = verify_jsonl(path, key)
    print(result.summary())
    return 0 if result.ok else 1


# -- offline verification --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    line: int | None = None  # the first bad line, 1-based
    reason: str | None = None
    entries: int = 0  # entry lines checked
    tree_size: int | None = None
    root: bytes | None = None
    public_key: bytes | None = None
    key_from_export: bool = False  # no key was given: the export's own (unauthenticated) key was used

    def summary(self) -> str:
        if not self.ok:
            return f"line {self.line}: {self.reason}"
        root = self.root.hex() if self.root else ""
        text = f"OK: {self.entries} entries verified against a signed checkpoint of {self.tree_size}"
        text += f", root {root}"
        if self.key_from_export:
            key = self.public_key.hex() if self.public_key else ""
            text += f"; public key {key} taken from the export itself: compare it with the published key"
        return text


class _Bad(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


_ENTRY_KEYS = frozenset(
    ("type", "seq", "time", "actor", "action", "subject", "asset", "payload", "prev_hash", "hash")
)
_PROOF_KEYS = _ENTRY_KEYS | {"proof"}
_FIELDS = ("seq", "time", "actor", "action", "subject", "asset")
_CP_KEYS = frozenset(("type", "tree_size", "root", "timestamp", "signature", "export", "export_signature"))
_EXPORT_KEYS = frozenset(("from_seq", "to_seq", "asset", "count"))
_CP_OPTIONAL = frozenset(("head_proof", "previous", "consistency"))
_PREV_KEYS = frozenset(("tree_size", "root", "timestamp", "signature"))


def _hex(value: Any, size: int, what: str) -> bytes:
    try:
        data = bytes.fromhex(value) if isinstance(value, str) and len(value) == 2 * size else b""
    except ValueError:
        data = b""
    if len(data) != size:
        raise ValueError(f"{what} is not {size} bytes of hex")
    return data


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_tail(f: IO[bytes]) -> tuple[int, bytes]:
    """Offset and bytes of the file's last line, read backwards from the end."""
    end = f.seek(0, 2)
    pos, chunks = end, []
    while pos > 0:
        step = min(1 << 16, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step)
        # the file's final newline ends the last line; it does not start it
        i = (chunk[:-1] if pos + step == end else chunk).rfind(b"\n")
        if i >= 0:
            chunks.append(chunk[i + 1 :])
            return pos + i + 1, b"".join(reversed(chunks))
        chunks.append(chunk)
    return 0, b"".join(reversed(chunks))


@dataclass(slots=True)
class _Checkpoint:
    tree_size: int
    root: bytes
    from_seq: int
    to_seq: int
    asset: str | None
    count: int
    seqs: list[int] | None
    head_proof: list[bytes] | None

    @property
    def full(self) -> bool:
        return self.asset is None and self.from_seq == 1 and self.to_seq == self.tree_size


def _checkpoint(obj: dict[str, Any], key: bytes) -> _Checkpoint:
    """Parse and authenticate the last line; ValueError says why it is not a valid checkpoint."""
    if not _CP_KEYS <= obj.keys() <= _CP_KEYS | _CP_OPTIONAL:
        raise ValueError("the checkpoint line has missing or unexpected fields")
    size, ts, export = obj["tree_size"], obj["timestamp"], obj["export"]
    root, sig = _hex(obj["root"], 32, "root"), _hex(obj["signature"], 64, "signature")
    if not _int(size) or not isinstance(ts, str) or not isinstance(export, dict):
        raise ValueError("the checkpoint line has fields of the wrong type")
    if not verify_signature(key, checkpoint_message(size, root, ts), sig):
        raise ValueError("the checkpoint signature does not verify with the public key")
    asset, seqs = export.get("asset"), export.get("seqs")
    if export.keys() != (_EXPORT_KEYS if asset is None else _EXPORT_KEYS | {"seqs"}):
        raise ValueError("the export statement has missing or unexpected fields")
    statement = {"tree_size": size, "root": root.hex(), "timestamp": ts, **export}
    try:
        signed = verify_signature(
            key, export_message(statement), _hex(obj["export_signature"], 64, "signature")
        )
    except AuditPayloadError:
        signed = False
    if not signed:
        raise ValueError("the export signature does not verify with the public key (statement altered?)")
    lo, hi, count = export["from_seq"], export["to_seq"], export["count"]
    if seqs is not None and not (
        isinstance(seqs, list) and all(_int(s) for s in seqs) and len(seqs) == count
    ):
        raise ValueError("the export statement's seqs do not match its count")
    if asset is None and count != max(hi - lo + 1, 0):
        raise ValueError("the export statement's count does not match its range")
    proof = obj.get("head_proof")
    head = None if proof is None else [_hex(p, 32, "head_proof hash") for p in proof]
    _check_previous(obj, key, size, root)
    return _Checkpoint(size, root, lo, hi, asset, count, seqs, head)


def _check_previous(obj: dict[str, Any], key: bytes, size: int, root: bytes) -> None:
    """The previous signed checkpoint, when the line names one, and the consistency proof from it."""
    prev = obj.get("previous")
    if prev is None and "consistency" not in obj:
        return
    consistency = obj.get("consistency")
    if not isinstance(prev, dict) or prev.keys() != _PREV_KEYS or not isinstance(consistency, list):
        raise ValueError("the checkpoint's previous checkpoint or consistency proof is malformed")
    psize, pts = prev["tree_size"], prev["timestamp"]
    proot, psig = _hex(prev["root"], 32, "previous root"), _hex(prev["signature"], 64, "previous signature")
    if not _int(psize) or not isinstance(pts, str):
        raise ValueError("the previous checkpoint has fields of the wrong type")
    if not verify_signature(key, checkpoint_message(psize, proot, pts), psig):
        raise ValueError("the previous checkpoint's signature does not verify with the public key")
    proof = [_hex(p, 32, "consistency hash") for p in consistency]
    if not verify_consistency(psize, size, proot, root, proof):
        raise ValueError(
            f"the log of {size} entries does not extend the previous signed checkpoint of {psize} "
            "(consistency proof fails: entries before it were rewritten?)"
        )


class _Verifier:
    def __init__(self, cp: _Checkpoint | None) -> None:
        self.cp = cp
        self.count = 0
        self.prev: tuple[int, int, bytes] | None = None  # line, seq, hash of the previous entry
        self.acc = RootAccumulator()

    def _expected_seq(self, line: int) -> int | None:
        cp = self.cp
        if cp is None:
            return None
        if self.count >= cp.count:
            raise _Bad(
                line, f"an entry beyond the {cp.count} the signed checkpoint lists (added or duplicated?)"
            )
        return cp.seqs[self.count] if cp.seqs is not None else cp.from_seq + self.count

    def entry(self, line: int, raw: bytes, obj: Any) -> None:
        if not isinstance(obj, dict) or obj.get("type") != "entry":
            raise _Bad(line, "not an audit entry line")
        if obj.keys() != _ENTRY_KEYS and obj.keys() != _PROOF_KEYS:
            raise _Bad(line, "an entry with missing or unexpected fields")
        seq, at, actor, action, subject, asset = (obj[k] for k in _FIELDS)
        prev_hex, hash_hex = obj["prev_hash"], obj["hash"]
        if not (type(seq) is int and seq >= 1 and (asset is None or type(asset) is str)):
            raise _Bad(line, "an entry field has the wrong type")
        if not (type(at) is str and type(actor) is str and type(action) is str and type(subject) is str):
            raise _Bad(line, "an entry field has the wrong type")
        try:
            prev_hash, stated = bytes.fromhex(prev_hex), bytes.fromhex(hash_hex)
        except (TypeError, ValueError):
            prev_hash = stated = b""
        if len(prev_hash) != 32 or len(stated) != 32 or len(prev_hex) != 64 or len(hash_hex) != 64:
            raise _Bad(line, "prev_hash or hash is not 32 bytes of hex")
        self._position(line, seq, "proof" in obj)
        payload = self._payload(line, raw, obj)
        if entry_hash(seq, at, actor, action, subject, asset, payload, prev_hash) != stated:
            raise _Bad(line, f"entry {seq}: its hash does not match its fields (edited?)")
        if self.prev is not None and seq == self.prev[1] + 1 and prev_hash != self.prev[2]:
            raise _Bad(
                line,
                f"chain break: prev_hash is not the hash of entry {self.prev[1]} on line {self.prev[0]}"
                " (one of the two was altered)",
            )
        if seq == 1 and prev_hash != ZERO_HASH:
            raise _Bad(line, "entry 1 must have an all-zero prev_hash")
        self._merkle(line, obj, seq, stated)
        self.prev = (line, seq, stated)
        self.count += 1

    @staticmethod
    def _payload(line: int, raw: bytes, obj: dict[str, Any]) -> bytes:
        """The payload's canonical bytes, provided the line is byte for byte the one the exporter writes
        (no reformatting, duplicate keys or smuggled text). orjson with sorted keys is canonical JSON for
        payloads with ASCII keys (the same escapes); others take canonical_json."""
        body, proof = raw.removesuffix(b"\n"), obj.get("proof")
        try:
            fast = orjson.dumps(obj["payload"], option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            fast = b""
        if fast and _entry_line(obj, fast, proof) == body:
            return fast
        try:
            slow = canonical_json(obj["payload"]).encode()
        except AuditPayloadError as exc:
            raise _Bad(line, f"the payload has no canonical form: {exc}") from None
        if slow != fast and _entry_line(obj, slow, proof) == body:
            return slow
        raise _Bad(line, "the line is not in the exporter's canonical form (reformatted or edited?)")

    def _position(self, line: int, seq: int, filtered: bool) -> None:
        expected = self._expected_seq(line)
        last = self.prev[1] if self.prev else None
        if expected is None:  # no valid checkpoint to say which entries belong here: the chain alone
            expected = seq if last is None or (filtered and seq > last) else last + 1
        if seq == expected:
            return
        if seq > expected:
            raise _Bad(
                line, f"entry {seq} where {expected} was expected: {expected} is missing or out of order"
            )
        raise _Bad(line, f"entry {seq} where {expected} was expected: duplicated or out of order")

    def _merkle(self, line: int, obj: dict[str, Any], seq: int, digest: bytes) -> None:
        cp = self.cp
        if cp is None:
            return
        if cp.full:
            self.acc.add(digest)
        elif cp.asset is not None:
            if obj.get("asset") != cp.asset:
                raise _Bad(line, f"entry {seq} is not about asset {cp.asset}")
            try:
                proof = [_hex(p, 32, "proof hash") for p in obj.get("proof") or ()]
            except (ValueError, TypeError):
                proof = []
            if not verify_inclusion(digest, seq - 1, cp.tree_size, proof, cp.root):
                raise _Bad(line, f"entry {seq}: its inclusion proof does not lead to the checkpoint's root")

    def finish(self, line: int) -> None:
        cp = self.cp
        assert cp is not None
        if self.count < cp.count:
            missing = cp.seqs[self.count] if cp.seqs is not None else cp.from_seq + self.count
            raise _Bad(line, f"entry {missing} expected before the checkpoint: the export ends early (cut?)")
        if cp.full and self.acc.root() != cp.root:
            raise _Bad(line, "the Merkle root of the entries does not match the signed root")
        if not cp.full and cp.asset is None and self.prev is not None:
            proof = cp.head_proof or []
            if not verify_inclusion(self.prev[2], self.prev[1] - 1, cp.tree_size, proof, cp.root):
                raise _Bad(line, f"head_proof does not show entry {self.prev[1]} in the signed tree")


def _header(raw: bytes, key: bytes | None) -> bytes:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj = None
    if not isinstance(obj, dict) or obj.get("type") != "header" or obj.get("format") != FORMAT:
        raise _Bad(1, f"not a {FORMAT} header")
    try:
        own = _hex(obj.get("public_key"), 32, "public_key")
    except ValueError as exc:
        raise _Bad(1, str(exc)) from None
    if key is not None and own != key:
        raise _Bad(1, f"the export names public key {own.hex()}, not the expected {key.hex()}")
    return own


def verify_jsonl(path: str | Path, pubkey: bytes | None = None) -> VerifyResult:
    """Recompute every hash, the chain, the Merkle root or proofs, and both signatures, offline.
    Reports the first bad line. Without `pubkey` the export's own key is used (say so to the user)."""
    v: _Verifier | None = None
    key = pubkey
    try:
        with open(path, "rb") as f:
            first = f.readline()
            if not first:
                raise _Bad(1, "empty file")
            key = _header(first, pubkey)
            tail_at, tail = _read_tail(f)
            tail_obj: Any = None
            cp_error = None
            if tail_at > 0:
                try:
                    tail_obj = orjson.loads(tail)
                except orjson.JSONDecodeError:
                    pass
            cp = None
            if isinstance(tail_obj, dict) and tail_obj.get("type") == "checkpoint":
                try:
                    cp = _checkpoint(tail_obj, key)
                except (ValueError, TypeError) as exc:
                    cp_error = str(exc)
            v = _Verifier(cp)
            f.seek(len(first))
            line, offset = 1, len(first)
            for raw in f:
                line += 1
                is_tail, offset = offset == tail_at, offset + len(raw)
                if is_tail and (cp is not None or cp_error is not None):
                    if cp_error is not None:
                        raise _Bad(line, cp_error)
                    v.finish(line)
                    return VerifyResult(
                        ok=True,
                        entries=v.count,
                        tree_size=cp.tree_size if cp else None,
                        root=cp.root if cp else None,
                        public_key=key,
                        key_from_export=pubkey is None,
                    )
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    raise _Bad(line, "not valid JSON (edited or cut?)") from None
                if isinstance(obj, dict) and obj.get("type") == "checkpoint":
                    raise _Bad(line, "a checkpoint line before the end of the export")
                v.entry(line, raw, obj)
            raise _Bad(line + 1, "the signed checkpoint line is missing: the export was cut short")
    except _Bad as bad:
        return VerifyResult(
            False, bad.line, bad.reason, v.count if v else 0, public_key=key, key_from_export=pubkey is None
        )
    except OSError as exc:
        return VerifyResult(False, None, f"cannot read {path}: {exc}")
