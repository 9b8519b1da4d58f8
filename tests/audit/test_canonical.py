"""Canonical JSON: the rule documented in app/rwa/audit/canonical.py, and RFC 8785's own examples."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rwa.audit.canonical import MAX_SAFE_INT, canonical_json, entry_hash
from app.rwa.errors import AuditPayloadError


def test_keys_sorted_by_utf16_code_units_as_rfc8785_example():
    # RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33, unlike code point order
    value = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    assert (
        canonical_json(value) == '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\U0001f600":5,"\ufb33":3}'
    )


def test_no_whitespace_utf8_and_only_json_stringify_escapes():
    text = canonical_json({"b": [1, 'x\n\t\u001f"\\/é\u2028\u007f'], "a": None, "c": {"z": False, "y": True}})
    assert text == '{"a":null,"b":[1,"x\\n\\t\\u001f\\"\\\\/é\u2028\u007f"],"c":{"y":true,"z":false}}'


def test_integers_are_numbers_only_when_safe_and_decimals_are_strings():
    value = {
        "safe": MAX_SAFE_INT,
        "neg": -MAX_SAFE_INT,
        "big": MAX_SAFE_INT + 1,
        "wei": 10**18,
        "d": Decimal("1.50"),
    }
    assert json.loads(canonical_json(value)) == {
        "safe": 9007199254740991,
        "neg": -9007199254740991,
        "big": "9007199254740992",
        "wei": "1000000000000000000",
        "d": "1.50",
    }
    assert canonical_json(Decimal("1E+3")) == '"1000"'  # plain notation, never an exponent


def test_times_bytes_uuids_enums_have_one_text_form():
    class Colour(Enum):
        RED = "red"

    class Level(IntEnum):
        HIGH = 3

    cet = timezone(timedelta(hours=1))
    u = uuid.UUID(int=1)
    value = [
        datetime(2026, 1, 1, 1, 0, tzinfo=cet),
        date(2026, 2, 3),
        b"\x01\xff",
        u,
        Colour.RED,
        Level.HIGH,
        (1, 2),
    ]
    assert canonical_json(value) == (
        '["2026-01-01T00:00:00.000000Z","2026-02-03","0x01ff","00000000-0000-0000-0000-000000000001","red",3,[1,2]]'
    )


@pytest.mark.parametrize(
    "bad",
    [
        1.5,
        float("nan"),
        Decimal("NaN"),
        datetime(2026, 1, 1),
        {1: "int key"},
        "\ud800",
        object(),
        {"x": [0.1]},
    ],
)
def test_values_without_a_canonical_form_are_refused(bad):
    with pytest.raises(AuditPayloadError):
        canonical_json(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INT, MAX_SAFE_INT) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_text_parses_back_to_the_same_canonical_text(value):
    text = canonical_json(value)
    assert canonical_json(json.loads(text)) == text
    assert json.loads(text) == value


def test_entry_hash_covers_every_field_and_separates_them():
    base = (1, "2026-01-01T00:00:00.000000Z", "alice", "act", "asset:X", "X", "{}", bytes(32))
    h = entry_hash(*base)
    for i, other in enumerate(
        (2, "2026-01-01T00:00:00.000001Z", "bob", "ac", "asset:Y", None, '{"a":1}', b"\x01" * 32)
    ):
        changed = list(base)
        changed[i] = other
        assert entry_hash(*changed) != h, f"field {i} is not covered"
    # moving a character across a field boundary changes the hash (length prefixes)
    assert entry_hash(1, "t", "ab", "c", "s", None, "{}", bytes(32)) != entry_hash(
        1, "t", "a", "bc", "s", None, "{}", bytes(32)
    )
    assert entry_hash(*base[:5], "", *base[6:]) != entry_hash(*base[:5], None, *base[6:])
