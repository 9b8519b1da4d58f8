"""The root of Ethereum's ordered trie, built once, bottom-up.

A block header's transactionsRoot, receiptsRoot and withdrawalsRoot are each the root hash of the hexary
Merkle-Patricia trie that maps ``rlp(index)`` to ``items[index]``. py-evm computes it with
``eth.db.trie.make_trie_root_and_nodes``, which inserts the items one by one into py-trie's
``HexaryTrie``, re-encoding and re-hashing the path to the root at each insertion; for a block of 100
transactions that is a large share of the block's building time. Here the sorted keys are split
recursively on their next nibble and every node is encoded (with a hand-rolled RLP for these two simple
shapes) and hashed exactly once. ``ordered_trie_root(items)`` equals
``eth.db.trie._make_trie_root_and_nodes(tuple(items))[0]``, including py-trie's rule that an empty value
is not stored at all."""

from __future__ import annotations

from collections.abc import Sequence

from eth_hash.auto import keccak

BLANK_ROOT = bytes.fromhex("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
_EMPTY = b"\x80"  # rlp(b""): an absent child or an empty value slot


def _length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes((offset + length,))
    encoded_length = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((offset + 55 + len(encoded_length),)) + encoded_length


def _rlp_bytes(data: bytes) -> bytes:
    if len(data) == 1 and data[0] < 0x80:
        return data
    return _length_prefix(len(data), 0x80) + data


def _rlp_list(encoded_items: list[bytes]) -> bytes:
    payload = b"".join(encoded_items)
    return _length_prefix(len(payload), 0xC0) + payload


def _rlp_index(index: int) -> bytes:
    """``rlp.encode(index)``: 0 is the empty string, 1..127 one byte, then a big-endian byte string."""
    if index == 0:
        return _EMPTY
    return _rlp_bytes(index.to_bytes((index.bit_length() + 7) // 8, "big"))


def _hex_prefix(path: str, leaf: bool) -> bytes:
    """The RLP of the compact (hex-prefix) encoding of a nibble path given as a hex string."""
    if len(path) % 2:
        compact = bytes.fromhex(("3" if leaf else "1") + path)
    else:
        compact = bytes.fromhex(("20" if leaf else "00") + path)
    return _rlp_bytes(compact)


def _reference(node: bytes) -> bytes:
    """How a parent holds a child: the child's encoding itself when under 32 bytes, else its hash."""
    return node if len(node) < 32 else b"\xa0" + keccak(node)


def _build(keys: list[str], values: list[bytes], lo: int, hi: int, depth: int) -> bytes:
    """The RLP encoding of the node holding the sorted (nibble-path, value) pairs lo..hi-1 below depth."""
    first = keys[lo]
    if hi - lo == 1:
        return _rlp_list([_hex_prefix(first[depth:], True), _rlp_bytes(values[lo])])
    last = keys[hi - 1]  # sorted, so the first and last keys share the prefix common to all of them
    end = depth
    while end < len(first) and first[end] == last[end]:
        end += 1
    if end > depth:
        child = _build(keys, values, lo, hi, end)
        return _rlp_list([_hex_prefix(first[depth:end], False), _reference(child)])
    slots = [_EMPTY] * 17
    if len(first) == depth:  # a key ending here sorts first and lives in the branch's value slot
        slots[16] = _rlp_bytes(values[lo])
        lo += 1
    while lo < hi:
        nibble = keys[lo][depth]
        group_end = lo + 1
        while group_end < hi and keys[group_end][depth] == nibble:
            group_end += 1
        slots[int(nibble, 16)] = _reference(_build(keys, values, lo, group_end, depth + 1))
        lo = group_end
    return _rlp_list(slots)


def ordered_trie_root(items: Sequence[bytes]) -> bytes:
    """The 32-byte root hash of the trie mapping ``rlp(index)`` to ``items[index]`` (empty items omitted)."""
    pairs = sorted((_rlp_index(index).hex(), item) for index, item in enumerate(items) if item)
    if not pairs:
        return BLANK_ROOT
    keys = [key for key, _ in pairs]
    values = [value for _, value in pairs]
    return keccak(_build(keys, values, 0, len(pairs), 0))
