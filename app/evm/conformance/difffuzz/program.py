"""EVM programs as lists of fragments, and the assembler that turns them into bytecode.

A fragment is a tuple ``(kind, *ints)``. Every fragment assembles to stack-neutral code, so any subsequence
of a program is again a well-formed program: the minimizer may drop fragments freely. Arguments are taken
modulo what they index (targets, opcodes, templates), so a shrunk or mutated argument stays valid.
Fragments that compute something store it in the next 32-byte *result slot* of memory (slot i at 32*i,
64 slots, wrapping); the ``end`` fragment RETURNs or REVERTs that region, so intermediate values show up in
the return data both nodes are compared on."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.evm.conformance.difffuzz import templates as tpl

Fragment = tuple[int | str, ...]
RESULT_SLOTS = 64
HISTORY = bytes.fromhex("0000f90827f1c53a10cb7a02335b175320002935")  # EIP-2935 block-hash history

BINARY = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13, 0x14]
BINARY += [0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1D]
TERNARY = [0x08, 0x09]
UNARY = [0x15, 0x19]
ENV = [0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3A, 0x3D, 0x41, 0x43, 0x45, 0x46, 0x47, 0x48, 0x4A, 0x59, 0x5A]
EXT = [0x31, 0x3B, 0x3F, 0x3C]  # BALANCE, EXTCODESIZE, EXTCODEHASH, EXTCODECOPY
CALLS = [0xF1, 0xF2, 0xF4, 0xFA]  # CALL, CALLCODE, DELEGATECALL, STATICCALL


@dataclass
class Context:
    """What a contract's code may refer to: its own address, the other contracts, the EOAs and
    authorities of the case, and the precompiles."""

    me: bytes
    targets: list[bytes] = field(default_factory=list)

    def target(self, sel: int) -> bytes:
        return self.targets[sel % len(self.targets)] if self.targets else self.me


class Asm:
    def __init__(self) -> None:
        self.code = bytearray()
        self.slot = 0

    def op(self, *ops: int) -> Asm:
        self.code.extend(ops)
        return self

    def push(self, value: int | bytes) -> Asm:
        raw = value if isinstance(value, bytes) else _word(value)
        raw = raw.lstrip(b"\0")
        if not raw:
            return self.op(0x5F)  # PUSH0
        self.code.append(0x5F + len(raw))
        self.code.extend(raw)
        return self

    def result(self) -> Asm:
        """Store the top of the stack in the next result slot."""
        self.push(32 * (self.slot % RESULT_SLOTS)).op(0x52)
        self.slot += 1
        return self

    def put_memory(self, offset: int, data: bytes) -> Asm:
        """Write ``data`` at ``offset`` with MSTOREs (the last word zero-padded)."""
        for i in range(0, len(data), 32):
            self.push(data[i : i + 32].ljust(32, b"\0")).push(offset + i).op(0x52)
        return self


def _word(value: int) -> bytes:
    return (value % 2**256).to_bytes(32, "big")


def assemble(fragments: list[Fragment], ctx: Context) -> bytes:
    asm = Asm()
    for frag in fragments:
        emit(asm, frag, ctx)
    return bytes(asm.code)


def emit(asm: Asm, frag: Fragment, ctx: Context) -> None:
    kind, args = frag[0], [int(a) for a in frag[1:]]
    fn = _EMITTERS.get(str(kind))
    if fn is None:
        raise ValueError(f"unknown fragment kind {kind!r}")
    fn(asm, args + [0] * (8 - len(args)), ctx)


def _op(asm: Asm, a: list[int], ctx: Context) -> None:
    table = BINARY + TERNARY + UNARY
    code = table[a[0] % len(table)]
    arity = 3 if code in TERNARY else 1 if code in UNARY else 2
    for v in reversed(a[1 : 1 + arity]):
        asm.push(v)
    asm.op(code).result()


def _storage(asm: Asm, a: list[int], ctx: Context) -> None:
    transient = a[0] % 2 == 1
    if a[1] % 2 == 0:  # store
        asm.push(a[3]).push(a[2] % 8).op(0x5D if transient else 0x55)
    else:
        asm.push(a[2] % 8).op(0x5C if transient else 0x54).result()


def _mem(asm: Asm, a: list[int], ctx: Context) -> None:
    which, off, length, other = a[0] % 6, a[1], a[2], a[3]
    if which == 0:
        asm.push(other).push(off).op(0x52)
    elif which == 1:
        asm.push(other).push(off).op(0x53)
    elif which == 2:
        asm.push(off).op(0x51).result()
    elif which == 3:  # MCOPY dst src len
        asm.push(length).push(other).push(off).op(0x5E)
    elif which == 4:
        asm.push(length).push(off).op(0x20).result()
    else:
        asm.op(0x59).result()


def _log(asm: Asm, a: list[int], ctx: Context) -> None:
    topics = a[0] % 5
    for t in reversed(a[3 : 3 + topics] + [0] * (topics - len(a[3 : 3 + topics]))):
        asm.push(t)
    asm.push(a[2]).push(a[1]).op(0xA0 + topics)


def _call(asm: Asm, a: list[int], ctx: Context) -> None:
    code = CALLS[a[0] % 4]
    target = ctx.target(a[1])
    in_off, in_len, out_off, out_len = a[4] % 2048, a[5] % 256, a[6] % 2048, a[7] % 96
    asm.push(out_len).push(out_off).push(in_len).push(in_off)
    if code in (0xF1, 0xF2):
        asm.push(a[3] % 3)  # value: 0, 1 or 2 wei
    asm.push(target)
    if a[2] % 3 == 0:
        asm.op(0x5A)  # all the gas (63/64)
    else:
        asm.push(a[2] % 120_000)
    asm.op(code).result().op(0x3D).result()


def _precompile(asm: Asm, a: list[int], ctx: Context) -> None:
    address, data = tpl.precompile_input(a[0], a[1], a[2])
    asm.put_memory(0x800, data)
    asm.push(64).push(0xC00).push(len(data)).push(0x800).push(address)
    if a[3] % 4:
        asm.op(0x5A)
    else:
        asm.push(a[3] % 200_000)
    asm.op(0xFA).result().push(0xC00).op(0x51).result()
    # the whole output, hashed: RETURNDATACOPY(0x1000, 0, RETURNDATASIZE); KECCAK256(0x1000, RETURNDATASIZE)
    asm.op(0x3D, 0x5F).push(0x1000).op(0x3E, 0x3D).push(0x1000).op(0x20).result()


def _create(asm: Asm, a: list[int], ctx: Context) -> None:
    init = tpl.init_code(a[0])
    asm.put_memory(0x800, init)
    if a[1] % 2:  # CREATE2: value offset size salt
        asm.push(a[2]).push(len(init)).push(0x800).push(a[3] % 3).op(0xF5)
    else:
        asm.push(len(init)).push(0x800).push(a[3] % 3).op(0xF0)
    asm.op(0x80).result()  # DUP1: the address (0 on failure) is a result
    # call what was created: retLen retOff argsLen argsOff value, DUP6 = the address, GAS, CALL
    asm.op(0x5F, 0x5F, 0x5F, 0x5F, 0x5F, 0x85, 0x5A, 0xF1).result().op(0x50)


def _env(asm: Asm, a: list[int], ctx: Context) -> None:
    asm.op(ENV[a[0] % len(ENV)]).result()


def _ext(asm: Asm, a: list[int], ctx: Context) -> None:
    code, target = EXT[a[0] % len(EXT)], ctx.target(a[1])
    if code == 0x3C:  # EXTCODECOPY address destOffset offset size
        asm.push(a[3] % 128).push(a[2] % 64).push(0x600).push(target).op(0x3C)
    else:
        asm.push(target).op(code).result()


def _calldata(asm: Asm, a: list[int], ctx: Context) -> None:
    if a[0] % 2:
        asm.push(a[3] % 256).push(a[2] % 256).push(a[1] % 2048).op(0x37)
    else:
        asm.push(a[1] % 512).op(0x35).result()


def _blockhash(asm: Asm, a: list[int], ctx: Context) -> None:
    # hashes differ between two nodes (other timestamps): compare only whether one is known
    asm.push(a[0] % 260).op(0x43, 0x03, 0x40, 0x15).result()  # ISZERO(BLOCKHASH(NUMBER - k))


def _history(asm: Asm, a: list[int], ctx: Context) -> None:
    # EIP-2935: the system contract answers the hash of block NUMBER-k (k in 1..8191), else reverts
    asm.push(a[0] % 10).op(0x43, 0x03, 0x5F, 0x52)  # mstore(0, NUMBER - k)
    asm.push(32).push(0xC00).push(32 if a[1] % 4 else 31).push(0).push(HISTORY).op(0x5A, 0xFA).result()
    asm.push(0xC00).op(0x51, 0x15).result()
    # the hash itself differs between nodes: leave neither it in memory nor in the return data buffer
    asm.op(0x5F).push(0xC00).op(0x52)
    asm.op(0x5F, 0x5F, 0x5F, 0x5F).push(4).op(0x5A, 0xFA, 0x50)  # STATICCALL identity with no input


def _loop(asm: Asm, a: list[int], ctx: Context) -> None:
    asm.push(a[0] % 200 + 1)
    head = len(asm.code)
    asm.op(0x5B).push(1).op(0x90, 0x03, 0x80).push(head).op(0x57, 0x50)  # JUMPDEST 1 SWAP1 SUB DUP1 JUMPI POP


def _returndata(asm: Asm, a: list[int], ctx: Context) -> None:
    asm.push(a[1] % 48).push(a[0] % 48).push(0x700).op(0x3E)  # RETURNDATACOPY may halt out of bounds


def _end(asm: Asm, a: list[int], ctx: Context) -> None:
    which = a[0] % 7
    length = 32 * max(1, min(asm.slot, RESULT_SLOTS))
    if which == 0:
        asm.op(0x00)
    elif which in (1, 2):
        asm.push(length).push(0).op(0xF3)
    elif which == 3:
        asm.push(length).push(0).op(0xFD)
    elif which == 4:
        asm.op(0xFE)
    elif which == 5:
        asm.push(ctx.target(a[1])).op(0xFF)
    else:
        asm.push(a[2] % 4096).push(a[1]).op(0xF3)


_EMITTERS = {
    "op": _op,
    "store": _storage,
    "mem": _mem,
    "log": _log,
    "call": _call,
    "pre": _precompile,
    "create": _create,
    "env": _env,
    "ext": _ext,
    "cd": _calldata,
    "bhash": _blockhash,
    "hist": _history,
    "loop": _loop,
    "rd": _returndata,
    "end": _end,
}
KINDS = tuple(_EMITTERS)
