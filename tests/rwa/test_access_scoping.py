"""Issue 11, access items over REST on SQLite and PostgreSQL: identity powers belong to the onboarding
issuer (1), a plain transfer moves only the holder's own units (2), an emptied wallet is not "recovered"
(15), the last admin key cannot be revoked (17)."""

from __future__ import annotations

import threading

from app.rwa.errors import LastAdminKey
from app.rwa.ledger import transfers as ledger
from app.rwa.registry import identities, keys
from tests.rwa.factories import (
    ACTOR,
    address,
    audit_size,
    ledger_state,
    make_asset,
    make_investor,
    make_issuer,
    make_key,
)


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


KYC = {"kyc_status": "verified", "kyc_expires_at": "2099-01-01T00:00:00Z"}


def _identity_state(api, identity_id):
    with api.sm.begin() as s:
        i = identities.get_identity(s, identity_id)
        return i.kyc_status, i.kyc_expires_at, sorted(w.address for w in i.wallets)


def test_identity_powers_belong_to_the_onboarding_issuer(api):
    """Item 1: an agent of issuer A's asset (or issuer A) may not re-verify or add a wallet to an identity
    issuer B onboarded; B, B's assets' agents and admins may. Who onboarded is recorded and audited."""
    with api.sm.begin() as s:
        issuer_a, issuer_b = make_issuer(s), make_issuer(s)
        sym_a, sym_b = make_asset(s, issuer=issuer_a).symbol, make_asset(s, issuer=issuer_b).symbol
        keys_ = {
            "issuer_a": make_key(s, "issuer", issuer_id=issuer_a.id),
            "agent_a": make_key(s, "agent", assets=[sym_a]),
            "issuer_b": make_key(s, "issuer", issuer_id=issuer_b.id),
            "agent_b": make_key(s, "agent", assets=[sym_b]),
        }
    body = {
        "reference": "onb-1",
        "label": "x",
        "country": 276,
        "category": "retail",
        "wallets": [address("onb")],
    }
    r = api.call("POST", "/v1/identities", token=keys_["issuer_b"], json=body)
    assert r.status_code == 201 and r.json()["onboarded_by_issuer_id"] == issuer_b.id, r.text
    ident = r.json()["id"]
    entry = api.call("GET", "/v1/audit/entries", params={"limit": 1000}).json()[-1]
    assert entry["action"] == "identity.create" and entry["payload"]["onboarded_by_issuer_id"] == issuer_b.id
    # an issuer key onboards for its own issuer only; an agent's identities are its assets' issuer's
    other = {**body, "reference": "onb-2", "wallets": [], "issuer_id": issuer_a.id}
    assert api.call("POST", "/v1/identities", token=keys_["issuer_b"], json=other).status_code == 403
    r = api.call("POST", "/v1/identities", token=keys_["agent_a"], json={**other, "issuer_id": None})
    assert r.status_code == 201 and r.json()["onboarded_by_issuer_id"] == issuer_a.id

    before = _identity_state(api, ident)
    for who in ("issuer_a", "agent_a"):
        r = api.call("PUT", f"/v1/identities/{ident}/kyc", token=keys_[who], json={"kyc_status": "revoked"})
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", (who, r.text)
        r = api.call(
            "POST", f"/v1/identities/{ident}/wallets", token=keys_[who], json={"address": address(who)}
        )
        assert r.status_code == 403, (who, r.text)
    assert _identity_state(api, ident) == before
    for n, who in enumerate(("issuer_b", "agent_b", None)):
        token = keys_[who] if who else None
        assert api.call("PUT", f"/v1/identities/{ident}/kyc", token=token, json=KYC).status_code == 200
        w = {"address": address(f"onb-w{n}")}
        assert api.call("POST", f"/v1/identities/{ident}/wallets", token=token, json=w).status_code == 201
    assert len(_identity_state(api, ident)[2]) == 4


def test_an_admins_identity_is_changed_by_admins_only(api):
    with api.sm.begin() as s:
        issuer = make_issuer(s)
        sym = make_asset(s, issuer=issuer).symbol
        ident = make_investor(s)  # onboarded by an admin (no issuer)
        tokens = [make_key(s, "issuer", issuer_id=issuer.id), make_key(s, "agent", assets=[sym])]
    for token in tokens:
        r = api.call("PUT", f"/v1/identities/{ident}/kyc", token=token, json=KYC)
        assert r.status_code == 403
    assert api.call("PUT", f"/v1/identities/{ident}/kyc", json=KYC).status_code == 200


