"""Human-readable revert reasons: Error(string), Panic(uint256), custom errors (by selector)."""

from __future__ import annotations

from eth_abi.abi import decode

ERROR_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")

PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assert(false)",
    0x11: "arithmetic underflow or overflow",
    0x12: "division or modulo by zero",
    0x21: "enum overflow",
    0x22: "invalid encoded storage byte array accessed",
    0x31: "out-of-bounds array access; popping on an empty array",
    0x32: "out-of-bounds access of an array or bytesN",
    0x41: "out of memory",
    0x51: "uninitialized function",
}


def describe(data: bytes) -> str:
    """The message clients show after 'execution reverted'."""
    if not data:
        return "execution reverted"
    selector, body = data[:4], data[4:]
    try:
        if selector == ERROR_SELECTOR:
            (reason,) = decode(["string"], body)
            return f"execution reverted: {reason}"
        if selector == PANIC_SELECTOR:
            (code,) = decode(["uint256"], body)
            meaning = PANIC_CODES.get(code, "unknown panic code")
            return f"execution reverted: panic code 0x{code:x} ({meaning})"
    except Exception:  # malformed payload behind a known selector: fall through to the raw form
        pass
    return f"execution reverted: custom error 0x{selector.hex()}"
