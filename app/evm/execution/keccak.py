"""Keccak-256 through safe-pysha3's C code instead of pycryptodome.

py-evm, py-trie, rlp and eth-utils all hash through one shared object, ``eth_hash.auto.keccak``, which
picks the first backend it can import, pycryptodome first. A pycryptodome hash costs about 6.5 µs of
Python-level set-up against 1.2 µs for pysha3, and a block hashes thousands of times (trie nodes, storage
keys, addresses), so the chain selects eth-hash's own ``pysha3`` backend once, at import."""

from __future__ import annotations

from eth_hash.auto import keccak
from eth_hash.backends import pysha3

_EMPTY = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


def use_c_backend() -> None:
    """Point the shared hasher at the pysha3 backend (idempotent)."""
    if pysha3.keccak256(b"") != _EMPTY:  # the same self-check eth-hash makes on first use
        raise RuntimeError("the pysha3 keccak backend gives a wrong hash of the empty string")
    keccak._backend = pysha3.backend
    # eth-hash types these attributes by its first-run methods, whose parameter is named `in_data`; the
    # backend's is `prehash`. Keccak256 only ever calls them positionally, so the names cannot clash.
    keccak.hasher = pysha3.keccak256  # type: ignore[assignment]  # parameter name only, see above
    keccak.preimage = pysha3.preimage  # type: ignore[assignment]  # parameter name only, see above
