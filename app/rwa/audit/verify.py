"""Verify an audit export offline: no database, no server, only the file and the published Ed25519 key.
The format ("aurigraph-audit-export/1") is described in `export.py`; `entry_line` is the one byte form of
an entry line, shared by the exporter (which writes it) and the verifier (which rebuilds it and demands the
same bytes). This module imports no sqlalchemy and nothing that opens a database (an import-linter contract).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from app.rwa.audit.canonical import ZERO_HASH, canonical_json, checkpoint_message, entry_hash, export_message
from app.rwa.audit.merkle import RootAccumulator, verify_consistency, verify_inclusion
from app.rwa.audit.signing_key import verify_signature
from app.rwa.errors import AuditPayloadError

__all__ = ["FORMAT", "PROGRESS_EVERY", "Progress", "VerifyResult", "entry_line", "verify_jsonl"]

FORMAT = "aurigraph-audit-export/1"
PROGRESS_EVERY = 10_000  # entries between two calls of a progress callback
Progress = Callable[[int, int | None], None]  # (entries done, entries in all or None when not known)


def entry_line(e: dict[str, Any], payload: str | bytes, proof: list[str] | None) -> bytes:
    """The one byte form of an entry line (without its newline): the exporter writes it, the verifier
    rebuilds it from what it parsed and demands the same bytes, so what a reader sees is what was hashed."""
    line = {"type": "entry", "seq": e["seq"], "time": e["time"], "actor": e["actor"], "action": e["action"]}
    line |= {"subject": e["subject"], "asset": e["asset"], "payload": orjson.Fragment(payload)}
    line |= {"prev_hash": e["prev_hash"], "hash": e["hash"]}
    if proof is not None:
        line["proof"] = proof
    return orjson.dumps(line)


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
    def __init__(self, signed: _Checkpoint | None) -> None:
        self.signed = signed
        self.count = 0
        self.prev: tuple[int, int, bytes] | None = None  # line, seq, hash of the previous entry
        self.acc = RootAccumulator()

    def _expected_seq(self, line: int) -> int | None:
        signed = self.signed
        if signed is None:
            return None
        if self.count >= signed.count:
            raise _Bad(
                line, f"an entry beyond the {signed.count} the signed checkpoint lists (added or duplicated?)"
            )
        return signed.seqs[self.count] if signed.seqs is not None else signed.from_seq + self.count

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
        if fast and entry_line(obj, fast, proof) == body:
            return fast
        try:
            slow = canonical_json(obj["payload"]).encode()
        except AuditPayloadError as exc:
            raise _Bad(line, f"the payload has no canonical form: {exc}") from None
        if slow != fast and entry_line(obj, slow, proof) == body:
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
        signed = self.signed
        if signed is None:
            return
        if signed.full:
            self.acc.add(digest)
        elif signed.asset is not None:
            if obj.get("asset") != signed.asset:
                raise _Bad(line, f"entry {seq} is not about asset {signed.asset}")
            try:
                proof = [_hex(p, 32, "proof hash") for p in obj.get("proof") or ()]
            except (ValueError, TypeError):
                proof = []
            if not verify_inclusion(digest, seq - 1, signed.tree_size, proof, signed.root):
                raise _Bad(line, f"entry {seq}: its inclusion proof does not lead to the checkpoint's root")

    def finish(self, line: int) -> None:
        signed = self.signed
        assert signed is not None
        if self.count < signed.count:
            missing = signed.seqs[self.count] if signed.seqs is not None else signed.from_seq + self.count
            raise _Bad(line, f"entry {missing} expected before the checkpoint: the export ends early (cut?)")
        if signed.full and self.acc.root() != signed.root:
            raise _Bad(line, "the Merkle root of the entries does not match the signed root")
        if not signed.full and signed.asset is None and self.prev is not None:
            proof = signed.head_proof or []
            if not verify_inclusion(self.prev[2], self.prev[1] - 1, signed.tree_size, proof, signed.root):
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


def verify_jsonl(
    path: str | Path, pubkey: bytes | None = None, progress: Progress | None = None
) -> VerifyResult:
    """Recompute every hash, the chain, the Merkle root or proofs, and both signatures, offline.
    Reports the first bad line. Without `pubkey` the export's own key is used (say so to the user).
    `progress(done, total)` is told every PROGRESS_EVERY entries (total: the count the checkpoint states)."""
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
            signed_error = None
            if tail_at > 0:
                try:
                    tail_obj = orjson.loads(tail)
                except orjson.JSONDecodeError:
                    pass
            signed = None
            if isinstance(tail_obj, dict) and tail_obj.get("type") == "checkpoint":
                try:
                    signed = _checkpoint(tail_obj, key)
                except (ValueError, TypeError) as exc:
                    signed_error = str(exc)
            v = _Verifier(signed)
            total = signed.count if signed is not None else None
            if progress is not None:
                progress(0, total)
            f.seek(len(first))
            line, offset = 1, len(first)
            for raw in f:
                line += 1
                is_tail, offset = offset == tail_at, offset + len(raw)
                if is_tail and (signed is not None or signed_error is not None):
                    if signed_error is not None:
                        raise _Bad(line, signed_error)
                    v.finish(line)
                    if progress is not None:
                        progress(v.count, v.count)
                    return VerifyResult(
                        ok=True,
                        entries=v.count,
                        tree_size=signed.tree_size if signed else None,
                        root=signed.root if signed else None,
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
                if progress is not None and v.count % PROGRESS_EVERY == 0:
                    progress(v.count, total)
            raise _Bad(line + 1, "the signed checkpoint line is missing: the export was cut short")
    except _Bad as bad:
        return VerifyResult(
            False, bad.line, bad.reason, v.count if v else 0, public_key=key, key_from_export=pubkey is None
        )
    except OSError as exc:
        return VerifyResult(False, None, f"cannot read {path}: {exc}")
