"""Our bottom-up ordered trie root (app/evm/execution/ordered_trie.py) equals py-evm's item-by-item HexaryTrie
root."""

from __future__ import annotations

from eth.db.trie import _make_trie_root_and_nodes
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.evm.execution.ordered_trie import BLANK_ROOT, ordered_trie_root

# lengths 0..120 give embedded (< 32 byte) leaves, hashed leaves, empty values and long-form RLP lengths
_ITEM = st.binary(max_size=120)
_SHORT_ITEM = st.binary(max_size=3)  # many small leaves, so that whole branches get embedded


def _reference(items: list[bytes]) -> bytes:
    return _make_trie_root_and_nodes(tuple(items))[0]


def test_empty_list_gives_the_blank_root():
    assert ordered_trie_root([]) == BLANK_ROOT == _reference([])
    assert ordered_trie_root([b""]) == BLANK_ROOT == _reference([b""])  # py-trie stores no empty value


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(_ITEM, max_size=300), st.lists(_SHORT_ITEM, max_size=300)))
@example([b"\x01"] * 129)  # index 128 is the first two-byte key, 0x81 0x80
@example([bytes([i % 256]) * (i % 121) for i in range(300)])  # indexes past 255: 0x82 keys
@example([b"x" * 40] * 257)
def test_agrees_with_py_evm(items):
    assert ordered_trie_root(items) == _reference(items)


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=1100), st.integers(min_value=1, max_value=120))
def test_agrees_with_py_evm_for_many_equal_sized_items(count, size):
    items = [index.to_bytes(4, "big").rjust(size, b"\xaa")[-size:] for index in range(count)]
    assert ordered_trie_root(items) == _reference(items)


def test_block_of_100_transactions_of_110_bytes():
    items = [bytes([index]) * 110 for index in range(100)]
    assert ordered_trie_root(items) == _reference(items)
    assert ordered_trie_root(tuple(items)) == _reference(items)
