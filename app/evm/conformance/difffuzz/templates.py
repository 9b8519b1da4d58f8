"""Inputs worth sending: precompile calls (valid and invalid, incl. Prague's BLS12-381 of EIP-2537) and
init codes for CREATE/CREATE2 (a normal runtime, a revert, EIP-3541's 0xEF, EIP-170's size limit and its
edge, a self-destruct in the constructor, a constructor that runs out of gas)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey
from py_ecc.optimized_bls12_381 import optimized_curve as bls

Point = Any  # py_ecc's projective points


def _fp(value: int) -> bytes:
    return value.to_bytes(64, "big")  # EIP-2537: a field element is 64 bytes, the top 16 zero


@lru_cache(maxsize=64)
def g1(k: int) -> bytes:
    if k == 0:
        return b"\0" * 128  # the point at infinity
    x, y = bls.normalize(bls.multiply(bls.G1, k))
    return _fp(int(x)) + _fp(int(y))


@lru_cache(maxsize=64)
def g2(k: int) -> bytes:
    if k == 0:
        return b"\0" * 256
    x, y = bls.normalize(bls.multiply(bls.G2, k))
    return b"".join(_fp(int(c)) for c in (*x.coeffs, *y.coeffs))


def _neg_g1(k: int) -> bytes:
    x, y = bls.normalize(bls.neg(bls.multiply(bls.G1, k)))
    return _fp(int(x)) + _fp(int(y))


_P = bls.field_modulus
_NOT_ON_CURVE_G1 = _fp(1) + _fp(1)
_BN_G1 = (1).to_bytes(32, "big") + (2).to_bytes(32, "big")


def _ecrecover(variant: int, rnd: int) -> bytes:
    digest: bytes = keccak(rnd.to_bytes(32, "big"))
    sig = PrivateKey(b"\x11" * 32).sign_msg_hash(digest)
    v = 27 + int(sig.v) if variant % 3 else 29  # 29: an invalid v
    r, s = int(sig.r), int(sig.s)
    return digest + v.to_bytes(32, "big") + r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _modexp(variant: int, rnd: int) -> bytes:
    base, exp, mod = rnd % 1000 + 2, rnd % 300, [rnd % 97 + 1, 0, 2**255 + rnd][variant % 3]
    lens = (32, 32 if variant % 4 else 64, 32)
    head = b"".join(n.to_bytes(32, "big") for n in lens)
    return head + base.to_bytes(32, "big") + exp.to_bytes(lens[1], "big") + mod.to_bytes(32, "big")


def _blake2f(variant: int, rnd: int) -> bytes:
    rounds = (rnd % 16).to_bytes(4, "big")
    body = keccak(rnd.to_bytes(8, "big")) * 2 + keccak(b"m" + rnd.to_bytes(8, "big")) * 4 + b"\0" * 16
    return rounds + body + bytes([variant % 3])  # final flag 2 is invalid


def _bls(address: int, variant: int, rnd: int) -> bytes:
    k, v = rnd % 50 + 1, variant % 5
    if address == 0x0B:  # G1ADD
        return [g1(0) + g1(0), g1(k) + g1(0), g1(k) + g1(k), _NOT_ON_CURVE_G1 + g1(k), g1(k)][v]
    if address == 0x0C:  # G1MSM: point, scalar
        pair = g1(k) + (rnd * 7919).to_bytes(32, "big")
        return [pair, pair * 2, g1(0) + bytes(32), b"", _NOT_ON_CURVE_G1 + bytes(32)][v]
    if address == 0x0D:  # G2ADD
        return [g2(0) + g2(0), g2(k) + g2(0), g2(k) + g2(k), g2(k) + g2(k)[:-1], g2(1) + g2(2)][v]
    if address == 0x0E:  # G2MSM
        pair = g2(k) + (rnd * 104729).to_bytes(32, "big")
        return [pair, pair + g2(1) + bytes(32), g2(0) + bytes(32), b"", pair[:-1]][v]
    if address == 0x0F:  # pairing check
        both = g1(k) + g2(1) + _neg_g1(k) + g2(1)
        return [g1(1) + g2(1), both, g1(0) + g2(0), b"", _NOT_ON_CURVE_G1 + g2(1)][v]
    if address == 0x10:  # MAP_FP_TO_G1
        return [_fp(rnd), _fp(_P - 1), _fp(_P), _fp(0), _fp(rnd)[:-1]][v]
    return [_fp(rnd) + _fp(k), _fp(0) * 2, _fp(_P) + _fp(1), _fp(rnd) * 2, _fp(1)][v]  # MAP_FP2_TO_G2


def precompile_input(which: int, variant: int, rnd: int) -> tuple[int, bytes]:
    """A precompile address 1..0x12 (0x12 has none) and an input for it."""
    address, rnd = which % 0x12 + 1, rnd % 2**64
    data = rnd.to_bytes(32, "big") * (variant % 4)
    if address == 1:
        data = _ecrecover(variant, rnd)
    elif address == 5:
        data = _modexp(variant, rnd)
    elif address in (6, 7):
        scalar_or_point = _BN_G1 if address == 6 else (rnd % 2**64).to_bytes(32, "big")
        data = [_BN_G1 + scalar_or_point, (1).to_bytes(32, "big") * 3, b""][variant % 3]
    elif address == 8:
        data = [b"", _BN_G1 + bytes(128), bytes(191)][variant % 3]
    elif address == 9:
        data = _blake2f(variant, rnd)
    elif address == 0x0A:
        data = rnd.to_bytes(32, "big") * 6
    elif address >= 0x0B and address <= 0x11:
        data = _bls(address, variant, rnd)
    return address, data


def _deployer(runtime: bytes) -> bytes:
    n = len(runtime)
    return bytes([0x60, n, 0x60, 10, 0x5F, 0x39, 0x60, n, 0x5F, 0xF3]) + runtime


INIT_CODES = (
    _deployer(bytes.fromhex("335f5260205ff3")),  # runtime returns its caller
    bytes.fromhex("602a5f5260205ffd"),  # constructor reverts with 42
    bytes.fromhex("60ef5f5360015ff3"),  # returns code starting 0xEF (EIP-3541)
    bytes.fromhex("6160015ff3"),  # returns 24,577 bytes: over EIP-170's limit
    bytes.fromhex("6007600155"),  # stores, returns no code
    bytes.fromhex("33ff"),  # self-destructs in its constructor (EIP-6780: the account goes)
    bytes.fromhex("5b5f56"),  # loops until out of gas
    _deployer(bytes.fromhex("335f5260205ffd")),  # runtime reverts with its caller
    _deployer(bytes.fromhex("60015f5500")),  # runtime stores 1 at slot 0
    bytes.fromhex("6160005ff3"),  # returns exactly 24,576 bytes
)


def init_code(sel: int) -> bytes:
    return INIT_CODES[sel % len(INIT_CODES)]
