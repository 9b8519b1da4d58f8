"""Contract ABI handling over eth-abi: find a function, check and encode JSON arguments (errors name the
argument and the type it needs), decode results, event logs and revert data (custom errors included)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils.crypto import keccak

from app.errors import AppError, Kind
from app.evm.execution.revert import ERROR_SELECTOR, PANIC_CODES, PANIC_SELECTOR


class AbiError(AppError, ValueError):
    """Arguments that do not fit the ABI; ``field`` names the argument."""

    kind = Kind.INVALID
    code = "INVALID_ARGUMENT"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def details(self) -> dict[str, Any]:
        return {"field": self.field} if self.field else {}


def canonical_type(param: dict[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param.get("components", []))
        return f"({inner}){t[5:]}"
    return t


def signature(entry: dict[str, Any]) -> str:
    return f"{entry['name']}({','.join(canonical_type(p) for p in entry.get('inputs', []))})"


def selector(entry: dict[str, Any]) -> bytes:
    return keccak(text=signature(entry))[:4]


@dataclass(frozen=True, slots=True)
class Function:
    entry: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.entry["name"])

    @property
    def read_only(self) -> bool:
        return self.entry.get("stateMutability") in ("view", "pure") or bool(self.entry.get("constant"))

    def encode_call(self, args: Sequence[Any]) -> bytes:
        return selector(self.entry) + encode_args(self.entry.get("inputs", []), args, self.name)

    def decode_result(self, data: bytes) -> list[Any]:
        return decode_values(self.entry.get("outputs", []), data)


def find_function(abi: list[dict[str, Any]], name: str, args: Sequence[Any]) -> Function:
    """``name`` may be a bare name or a full signature ``transfer(address,uint256)`` (for overloads)."""
    candidates = [
        e for e in abi if e.get("type") == "function" and (e["name"] == name or signature(e) == name)
    ]
    if not candidates:
        raise AbiError(f"the contract has no function {name!r}", "function")
    if len(candidates) > 1:
        candidates = [e for e in candidates if len(e.get("inputs", [])) == len(args)]
        if len(candidates) != 1:
            sigs = ", ".join(signature(e) for e in abi if e.get("type") == "function" and e["name"] == name)
            raise AbiError(f"{name!r} is overloaded; name one of: {sigs}", "function")
    return Function(candidates[0])


def constructor_inputs(abi: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for e in abi:
        if e.get("type") == "constructor":
            return list(e.get("inputs", []))
    return []


def encode_args(inputs: list[dict[str, Any]], args: Sequence[Any], where: str) -> bytes:
    if not isinstance(args, list | tuple):
        raise AbiError("arguments must be a JSON array", "args")
    if len(args) != len(inputs):
        raise AbiError(f"{where} takes {len(inputs)} arguments, got {len(args)}", "args")
    types, values = [], []
    for i, (param, value) in enumerate(zip(inputs, args, strict=True)):
        label = param.get("name") or f"#{i}"
        t = canonical_type(param)
        try:
            values.append(_coerce(param, value))
            encode([t], [values[-1]])
        except (EncodingError, ValueError, TypeError, OverflowError) as exc:
            raise AbiError(
                f"argument {label!r} of {where} must be {t}: {value!r} does not fit"[:300], label
            ) from exc
        types.append(t)
    return encode(types, values)


def _coerce(param: dict[str, Any], value: Any) -> Any:
    """JSON → Python values eth-abi takes: hex strings for bytes, decimal strings for big integers."""
    t = str(param["type"])
    if t.endswith("]"):
        if not isinstance(value, list):
            raise TypeError("expected an array")
        inner = {**param, "type": t[: t.rindex("[")]}
        return [_coerce(inner, v) for v in value]
    if t == "tuple":
        comps = param.get("components", [])
        if isinstance(value, dict):
            value = [value[c["name"]] for c in comps]
        if not isinstance(value, list) or len(value) != len(comps):
            raise TypeError("expected a tuple")
        return tuple(_coerce(c, v) for c, v in zip(comps, value, strict=True))
    if t.startswith(("uint", "int")):
        if isinstance(value, bool):
            raise TypeError("expected an integer")
        if isinstance(value, str):
            return int(value, 0)
        if not isinstance(value, int):
            raise TypeError("expected an integer")
        return value
    if t == "address":
        if not isinstance(value, str) or len(value) != 42 or not value.startswith("0x"):
            raise TypeError("expected a 0x-prefixed 20-byte address")
        bytes.fromhex(value[2:])
        return value.lower()
    if t.startswith("bytes"):
        if not isinstance(value, str) or not value.startswith("0x"):
            raise TypeError("expected 0x-prefixed hex")
        return bytes.fromhex(value[2:])
    if t == "bool" and not isinstance(value, bool):
        raise TypeError("expected true or false")
    if t == "string" and not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def decode_values(outputs: list[dict[str, Any]], data: bytes) -> list[Any]:
    types = [canonical_type(p) for p in outputs]
    try:
        return [jsonable(v) for v in decode(types, data)]
    except DecodingError as exc:
        raise AbiError(f"could not decode return data as ({','.join(types)}): {exc}") from exc


def jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return str(v)  # JSON numbers beyond 2^53 lose precision in most clients
    return v


def decode_log(abi: list[dict[str, Any]], topics: Sequence[bytes], data: bytes) -> dict[str, Any] | None:
    if not topics:
        return None
    for e in abi:
        if e.get("type") != "event" or e.get("anonymous") or keccak(text=signature(e)) != topics[0]:
            continue
        inputs = e.get("inputs", [])
        indexed = [p for p in inputs if p.get("indexed")]
        plain = [p for p in inputs if not p.get("indexed")]
        try:
            plain_values = decode([canonical_type(p) for p in plain], data)
            args: dict[str, Any] = {}
            for p, topic in zip(indexed, topics[1:], strict=False):
                t = canonical_type(p)
                dynamic = t in ("string", "bytes") or t.endswith("]") or t.startswith("(")
                args[p["name"]] = "0x" + topic.hex() if dynamic else jsonable(decode([t], topic)[0])
            for p, v in zip(plain, plain_values, strict=True):
                args[p["name"]] = jsonable(v)
        except DecodingError:
            return None
        return {"event": e["name"], "signature": signature(e), "args": args}
    return None


def decode_revert(abi: list[dict[str, Any]], data: bytes) -> dict[str, Any]:
    """{'kind': 'Error'|'Panic'|'custom'|'empty'|'unknown', ...} for API users."""
    if not data:
        return {"kind": "empty"}
    sel, body = data[:4], data[4:]
    try:
        if sel == ERROR_SELECTOR:
            return {"kind": "Error", "reason": decode(["string"], body)[0]}
        if sel == PANIC_SELECTOR:
            code = decode(["uint256"], body)[0]
            return {"kind": "Panic", "code": code, "meaning": PANIC_CODES.get(code, "unknown panic code")}
        for e in abi:
            if e.get("type") == "error" and selector(e) == sel:
                values = decode_values(e.get("inputs", []), body)
                names = [p.get("name") or f"#{i}" for i, p in enumerate(e.get("inputs", []))]
                return {
                    "kind": "custom",
                    "name": e["name"],
                    "signature": signature(e),
                    "args": dict(zip(names, values, strict=True)),
                }
    except (DecodingError, AbiError):
        pass
    return {"kind": "unknown", "data": "0x" + data.hex()}
