"""Our once-per-code JUMPDEST analysis (app/evm/execution/pyevm.py) answers exactly as py-evm's CodeStream."""

from __future__ import annotations

from eth.vm.code_stream import CodeStream
from hypothesis import given, settings
from hypothesis import strategies as st

from app.evm.execution.pyevm import _AnalyzedCode, opcode_starts

# bytecode rich in PUSH opcodes, so PUSH data that hides other PUSHes and JUMPDESTs is common
_OPS = st.sampled_from([0x5B, 0x56, 0x57, 0x00, 0x60, 0x61, 0x62, 0x7E, 0x7F, 0x5F, 0x01])
_CODE = st.one_of(st.binary(max_size=300), st.lists(_OPS, max_size=300).map(bytes))


@settings(max_examples=400, deadline=None)
@given(_CODE)
def test_every_position_agrees_with_py_evm(code):
    ours, reference = _AnalyzedCode(code), CodeStream(code)
    for position in range(len(code) + 40):
        assert ours.is_valid_opcode(position) == reference.is_valid_opcode(position), position


def test_push_data_is_not_an_opcode_and_a_truncated_push_ends_the_code():
    code = bytes([0x60, 0x5B, 0x5B, 0x7F]) + b"\x5b" * 31  # PUSH1 5B, JUMPDEST, PUSH32 (31 bytes of 32)
    assert list(opcode_starts(code)[:4]) == [1, 0, 1, 1]
    assert set(opcode_starts(code)[4:]) == {0}
    assert not _AnalyzedCode(code).is_valid_opcode(len(code))
