"""Seeded random cases, biased toward what breaks EVMs: call nests of every kind, storage and transient
storage written, rewritten and cleared (refunds), memory at the edges of expansion, precompiles (Prague's
BLS12-381 too), creations that fail in each way, reverts at depth, EIP-7702 authorizations, EIP-2935
block hashes, and calldata heavy enough for EIP-7623's floor."""

from __future__ import annotations

import random

from app.evm.conformance.difffuzz.case import AuthSpec, Case, ContractSpec, TxSpec, min_gas
from app.evm.conformance.difffuzz.program import Fragment
from app.evm.conformance.difffuzz.templates import init_code, precompile_input

INTERESTING = [0, 1, 2, 3, 31, 32, 255, 256, 2**64 - 1, 2**128, 2**255, 2**255 - 1, 2**256 - 1, 2**256 - 2]
MEMORY_EDGES = [0, 1, 31, 32, 33, 0x3E0, 0x400, 0x7FF, 0x1000, 0x1001, 0xFFE0, 0x10000, 0x5FFE1, 2**32, 2**64]
WEIGHTS = {
    "op": 10,
    "store": 12,
    "mem": 6,
    "log": 4,
    "call": 12,
    "pre": 7,
    "create": 4,
    "env": 5,
    "ext": 4,
    "cd": 3,
    "bhash": 2,
    "hist": 2,
    "loop": 2,
    "rd": 2,
}


def value(rng: random.Random) -> int:
    return rng.choice(INTERESTING) if rng.random() < 0.7 else rng.getrandbits(rng.choice((8, 64, 256)))


def fragment(rng: random.Random, kind: str) -> Fragment:
    r = rng.getrandbits
    if kind == "op":
        return ("op", r(8), value(rng), value(rng), value(rng))
    if kind == "store":  # small values and few slots: set, reset, clear and restore happen often
        return ("store", r(2), r(1), r(3), rng.choice((0, 0, 1, 2, value(rng))))
    if kind == "mem":
        small = rng.random() < 0.85
        off = rng.choice(MEMORY_EDGES[:10] if small else MEMORY_EDGES)
        return ("mem", r(3), off, rng.choice((0, 1, 32, 33, 64, 0x120)), value(rng) % 0x2000)
    if kind == "log":
        return ("log", r(3), rng.choice((0, 32, 0x7E0)), rng.choice((0, 1, 32, 64)), value(rng), r(8), 7, 9)
    if kind == "call":
        return ("call", r(2), r(5), r(17), r(2), r(11), rng.choice((0, 4, 32, 64, 200)), r(11), r(7))
    if kind == "pre":
        which = r(5) if rng.random() < 0.5 else 0x0A + r(3)  # half of them BLS12-381
        return ("pre", which, r(3), r(64), r(18))
    if kind == "create":
        return ("create", r(4), r(1), r(2), r(2))
    return (kind, r(8), r(8), r(8), r(8))


def program(rng: random.Random, size: int) -> list[Fragment]:
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    frags = [fragment(rng, k) for k in rng.choices(kinds, weights, k=size)]
    frags.append(("end", rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6)), r8(rng), r8(rng)))
    return frags


def r8(rng: random.Random) -> int:
    return rng.getrandbits(8)


def calldata(rng: random.Random) -> bytes:
    shape = rng.random()
    if shape < 0.4:
        return rng.randbytes(rng.choice((0, 4, 32, 36, 68)))
    if shape < 0.7:  # long and mostly zeros or mostly not: where EIP-7623's floor starts to bite
        n = rng.choice((200, 800, 2000, 5000))
        return bytes(n) if rng.random() < 0.5 else rng.randbytes(n)
    return precompile_input(r8(rng), r8(rng), rng.getrandbits(64))[1]


def transaction(rng: random.Random, case: Case) -> TxSpec:
    targets = len(case.tx_targets())
    spec = TxSpec(to=rng.randrange(targets) if rng.random() < 0.92 else -1, kind=rng.choice((0, 1, 2, 2, 4)))
    if spec.to >= len(case.contracts) and rng.random() < 0.6:
        spec.to = rng.randrange(max(1, len(case.contracts)))  # mostly the contracts
    data = calldata(rng)
    spec.data, spec.value, spec.tip, spec.init = (
        data.hex(),
        rng.choice((0, 0, 1, 10**15)),
        r8(rng) % 4,
        r8(rng),
    )
    if spec.kind in (1, 2, 4) and rng.random() < 0.3:
        spec.access = [rng.randrange(targets) for _ in range(rng.randint(1, 3))]
    if spec.kind == 4:
        spec.auths = [
            AuthSpec(
                rng.choice((-1, 0, 1, 2)), r8(rng), rng.choice((0, 1, 1, 1, 2)), rng.choice((0, 0, 0, 1))
            )
            for _ in range(rng.randint(1, 3))
        ]
    full = (init_code(spec.init) if spec.to < 0 else b"") + data
    least = min_gas(full, spec.to < 0, len(spec.access), len(spec.auths))
    roll = rng.random()
    if roll < 0.6:
        spec.gas = least + rng.choice((200_000, 500_000, 1_500_000))
    elif roll < 0.97:
        spec.gas = least + rng.randrange(0, 60_000)
    else:
        spec.gas = least - 1  # below intrinsic or the floor: both nodes must refuse it
    return spec


def generate(rng: random.Random, seed: int = 0) -> Case:
    contracts = [
        ContractSpec(
            code=program(rng, rng.randint(1, 14)),
            balance=rng.choice((0, 0, 1, 10**18)),
            storage={rng.randrange(8): rng.choice((1, 2, 2**255)) for _ in range(rng.randint(0, 3))},
        )
        for _ in range(rng.randint(1, 4))
    ]
    case = Case(contracts, [], seed)
    case.txs = [transaction(rng, case) for _ in range(rng.randint(1, 4))]
    return case
