"""Issue 11, access items over REST on SQLite and PostgreSQL: an emptied wallet is not "recovered" (15), the
last admin key cannot be revoked (17)."""

from __future__ import annotations

from app.rwa import ledger
from tests.rwa.factories import ACTOR, address, audit_size, ledger_state, make_asset, make_investor, make_key


def _prefix(token: str) -> str:
    return token.split("_")[1]


def test_recovering_an_emptied_wallet_is_refused_and_writes_nothing(api):
    lost, new, again = address("rec-lost"), address("rec-new"), address("rec-again")
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
        make_investor(s, lost)
    with api.sm.begin() as s:
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=lost, units=40)
    first = api.call("POST", f"/v1/assets/{sym}/recovery", json={"lost_wallet": lost, "new_wallet": new})
    assert first.status_code == 201 and first.json()["units"] == "40"
    with api.sm.begin() as s:
        before, size = ledger_state(s), audit_size(s)
    r = api.call("POST", f"/v1/assets/{sym}/recovery", json={"lost_wallet": lost, "new_wallet": again})
    assert r.status_code == 409 and r.json()["code"] == "NOTHING_TO_RECOVER"
    with api.sm.begin() as s:
        assert ledger_state(s) == before and audit_size(s) == size
    # no wallet was registered for the refused recovery, and no movement was written
    assert api.call("GET", f"/v1/assets/{sym}/movements").json()[-1]["kind"] == "recovery"
    ids = {w["address"] for i in api.call("GET", "/v1/identities").json() for w in i["wallets"]}
    assert again not in ids and new in ids


def test_a_wallet_that_never_held_the_asset_is_not_recovered(api):
    lost = address("rec-never")
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
        make_investor(s, lost)
        size = audit_size(s)
    r = api.call(
        "POST", f"/v1/assets/{sym}/recovery", json={"lost_wallet": lost, "new_wallet": address("rec-n2")}
    )
    assert r.status_code == 409 and r.json()["code"] == "NOTHING_TO_RECOVER"
    with api.sm.begin() as s:
        assert audit_size(s) == size


def test_the_last_active_admin_key_cannot_be_revoked(api):
    me = _prefix(api.admin)
    r = api.call("DELETE", f"/v1/keys/{me}")
    assert r.status_code == 409 and r.json()["code"] == "LAST_ADMIN_KEY"
    assert api.call("GET", "/v1/keys/me").status_code == 200  # still works
    with api.sm.begin() as s:
        other = make_key(s, "admin")
        revoked_admin = make_key(s, "admin")
    assert api.call("DELETE", f"/v1/keys/{_prefix(revoked_admin)}").status_code == 200
    # with a second active admin key, revoking one's own is allowed; then the other is the last
    assert api.call("DELETE", f"/v1/keys/{me}").status_code == 200
    assert api.call("GET", "/v1/keys/me").status_code == 401
    r = api.call("DELETE", f"/v1/keys/{_prefix(other)}", token=other)
    assert r.status_code == 409 and r.json()["code"] == "LAST_ADMIN_KEY"
    assert api.call("GET", "/v1/keys/me", token=other).status_code == 200
