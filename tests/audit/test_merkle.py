"""RFC 6962 Merkle tree: the Certificate Transparency reference vectors, hand-computed small trees, and
every inclusion proof of trees of size 1..17 against the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rwa.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    RootAccumulator,
    consistency_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    root_and_path,
    verify_consistency,
    verify_inclusion,
)

# certificate-transparency's merkle test data: 8 leaves and MTH(D[0:n]) for n = 1..8
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(d: list[bytes]) -> bytes:
    """RFC 6962 §2.1, literally."""
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]), literally."""
    if len(d) == 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def test_certificate_transparency_reference_roots():
    tree = MerkleTree(CT_LEAVES)
    assert (
        tree.root(0)
        == EMPTY_ROOT
        == bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    )
    for n, want in enumerate(CT_ROOTS, start=1):
        assert tree.root(n).hex() == want
        assert MerkleTree(CT_LEAVES[:n]).root().hex() == want


def test_certificate_transparency_reference_inclusion_proof():
    proof = MerkleTree(CT_LEAVES).inclusion_proof(0)
    assert [p.hex() for p in proof] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_small_trees_by_hand():
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = sha(b"\x00a"), sha(b"\x00b"), sha(b"\x00c")
    assert leaf_hash(a) == la and node_hash(la, lb) == sha(b"\x01" + la + lb)
    assert MerkleTree([a]).root() == la
    assert MerkleTree([a, b]).root() == sha(b"\x01" + la + lb)
    # three leaves: the split is 2 + 1 and the lone right leaf is not paired with a copy of itself
    assert MerkleTree([a, b, c]).root() == sha(b"\x01" + sha(b"\x01" + la + lb) + lc)
    assert MerkleTree([a, b, c]).inclusion_proof(2) == [sha(b"\x01" + la + lb)]
    assert MerkleTree([a, b, c]).inclusion_proof(0) == [lb, lc]


@given(st.integers(1, 17), st.data())
def test_every_inclusion_proof_of_trees_up_to_17(n, data):
    # distinct leaves: with equal ones, a proof may honestly fit another index or size too
    leaves = data.draw(st.lists(st.binary(max_size=8), min_size=n, max_size=n, unique=True))
    tree = MerkleTree(leaves)
    root = mth(leaves)
    assert tree.root() == root
    for m in range(n):
        proof = tree.inclusion_proof(m)
        assert proof == path(m, leaves)
        assert verify_inclusion(leaves[m], m, n, proof, root)
        # and it proves nothing else
        assert not verify_inclusion(leaves[m] + b"x", m, n, proof, root)
        # (a proof may fit another size's shape; the signed checkpoint binds the size to the root)
        assert not verify_inclusion(leaves[m], m, n + 1, proof, mth([*leaves, b"more"]))
        if n > 1:
            assert not verify_inclusion(leaves[m], (m + 1) % n, n, proof, root)
            assert not verify_inclusion(leaves[m], m, n, proof[:-1], root)
            bad = list(proof)
            bad[0] = bytes(32)
            assert not verify_inclusion(leaves[m], m, n, bad, root)


@given(st.integers(1, 17), st.data())
def test_roots_and_proofs_of_every_prefix(n, data):
    leaves = [bytes([i]) for i in range(n)]
    tree = MerkleTree(leaves)
    size = data.draw(st.integers(1, n))
    m = data.draw(st.integers(0, size - 1))
    assert tree.root(size) == mth(leaves[:size])
    assert tree.inclusion_proof(m, size) == path(m, leaves[:size])


def test_streaming_root_matches_the_tree_at_every_size():
    acc = RootAccumulator()
    leaves = [bytes([i]) * 3 for i in range(70)]
    tree = MerkleTree(leaves)
    assert acc.root() == EMPTY_ROOT
    for i, leaf in enumerate(leaves, start=1):
        acc.add(leaf)
        assert acc.root() == tree.root(i)


def test_one_pass_root_and_path_match_the_tree_for_every_leaf_up_to_70():
    # what range exports use instead of a MerkleTree: each leaf's path from a stream, O(log n) memory
    for n in range(1, 71):
        leaves = [i.to_bytes(2, "big") for i in range(n)]
        tree = MerkleTree(leaves)
        for m in range(n):
            assert root_and_path(iter(leaves), m, n) == (tree.root(), tree.inclusion_proof(m)), (n, m)


@given(st.integers(1, 5000), st.data())
def test_one_pass_root_and_path_of_larger_trees(n, data):
    leaves = [i.to_bytes(4, "big") for i in range(n)]
    m = data.draw(st.integers(0, n - 1))
    root, proof = root_and_path(iter(leaves), m, n)
    assert root == merkle_root(leaves) == mth(leaves)
    assert proof == path(m, leaves)


def test_one_pass_root_and_path_refuse_a_stream_of_the_wrong_length():
    for given_n, size in ((5, 6), (7, 6), (0, 1)):
        with pytest.raises(ValueError, match="leaves for a tree of size 6|tree of size 1"):
            root_and_path(iter([b"x"] * given_n), 0, size)
    with pytest.raises(ValueError):
        root_and_path([b"x"], 1, 1)


def test_out_of_range_requests_are_refused():
    tree = MerkleTree([b"a", b"b"])
    with pytest.raises(ValueError):
        tree.inclusion_proof(2)
    with pytest.raises(ValueError):
        tree.root(3)
    assert not verify_inclusion(b"a", 0, 0, [], EMPTY_ROOT)


# certificate-transparency's consistency proofs over the same 8 leaves: (first, second, proof)
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


@pytest.mark.parametrize(("first", "second", "proof"), CT_CONSISTENCY)
def test_certificate_transparency_reference_consistency_proofs(first, second, proof):
    old, new, got = consistency_proof(iter(CT_LEAVES[:second]), first, second)
    assert [p.hex() for p in got] == proof
    tree = MerkleTree(CT_LEAVES[:second])
    assert (old, new) == (tree.root(first), tree.root())
    assert verify_consistency(first, second, old, new, got)


@given(st.integers(1, 70), st.data())
def test_consistency_proofs_verify_and_catch_a_rewritten_prefix(n, data):
    """Every proof from a prefix verifies; a tree whose first `first` leaves differ does not."""
    leaves = [i.to_bytes(4, "big") for i in range(n)]
    first = data.draw(st.integers(1, n))
    old, new, proof = consistency_proof(iter(leaves), first, n)
    assert verify_consistency(first, n, old, new, proof)
    forged = list(leaves)
    forged[data.draw(st.integers(0, first - 1))] = b"forged"
    forged_old = merkle_root(forged[:first])
    assert not verify_consistency(first, n, forged_old, new, proof)
