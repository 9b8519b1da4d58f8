"""RFC 6962 (Certificate Transparency) Merkle tree: roots for any tree size, inclusion proofs, verification.

Leaves are the audit entry hashes: leaf hash = SHA-256(0x00 || data), interior node = SHA-256(0x01 || l || r),
the empty tree's root is SHA-256(""). A tree of n leaves splits at the largest power of two below n (RFC 6962
§2.1), which is why the right edge of a tree is not padded: an odd node is carried up as is."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """Every perfect, aligned subtree of the leaves, kept level by level: roots and audit paths of any prefix
    of the log in O(log² n) hashes each. Memory is about 2n hashes (~130 MB for a million leaves)."""

    def __init__(self, data: Iterable[bytes]) -> None:
        level = [leaf_hash(d) for d in data]
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def _range(self, lo: int, hi: int) -> bytes:
        """MTH of leaves [lo, hi); lo is always aligned to the largest power of two that fits."""
        n = hi - lo
        if n & (n - 1) == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = _split(n)
        return node_hash(self._range(lo, lo + k), self._range(lo + k, hi))

    def root(self, tree_size: int | None = None) -> bytes:
        n = self.size if tree_size is None else tree_size
        if not 0 <= n <= self.size:
            raise ValueError(f"tree size {n} outside 0..{self.size}")
        return self._range(0, n) if n else EMPTY_ROOT

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        """RFC 6962 §2.1.1 PATH(index, D[0:tree_size]), sibling hashes from the leaf up."""
        n = self.size if tree_size is None else tree_size
        if not 0 <= index < n <= self.size:
            raise ValueError(f"leaf {index} is not in a tree of size {n} (of {self.size})")
        return [self._range(lo, hi) for lo, hi in _path_ranges(index, n)]


def _path_ranges(index: int, n: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose roots are PATH(index, D[0:n]), from the leaf up. With leaf `index`
    they partition 0..n."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def root_and_path(data: Iterable[bytes], index: int, tree_size: int) -> tuple[bytes, list[bytes]]:
    """The root of the tree of exactly `tree_size` leaves `data` and the audit path of leaf `index`, in one
    pass and O(log n) memory (a MerkleTree keeps about 2n hashes): each path hash is the root of a range
    of leaves, streamed through its own accumulator, and the tree's root is the leaf folded with its path."""
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf {index} is not in a tree of size {tree_size}")
    ranges = _path_ranges(index, tree_size)
    spans = iter(sorted(ranges))  # in the order the leaves come
    span, acc, leaf = next(spans, (tree_size, tree_size)), RootAccumulator(), b""
    roots: dict[tuple[int, int], bytes] = {}
    count = 0
    for i, d in enumerate(data):
        count = i + 1
        if i == tree_size:
            break
        if i == index:
            leaf = d
            continue
        if i >= span[1]:  # spans are contiguous but for the leaf: at most one ends here
            roots[span], span, acc = acc.root(), next(spans), RootAccumulator()
        acc.add(d)
    if count != tree_size:
        few = f"only {count}" if count < tree_size else "more"
        raise ValueError(f"{few} leaves for a tree of size {tree_size}")
    if ranges:
        roots[span] = acc.root()
    path = [roots[r] for r in ranges]
    root = _fold(leaf, index, tree_size, path)
    assert root is not None  # a path of the right length always folds
    return root, path


def _fold(data: bytes, index: int, tree_size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root that `proof` leads to from leaf `index` of a tree of `tree_size` (RFC 9162 §2.1.3.2),
    or None when the proof has the wrong length."""
    fn, sn, r = index, tree_size - 1, leaf_hash(data)
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(data: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show that leaf `index` of the tree of `tree_size` with `root`
    is `data`?"""
    return 0 <= index < tree_size and _fold(data, index, tree_size, proof) == root


class RootAccumulator:
    """The root of a growing log in O(log n) memory: the hashes of its perfect subtrees, largest first."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []  # subtree i covers 2^(bit i of size) leaves, in decreasing size

    def add(self, data: bytes) -> None:
        # leaf_hash and node_hash inlined: verifying a million-entry export calls this a million times
        h = _sha256(b"\x00" + data).digest()
        n, stack = self.size, self._stack
        while n & 1:  # each trailing 1 bit of the old size is a perfect subtree that now merges
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            n >>= 1
        stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def merkle_root(data: Iterable[bytes]) -> bytes:
    acc = RootAccumulator()
    for d in data:
        acc.add(d)
    return acc.root()


# -- consistency (RFC 6962 §2.1.2, verification RFC 9162 §2.1.4.2) -------------------------------------------


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose roots are PROOF(first, D[0:second]), in proof order (disjoint)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from a tree of {first} to one of {second}")
    out: list[tuple[int, int]] = []

    def sub(m: int, lo: int, hi: int, whole: bool) -> None:  # SUBPROOF(m, D[lo:hi], b)
        if m == hi - lo:
            if not whole:
                out.append((lo, hi))
            return
        k = _split(hi - lo)
        if m <= k:
            sub(m, lo, lo + k, whole)
            out.append((lo + k, hi))
        else:
            sub(m - k, lo + k, hi, False)
            out.append((lo, lo + k))

    sub(first, 0, second, True)
    return out


def consistency_proof(data: Iterable[bytes], first: int, second: int) -> tuple[bytes, bytes, list[bytes]]:
    """(root of the first `first` leaves, root of all `second`, PROOF(first, second)) in one pass over the
    leaves and O(log n) memory, as `root_and_path`."""
    ranges = consistency_ranges(first, second)
    order = sorted(range(len(ranges)), key=lambda i: ranges[i])
    roots: list[bytes] = [b""] * len(ranges)
    old, new, acc = RootAccumulator(), RootAccumulator(), RootAccumulator()
    pos = 0  # index into `order` of the range the leaves are in
    count = 0
    for i, d in enumerate(data):
        if i == second:
            count = i + 1
            break
        count = i + 1
        new.add(d)
        if i < first:
            old.add(d)
        while pos < len(order) and i >= ranges[order[pos]][1]:
            roots[order[pos]], acc, pos = acc.root(), RootAccumulator(), pos + 1
        if pos < len(order) and ranges[order[pos]][0] <= i:
            acc.add(d)
    if count != second:
        raise ValueError(
            f"{'only ' + str(count) if count < second else 'more'} leaves for a tree of {second}"
        )
    while pos < len(order):
        roots[order[pos]], acc, pos = acc.root(), RootAccumulator(), pos + 1
    return old.root(), new.root(), roots


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `second` leaves with `second_root` an append-only extension of the
    tree of `first` leaves with `first_root`?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # every tree extends the empty one
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
