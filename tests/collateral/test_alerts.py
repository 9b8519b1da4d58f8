"""raise_alert: the alert, its audit entry and its outbox rows commit (or roll back) with the caller's
transaction; GET /v1/alerts pages by cursor and scopes by role; webhooks get each alert once, signed."""

from __future__ import annotations

import time
from decimal import Decimal

import orjson
import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.metrics import ALERTS_RAISED, WEBHOOK_DELIVERIES
from app.rwa.alerts import service
from app.rwa.alerts.delivery import backoff
from app.rwa.alerts.models import Alert, WebhookOutbox
from app.rwa.audit.models import AuditEntry
from tests.collateral.conftest import add_webhook
from tests.collateral.receiver import wait_for
from tests.rwa.factories import make_asset, make_key


def raise_one(api, *, kind="collateral_warning", asset=None, **payload):
    with api.sm.begin() as session:
        alert = service.raise_alert(
            session,
            kind=kind,
            subject="collateral:1",
            severity="warning",
            payload={"ratio": Decimal("1.4999"), **payload},
            asset=asset,
        )
        return alert.uid, alert.id


def test_alert_audit_entry_and_outbox_commit_together_or_not_at_all(api, receiver):
    add_webhook(api, receiver)
    counts = lambda s: [s.scalar(select(func.count()).select_from(t)) for t in (Alert, WebhookOutbox)]  # noqa: E731
    with api.sm.begin() as session:
        before, audit_before = counts(session), session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(RuntimeError), api.sm.begin() as session:
        service.raise_alert(session, kind="k", subject="s", severity="info", payload={})
        raise RuntimeError("the caller's transaction fails after the alert")
    with api.sm.begin() as session:
        assert counts(session) == before
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    uid, seq = raise_one(api)
    with api.sm.begin() as session:
        assert counts(session) == [before[0] + 1, before[1] + 1]
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
        assert (entry.action, entry.subject) == ("alert.raised", "collateral:1")
        assert orjson.loads(entry.payload)["alert"] == uid
        assert orjson.loads(entry.payload)["payload"] == {"ratio": "1.4999"}  # exact decimal text


def test_refuses_a_float_payload_and_an_unknown_severity_writing_nothing(api):
    with api.sm.begin() as session:
        with pytest.raises(ValueError):
            service.raise_alert(session, kind="k", subject="s", severity="info", payload={"x": 1.5})
        with pytest.raises(ValueError):
            service.raise_alert(session, kind="k", subject="s", severity="loud", payload={})
        assert session.scalar(select(func.count()).select_from(Alert)) == 0


def test_webhook_gets_the_alert_once_signed_with_its_idempotency_key(api, receiver):
    add_webhook(api, receiver)
    delivered = WEBHOOK_DELIVERIES.labels(outcome="delivered")._value.get()
    raised = ALERTS_RAISED.labels(kind="collateral_warning")._value.get()
    uid, seq = raise_one(api)
    assert receiver.arrived.wait(10)
    wait_for(lambda: api.call("GET", f"/v1/alerts/{uid}/deliveries").json()[0]["status"] == "delivered")
    time.sleep(0.3)  # several polls of the worker: nothing more is sent
    assert len(receiver.requests) == 1 and receiver.bad_signatures == 0
    headers = receiver.requests[0]["headers"]
    assert headers["idempotency-key"] == uid
    assert headers["x-aurigraph-event"] == "collateral_warning"
    assert receiver.accepted[uid] == api.call("GET", f"/v1/alerts/{uid}").json()
    assert receiver.accepted[uid]["payload"] == {"ratio": "1.4999"}
    assert WEBHOOK_DELIVERIES.labels(outcome="delivered")._value.get() == delivered + 1
    assert ALERTS_RAISED.labels(kind="collateral_warning")._value.get() == raised + 1
    (d,) = api.call("GET", f"/v1/alerts/{uid}/deliveries").json()
    assert (d["attempts"], d["last_error"]) == (1, None)


