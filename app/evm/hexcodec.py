"""Ethereum JSON-RPC value encoding: strict parsing of client input (every mistake is an InvalidParams,
-32602) and the hex output clients expect."""

from __future__ import annotations

from typing import Any

from app.evm.errors import InvalidParams

_HEX = frozenset("0123456789abcdefABCDEF")


def _strip(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InvalidParams(f"invalid {what}: expected a 0x-prefixed hex string, got {value!r}"[:200])
    body = value[2:]
    if not _HEX.issuperset(body):
        raise InvalidParams(f"invalid {what}: {value!r} is not hex"[:200])
    return body


def quantity(value: Any, what: str = "quantity") -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value  # lenient like geth's decoder for clients that send JSON numbers
    body = _strip(value, what)
    if not body:
        raise InvalidParams(f"invalid {what}: empty hex number")
    if len(body) > 64:
        raise InvalidParams(f"invalid {what}: hex number larger than 256 bits")
    return int(body, 16)


def data(value: Any, what: str = "data") -> bytes:
    body = _strip(value, what)
    if len(body) % 2:
        raise InvalidParams(f"invalid {what}: hex string of odd length")
    return bytes.fromhex(body)


def fixed(value: Any, size: int, what: str) -> bytes:
    raw = data(value, what)
    if len(raw) != size:
        raise InvalidParams(f"invalid {what}: expected {size} bytes, got {len(raw)}")
    return raw


def address(value: Any, what: str = "address") -> bytes:
    return fixed(value, 20, what)


def hash32(value: Any, what: str = "hash") -> bytes:
    return fixed(value, 32, what)


def hex_quantity(n: int) -> str:
    return hex(n)


def hex_data(b: bytes | None) -> str | None:
    return None if b is None else "0x" + b.hex()


def addr(b: bytes | None) -> str | None:
    return None if b is None else "0x" + bytes(b).hex()


def tx_request(obj: Any) -> dict[str, Any]:
    """A call/transaction object (eth_call, eth_estimateGas, eth_sendTransaction)."""
    if not isinstance(obj, dict):
        raise InvalidParams("invalid transaction object: expected a JSON object")
    out: dict[str, Any] = {}
    for key in ("from", "to"):
        if obj.get(key) is not None:
            out[key] = address(obj[key], key)
    for key in ("gas", "gasPrice", "value", "nonce", "maxFeePerGas", "maxPriorityFeePerGas"):
        if obj.get(key) is not None:
            out[key] = quantity(obj[key], key)
    if obj.get("input") is not None and obj.get("data") is not None and obj["input"] != obj["data"]:
        raise InvalidParams("both 'data' and 'input' are set and differ")
    payload = obj.get("input", obj.get("data"))
    if payload is not None:
        out["data"] = data(payload, "input")
    if obj.get("accessList") is not None:
        out["accessList"] = obj["accessList"]
    return out
