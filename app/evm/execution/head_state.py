"""``HeadState``: the committed head's accounts and storage, read straight from the state trie's nodes.

``eth_getBalance``, ``eth_getTransactionCount``, ``eth_getCode`` and ``eth_getStorageAt`` of the latest block
are the calls every wallet and frontend polls. Answering them through py-evm's ``AccountDB`` builds a
journal, caches and a trie object per request, and needs the chain lock (a block being mined writes into
the store's overlay). A ``HeadState`` needs neither: it is bound to one committed state root and looks
keys up in the trie nodes the store holds as committed (``SqlStateStore.committed_node``), the same
layout ``AccountDB`` writes (accounts at keccak(address) -> rlp [nonce, balance, storage_root, code_hash],
slots at keccak(slot) -> rlp(value) in the account's storage trie, code at its hash).

Why a read racing a block never sees a mix: the nodes are content-addressed and a committed node is never
changed, so every lookup from one root reads that root's state, whatever is being mined meanwhile; the
reader swaps in a new ``HeadState`` only after a block committed (and on a rewind), and a request reads
from one object. What it found is kept (per head: the next block gets a fresh ``HeadState``).

``in_memory_only``: the event loop's lookups must never wait on the database; when a node is not in the
store's memory (a state larger than ``state_cache_rows``) the lookup raises ``NotInMemory`` and the caller
answers on a worker thread instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rlp
from eth_hash.auto import keccak

from app.errors import AppError, Kind

BLANK_ROOT = keccak(rlp.encode(b""))
EMPTY_CODE_HASH = keccak(b"")
_MAX_KEPT = 100_000  # answers kept per head (a head that lives long under many distinct reads)


class NotInMemory(AppError, LookupError):
    """A node this read needs is only in the database."""

    kind = Kind.UNAVAILABLE  # not at hand now: the caller reads again on a worker thread
    code = "NOT_IN_MEMORY"


class MissingNode(AppError, LookupError):
    """A node of this state is gone (the chain was rewound past it): answer from the chain instead."""

    kind = Kind.NOT_FOUND
    code = "STATE_NODE_MISSING"


NodeGetter = Callable[[bytes, bool], "bytes | None"]  # (hash, in memory only) -> node, None when absent


class HeadState:
    __slots__ = ("header", "block_number", "state_root", "_node", "_accounts", "_slots")

    def __init__(self, header: Any, node: NodeGetter) -> None:
        self.header = header
        self.block_number = int(header.block_number)
        self.state_root = bytes(header.state_root)
        self._node = node
        self._accounts: dict[bytes, tuple[int, int, bytes, bytes]] = {}
        self._slots: dict[tuple[bytes, int], int] = {}

    # -- the four reads ------------------------------------------------------------------------------
    def balance(self, address: bytes, in_memory_only: bool = False) -> int:
        return self.account(address, in_memory_only)[1]

    def nonce(self, address: bytes, in_memory_only: bool = False) -> int:
        return self.account(address, in_memory_only)[0]

    def code(self, address: bytes, in_memory_only: bool = False) -> bytes:
        code_hash = self.account(address, in_memory_only)[3]
        if code_hash == EMPTY_CODE_HASH:
            return b""
        return self._get(code_hash, in_memory_only)

    def storage(self, address: bytes, slot: int, in_memory_only: bool = False) -> int:
        key = (address, slot)
        value = self._slots.get(key)
        if value is None:
            root = self.account(address, in_memory_only)[2]
            found = self._lookup(root, keccak(slot.to_bytes(32, "big")), in_memory_only)
            value = rlp.decode(found, sedes=rlp.sedes.big_endian_int) if found else 0
            if len(self._slots) < _MAX_KEPT:
                self._slots[key] = value
        return value

    def account(self, address: bytes, in_memory_only: bool = False) -> tuple[int, int, bytes, bytes]:
        """(nonce, balance, storage root, code hash); an account never touched is all empty."""
        found = self._accounts.get(address)
        if found is None:
            encoded = self._lookup(self.state_root, keccak(address), in_memory_only)
            if encoded:
                nonce, balance, storage_root, code_hash = rlp.decode(encoded)
                found = (_int(nonce), _int(balance), bytes(storage_root), bytes(code_hash))
            else:
                found = (0, 0, BLANK_ROOT, EMPTY_CODE_HASH)
            if len(self._accounts) < _MAX_KEPT:
                self._accounts[address] = found
        return found

    # -- the hexary trie ----------------------------------------------------------------------------
    def _get(self, node_hash: bytes, in_memory_only: bool) -> bytes:
        node = self._node(node_hash, in_memory_only)
        if node is None:
            if in_memory_only:
                raise NotInMemory(node_hash.hex())
            raise MissingNode(node_hash.hex())
        return node

    def _lookup(self, root: bytes, key: bytes, in_memory_only: bool) -> bytes:
        """The value at ``key`` in the trie under ``root``, b"" when there is none (Ethereum's
        Merkle-Patricia trie: branch nodes of 17 items, leaf and extension nodes of 2 with a hex-prefix
        encoded path). Nodes are walked in their RLP bytes: only the one child on the path is looked at."""
        if root == BLANK_ROOT:
            return b""
        path = _nibbles(key)
        data = self._get(root, in_memory_only)
        start, end, _ = _list(data, 0)
        while True:
            items = _children(data, start, end)
            if len(items) == 17:
                if not path:
                    s, e, _ = items[16]
                    return data[s:e]
                s, e, is_list = items[path[0]]
                path = path[1:]
            elif len(items) == 2:
                s, e, _ = items[0]
                node_path, is_leaf = _decode_path(data[s:e])
                if is_leaf:
                    if node_path != path:
                        return b""
                    s, e, _ = items[1]
                    return data[s:e]
                if path[: len(node_path)] != node_path:
                    return b""
                path = path[len(node_path) :]
                s, e, is_list = items[1]
            elif not items:
                return b""
            else:
                raise MissingNode(f"malformed trie node of {len(items)} items")
            if is_list:  # a node under 32 bytes is embedded in its parent
                start, end = s, e
            elif s == e:
                return b""
            else:
                data = self._get(data[s:e], in_memory_only)
                start, end, _ = _list(data, 0)


def _item(data: bytes, pos: int) -> tuple[int, int, bool]:
    """Payload start, end and whether it is a list, of the RLP item at ``pos``."""
    b = data[pos]
    if b < 0x80:
        return pos, pos + 1, False
    if b < 0xB8:
        return pos + 1, pos + 1 + b - 0x80, False
    if b < 0xC0:
        n = b - 0xB7
        start = pos + 1 + n
        return start, start + int.from_bytes(data[pos + 1 : start], "big"), False
    if b < 0xF8:
        return pos + 1, pos + 1 + b - 0xC0, True
    n = b - 0xF7
    start = pos + 1 + n
    return start, start + int.from_bytes(data[pos + 1 : start], "big"), True


def _list(data: bytes, pos: int) -> tuple[int, int, bool]:
    start, end, is_list = _item(data, pos)
    if not is_list or end > len(data):
        raise MissingNode("a trie node that is not an RLP list")
    return start, end, is_list


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, bool]]:
    out = []
    pos = start
    while pos < end:
        item = _item(data, pos)
        out.append(item)
        pos = item[1]
    return out


def _int(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _nibbles(key: bytes) -> tuple[int, ...]:
    out: list[int] = []
    for byte in key:
        out += (byte >> 4, byte & 15)
    return tuple(out)


def _decode_path(encoded: bytes) -> tuple[tuple[int, ...], bool]:
    """Hex-prefix decoding: the first nibble says leaf (2) or extension (0), and odd length (1)."""
    nibbles = _nibbles(encoded)
    flag = nibbles[0]
    return nibbles[1:] if flag & 1 else nibbles[2:], bool(flag & 2)