def test_a_receiver_failing_twice_gets_it_on_the_third_try(api, receiver):
    receiver.fail_first = 2
    add_webhook(api, receiver)
    uid, _ = raise_one(api)
    assert receiver.arrived.wait(10)
    wait_for(lambda: api.call("GET", f"/v1/alerts/{uid}/deliveries").json()[0]["status"] == "delivered")
    assert receiver.seen[uid] == 3 and list(receiver.accepted) == [uid]
    assert [r["headers"]["x-aurigraph-delivery-attempt"] for r in receiver.requests] == ["1", "2", "3"]
    (d,) = api.call("GET", f"/v1/alerts/{uid}/deliveries").json()
    assert d["attempts"] == 3


def test_gives_up_after_the_last_attempt_and_says_why(db_url, tmp_path, receiver):
    from tests.collateral.conftest import FAST
    from tests.rwa.conftest import make_api

    receiver.fail_first = 100
    for api in make_api(db_url, tmp_path, **(FAST | {"webhook_max_attempts": 3})):
        add_webhook(api, receiver)
        uid, _ = raise_one(api)
        url = f"/v1/alerts/{uid}/deliveries"
        wait_for(lambda api=api, url=url: api.call("GET", url).json()[0]["status"] == "failed")
        (d,) = api.call("GET", f"/v1/alerts/{uid}/deliveries").json()
        assert (d["attempts"], d["last_error"], receiver.seen[uid]) == (3, "HTTP 503", 3)


def test_backoff_doubles_up_to_its_cap():
    s = Settings(webhook_backoff_s=1.0, webhook_backoff_cap_s=10.0)
    assert [backoff(s, n).total_seconds() for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_list_pages_by_cursor_and_scopes_by_role(api):
    with api.sm.begin() as session:
        mine, other = make_asset(session), make_asset(session)
        issuer = make_key(session, "issuer", issuer_id=mine.issuer_id)
        auditor, developer = make_key(session, "auditor"), make_key(session, "developer")
    seqs = [raise_one(api, asset=a.symbol)[1] for a in (mine, other, mine)]
    page = api.call("GET", "/v1/alerts", params={"after": 0, "limit": 2}).json()
    assert [a["seq"] for a in page] == seqs[:2]
    rest = api.call("GET", "/v1/alerts", params={"after": page[-1]["seq"]}).json()
    assert [a["seq"] for a in rest] == seqs[2:]
    assert [a["seq"] for a in api.call("GET", "/v1/alerts").json()] == seqs[::-1]  # latest first
    assert [a["seq"] for a in api.call("GET", "/v1/alerts", auditor).json()] == seqs[::-1]
    assert [a["seq"] for a in api.call("GET", "/v1/alerts", issuer).json()] == [seqs[2], seqs[0]]
    assert api.call("GET", "/v1/alerts", developer).status_code == 403
    hidden = api.call("GET", "/v1/alerts", params={"after": 0}).json()[1]["id"]
    assert api.call("GET", f"/v1/alerts/{hidden}", issuer).json()["code"] == "ALERT_NOT_FOUND"
    assert api.call("GET", "/v1/alerts/nope").status_code == 404


def test_webhooks_are_admin_only_validated_and_removable(api, receiver):
    with api.sm.begin() as session:
        auditor = make_key(session, "auditor")
    assert api.call("POST", "/v1/webhooks", auditor, json={"url": receiver.url}).status_code == 403
    r = api.call("POST", "/v1/webhooks", json={"url": "ftp://example.org/x"})
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_WEBHOOK")
    hook = add_webhook(api, receiver)
    assert "secret" not in api.call("GET", "/v1/webhooks").json()[0]
    assert api.call("DELETE", f"/v1/webhooks/{hook['id']}").json()["active"] is False
    assert api.call("DELETE", "/v1/webhooks/999").status_code == 404
    uid, _ = raise_one(api)
    assert api.call("GET", f"/v1/alerts/{uid}/deliveries").json() == []  # removed: not a receiver any more