def test_only_the_holder_moves_its_units_with_a_plain_transfer(api):
    """Item 2: an issuer (or agent, or admin) key moving an investor's units with a plain transfer is
    refused, single and batch, and nothing is written; the holder may; the operator uses a forced
    transfer, which records its reason."""
    a, b = address("plain-a"), address("plain-b")
    with api.sm.begin() as s:
        issuer = make_issuer(s)
        sym = make_asset(s, issuer=issuer).symbol
        ia = make_investor(s, a, issuer_id=issuer.id)
        make_investor(s, b, issuer_id=issuer.id)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=100)
        operators = [
            make_key(s, "issuer", issuer_id=issuer.id),
            make_key(s, "agent", assets=[sym]),
            api.admin,
        ]
        holder = make_key(s, "investor", identity_id=ia)
    with api.sm.begin() as s:
        before, size = ledger_state(s), audit_size(s)
    move = {"from": a, "to": b, "units": 40}
    for token in operators:
        r = api.call("POST", f"/v1/assets/{sym}/transfers", token=token, json=move)
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", r.text
        r = api.call("POST", f"/v1/assets/{sym}/transfers/batch", token=token, json={"transfers": [move]})
        assert r.status_code == 403, r.text
    with api.sm.begin() as s:
        assert ledger_state(s) == before and audit_size(s) == size
    r = api.call("POST", f"/v1/assets/{sym}/transfers", token=holder, json=move)
    assert r.status_code == 201 and r.json()["units"] == "40"
    forced = {**move, "units": 10, "reason": "court order 7/2026"}
    r = api.call("POST", f"/v1/assets/{sym}/forced-transfers", token=operators[0], json=forced)
    assert r.status_code == 201 and r.json()["reason"] == "court order 7/2026", r.text
    # the pre-check stays open to operators: it moves nothing
    r = api.call("POST", f"/v1/assets/{sym}/can-transfer", token=operators[1], json=move)
    assert r.status_code == 200


def test_a_recovery_registers_a_new_wallet_only_for_the_identitys_stewards(api):
    """Item 1 through the recovery door: a recovery to an unknown wallet registers it to the lost wallet's
    identity, so an agent of issuer A's asset may do it only for an identity A onboarded; to a wallet the
    identity already has, any agent of the asset may."""
    lost, own, fresh = address("rc-lost"), address("rc-own"), address("rc-fresh")
    with api.sm.begin() as s:
        issuer_a, issuer_b = make_issuer(s), make_issuer(s)
        sym = make_asset(s, issuer=issuer_a).symbol
        make_investor(s, lost, own, issuer_id=issuer_b.id)  # onboarded by B, holds A's units
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=lost, units=5)
        agent_a = make_key(s, "agent", assets=[sym])
        size = audit_size(s)
    body = {"lost_wallet": lost, "new_wallet": fresh}
    r = api.call("POST", f"/v1/assets/{sym}/recovery", token=agent_a, json=body)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", r.text
    with api.sm.begin() as s:
        assert audit_size(s) == size and identities.identity_of_wallet(s, fresh) is None
    r = api.call("POST", f"/v1/assets/{sym}/recovery", token=agent_a, json={**body, "new_wallet": own})
    assert r.status_code == 201 and r.json()["units"] == "5", r.text


def test_two_admins_revoking_each_other_at_once_leave_one_admin(sm):
    """The check of item 17 holds under concurrency: the second revocation waits for the first (row locks
    on PostgreSQL, the write lock on SQLite) and then sees that its key would be the last."""
    with sm.begin() as s:
        first, second = _prefix(make_key(s, "admin")), _prefix(make_key(s, "admin"))
    outcome: list[BaseException | None] = []

    def revoke_second() -> None:
        try:
            with sm.begin() as s2:
                keys.revoke_key(s2, actor=ACTOR, prefix=second)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    with sm.begin() as s1:
        keys.revoke_key(s1, actor=ACTOR, prefix=first)
        other = threading.Thread(target=revoke_second)
        other.start()
        other.join(0.5)
        assert other.is_alive()  # waits for this transaction
    other.join(15)
    assert len(outcome) == 1 and isinstance(outcome[0], LastAdminKey)
    with sm.begin() as s:
        active = [k.prefix for k in keys.list_keys(s) if k.role == "admin" and k.revoked_at is None]
    assert active == [second]
