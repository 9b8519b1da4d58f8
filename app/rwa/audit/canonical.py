"""Canonical JSON (RFC 8785 style) and the byte encodings that audit hashes and signatures cover.

Pure functions, no database: the offline verifier uses exactly these.

Canonical JSON rule (what `canonical_json` produces; the same value always gives the same bytes):
  - objects: keys are strings, sorted by their UTF-16 code units (RFC 8785 §3.2.3), no duplicates;
  - no whitespace; UTF-8; strings escape only ``"``, ``\\`` and U+0000..U+001F (``\\b \\t \\n \\f \\r``, else
    ``\\u00xx``), as ECMAScript's JSON.stringify; lone surrogates are refused;
  - integers are JSON numbers only when |n| <= 2**53 - 1 (exact in every JSON reader); bigger ones, and every
    ``Decimal``, are JSON strings of their decimal digits (Decimals in plain notation, their digits kept:
    ``Decimal("1.50")`` -> ``"1.50"``);
  - floats, NaN and infinities are refused (quantities are integers, money is Decimal);
  - ``True``/``False``/``None`` -> ``true``/``false``/``null``; lists and tuples -> arrays;
  - aware datetimes -> UTC ``"YYYY-MM-DDTHH:MM:SS.ffffffZ"`` (naive ones are refused);
    dates -> ``"YYYY-MM-DD"``; bytes -> ``"0x"`` + lowercase hex; UUIDs -> their string; enums -> their value.
A document that is already canonical JSON parses back to a value that re-encodes to the same bytes.
"""

from __future__ import annotations

import enum
import hashlib
import json
import struct
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.rwa.errors import AuditPayloadError

MAX_SAFE_INT = 2**53 - 1
ZERO_HASH = bytes(32)
ENTRY_DOMAIN = b"aurigraph-audit-entry/1\x00"
CHECKPOINT_DOMAIN = "aurigraph-audit-checkpoint/1"
EXPORT_DOMAIN = "aurigraph-audit-export/1"

_escape = json.encoder.encode_basestring  # C speed-up; escapes exactly as JSON.stringify does


def canonical_json(value: Any) -> str:
    """The canonical JSON text of `value` (see the module docstring for the rule)."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _string(s: str) -> str:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise AuditPayloadError("lone surrogate in a string: no UTF-8 form") from None
    return _escape(s)


def _encode(v: Any, out: list[str]) -> None:
    if isinstance(v, enum.Enum):
        v = v.value
    if isinstance(v, str):
        out.append(_string(v))
    elif v is None or v is True or v is False:
        out.append("null" if v is None else "true" if v else "false")
    elif isinstance(v, int):
        out.append(str(v) if -MAX_SAFE_INT <= v <= MAX_SAFE_INT else f'"{v}"')
    elif isinstance(v, Mapping):
        keys = list(v)
        if not all(isinstance(k, str) for k in keys):
            raise AuditPayloadError("object keys must be strings")
        keys.sort(key=_utf16_key)
        out.append("{")
        for i, k in enumerate(keys):
            out.append(f",{_string(k)}:" if i else f"{_string(k)}:")
            _encode(v[k], out)
        out.append("}")
    elif isinstance(v, list | tuple):
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        out.append(_string(_scalar_text(v)))


def _scalar_text(v: Any) -> str:
    """Values that have no JSON type of their own are written as strings."""
    if isinstance(v, float):
        raise AuditPayloadError("floats have no canonical form here: use int base units or Decimal")
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise AuditPayloadError(f"Decimal {v} is not finite")
        return format(v, "f")
    if isinstance(v, datetime):
        if v.tzinfo is None:
            raise AuditPayloadError("naive datetime: give a timezone (UTC)")
        return format_time(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bytes | bytearray | memoryview):
        return "0x" + bytes(v).hex()
    if isinstance(v, uuid.UUID):
        return str(v)
    raise AuditPayloadError(f"no canonical JSON form for {type(v).__name__}")


def format_time(t: datetime) -> str:
    """UTC, microseconds, 'Z': the one text form of a time in hashes, signatures and exports.
    Naive values are taken as UTC (SQLite hands back naive datetimes)."""
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return t.isoformat(timespec="microseconds") + "Z"


_u32 = struct.Struct(">I").pack


def entry_hash(
    seq: int,
    time: str,
    actor: str,
    action: str,
    subject: str,
    asset: str | None,
    payload: str | bytes,
    prev_hash: bytes,
) -> bytes:
    """SHA-256 over a domain tag, seq (8 bytes big-endian), then each text field as a 4-byte big-endian length
    and its UTF-8 bytes, then prev_hash. `asset` is 0x00 when absent and 0x01 + UTF-8 otherwise, so None and
    "" differ. `payload` is the canonical JSON text (or its UTF-8 bytes)."""
    fields = [time.encode(), actor.encode(), action.encode(), subject.encode()]
    fields.append(b"\x00" if asset is None else b"\x01" + asset.encode())
    fields.append(payload if isinstance(payload, bytes) else payload.encode())
    parts = [ENTRY_DOMAIN, seq.to_bytes(8, "big")]
    for f in fields:  # (a loop, not a helper per field: the verifier runs this a million times)
        parts += (_u32(len(f)), f)
    parts.append(prev_hash)
    return hashlib.sha256(b"".join(parts)).digest()


def checkpoint_message(tree_size: int, root: bytes, timestamp: str) -> bytes:
    """What a checkpoint signature covers: a small text note, readable by humans and other tools."""
    return f"{CHECKPOINT_DOMAIN}\n{tree_size}\n{root.hex()}\n{timestamp}\n".encode()


def export_message(statement: Mapping[str, Any]) -> bytes:
    """What an export signature covers: a domain line, then the canonical JSON of the export statement."""
    return f"{EXPORT_DOMAIN}\n".encode() + canonical_json(statement).encode()
