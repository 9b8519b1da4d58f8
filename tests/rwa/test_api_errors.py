"""Bad input over REST gets a clear 4xx with a machine-readable code, and neither the ledger nor the audit
trail changes (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from app.rwa.ledger import transfers as ledger
from tests.rwa.factories import ACTOR, address, audit_size, ledger_state, make_asset, make_investor, make_key

A, B = address("err-a"), address("err-b")


@pytest.fixture
def world(api):
    with api.sm.begin() as s:
        sym = make_asset(s, rules={"min_transfer": 2}).symbol
        ia = make_investor(s, A)
        make_investor(s, B)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=A, units=100)
        dev = make_key(s, "developer")
        holder = make_key(s, "investor", identity_id=ia)  # a plain transfer is the holder's own
    return api, sym, ia, dev, holder


def _transfer(units):
    return {"from": A, "to": B, "units": units}


def cases(sym, ia, dev, holder):
    t = f"/v1/assets/{sym}/transfers"
    return [
        # (method, path, request kwargs, token, status, code)
        ("POST", t, {"json": _transfer(-5)}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer(1.5)}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer(10.0)}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer("1.5")}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer("1e3")}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer(0)}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer(True)}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer(2**256)}, holder, 422, "INVALID_UNITS"),
        ("POST", t, {"json": _transfer(101)}, holder, 409, "INSUFFICIENT_FREE_BALANCE"),
        ("POST", t, {"json": _transfer(1)}, holder, 422, "BELOW_MINIMUM_TRANSFER"),
        (
            "POST",
            t,
            {"json": {"from": A, "to": address("nobody"), "units": 5}},
            holder,
            404,
            "WALLET_NOT_FOUND",
        ),
        ("POST", t, {"json": {"from": A, "to": "0x1234", "units": 5}}, holder, 422, "VALIDATION_ERROR"),
        ("POST", t, {"json": {"from": A, "to": B}}, holder, 422, "VALIDATION_ERROR"),
        ("POST", t, {"json": {**_transfer(5), "memo": "x"}}, holder, 422, "VALIDATION_ERROR"),
        (
            "POST",
            t,
            {"content": b'{"from": "0x', "headers": {"content-type": "application/json"}},
            None,
            400,
            "MALFORMED_JSON",
        ),
        ("POST", "/v1/assets/NOPE/transfers", {"json": _transfer(5)}, holder, 404, "ASSET_NOT_FOUND"),
        ("POST", t, {"json": _transfer(5)}, dev, 403, "FORBIDDEN"),
        ("POST", t, {"json": _transfer(5)}, "aur_00000000_wrong", 401, "UNAUTHENTICATED"),
        ("POST", f"/v1/assets/{sym}/issue", {"json": {"wallet": A, "units": -1}}, None, 422, "INVALID_UNITS"),
        (
            "POST",
            f"/v1/assets/{sym}/redeem",
            {"json": {"wallet": A, "units": 101}},
            None,
            409,
            "INSUFFICIENT_UNITS",
        ),
        (
            "POST",
            f"/v1/assets/{sym}/freeze",
            {"json": {"wallet": A, "units": 101}},
            None,
            409,
            "INSUFFICIENT_UNITS",
        ),
        ("GET", "/v1/identities/999999", {}, None, 404, "IDENTITY_NOT_FOUND"),
        (
            "PUT",
            "/v1/identities/999999/kyc",
            {"json": {"kyc_status": "verified"}},
            None,
            404,
            "IDENTITY_NOT_FOUND",
        ),
        ("PUT", f"/v1/identities/{ia}/kyc", {"json": {"kyc_status": "great"}}, None, 422, "INVALID_INPUT"),
        (
            "POST",
            "/v1/identities",
            {"json": {"reference": "x", "label": "x", "country": 1000, "category": "retail"}},
            None,
            422,
            "INVALID_INPUT",
        ),
        (
            "POST",
            "/v1/identities",
            {"json": {"reference": "x", "label": "x", "country": "276", "category": "retail"}},
            None,
            422,
            "VALIDATION_ERROR",
        ),
        (
            "POST",
            f"/v1/assets/{sym}/status",
            {"json": {"status": "draft"}},
            None,
            409,
            "INVALID_STATUS_TRANSITION",
        ),
        (
            "POST",
            "/v1/assets",
            {
                "json": {
                    "symbol": sym,
                    "name": "x",
                    "asset_class": "bond",
                    "issuer_id": 1,
                    "jurisdiction": "DE",
                    "currency": "EUR",
                }
            },
            None,
            409,
            "ALREADY_EXISTS",
        ),
        (
            "POST",
            "/v1/assets",
            {
                "json": {
                    "symbol": "ZZ",
                    "name": "x",
                    "asset_class": "bond",
                    "issuer_id": 1,
                    "jurisdiction": "DE",
                    "currency": "XXQ",
                }
            },
            None,
            422,
            "INVALID_INPUT",
        ),
        ("GET", f"/v1/assets/{sym}/documents/none/content", {}, None, 404, "DOCUMENT_NOT_FOUND"),
        ("GET", "/v1/audit/entries/999999/proof", {}, None, 404, "AUDIT_ENTRY_NOT_FOUND"),
        ("DELETE", "/v1/keys/ffffffff", {}, None, 404, "KEY_NOT_FOUND"),
        ("GET", "/v1/no-such-thing", {}, None, 404, "NOT_FOUND"),
    ]


def test_bad_input_is_refused_with_a_code_and_changes_nothing(world):
    api, sym, ia, dev, holder = world
    with api.sm.begin() as s:
        before, size = ledger_state(s), audit_size(s)
    wrong = []
    for method, path, kw, token, status, code in cases(sym, ia, dev, holder):
        r = api.call(method, path, token=token, **kw)
        body = r.json()
        if (r.status_code, body.get("code")) != (status, code) or r.headers[
            "content-type"
        ] != "application/problem+json":
            wrong.append(f"{method} {path} {kw}: {r.status_code} {body}")
        elif not body.get("detail"):
            wrong.append(f"{method} {path}: no detail")
    assert not wrong, "\n".join(wrong)
    with api.sm.begin() as s:
        assert ledger_state(s) == before
        assert audit_size(s) == size


def test_a_refused_transfer_carries_its_erc1404_code(world):
    api, sym, _, _, holder = world
    r = api.call("POST", f"/v1/assets/{sym}/transfers", json=_transfer(101), token=holder)
    assert r.json()["restriction_code"] == 11
    check = api.call("POST", f"/v1/assets/{sym}/can-transfer", json=_transfer(101)).json()
    assert check == {
        "allowed": False,
        "code": 11,
        "reason": "INSUFFICIENT_FREE_BALANCE",
        "message": "the amount exceeds the sender's free (unfrozen) balance",
    }


def test_units_as_decimal_strings_are_exact(world):
    api, sym, _, _, _ = world
    big = str(10**40 + 1)
    r = api.call("POST", f"/v1/assets/{sym}/issue", json={"wallet": B, "units": big})
    assert r.status_code == 201 and r.json()["units"] == big
    asset = api.call("GET", f"/v1/assets/{sym}").json()
    assert asset["issued_units"] == str(10**40 + 101)
