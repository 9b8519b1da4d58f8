"""Documents (ERC-1643) over REST: content-addressed on disk, versions in the database, hash-checked
downloads, the hash in the audit trail, and an upload limit (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from app.rwa.audit_models import AuditEntry
from tests.rwa.conftest import make_api
from tests.rwa.factories import audit_size, make_asset


@pytest.fixture
def small_api(db_url, tmp_path):
    yield from make_api(db_url, tmp_path, max_upload_bytes=1024)


def test_versions_hashes_and_audit(small_api):
    api = small_api
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
    base = f"/v1/assets/{sym}/documents/prospectus"
    v1, v2 = b"%PDF-1.7 first edition", b"%PDF-1.7 second edition"
    r = api.call(
        "POST",
        base,
        params={"kind": "prospectus", "filename": "p.pdf"},
        content=v1,
        headers={"content-type": "application/pdf"},
    )
    assert r.status_code == 201
    r = api.call("POST", base, params={"kind": "prospectus"}, content=v2)
    versions = r.json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["sha256"] for v in versions] == [hashlib.sha256(x).hexdigest() for x in (v1, v2)]
    assert versions[0]["media_type"] == "application/pdf"

    latest = api.call("GET", f"{base}/content")
    assert latest.content == v2 and latest.headers["x-content-sha256"] == hashlib.sha256(v2).hexdigest()
    first = api.call("GET", f"{base}/content", params={"version": 1})
    assert first.content == v1 and first.headers["content-type"] == "application/pdf"

    with api.sm.begin() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "document.set")).all()
        assert [
            hashlib.sha256(x).hexdigest() in e.payload for e, x in zip(entries, (v1, v2), strict=True)
        ] == [True] * 2
        assert {e.asset for e in entries} == {sym}

    stored = Path(api.settings.documents_dir) / "sha256" / hashlib.sha256(v1).hexdigest()[:2]
    assert (stored / hashlib.sha256(v1).hexdigest()).read_bytes() == v1
    # the same content uploaded to another slot is stored once
    api.call("POST", f"/v1/assets/{sym}/documents/copy", params={"kind": "other"}, content=v1)
    assert len(list(stored.iterdir())) == 1

    listed = api.call("GET", f"/v1/assets/{sym}/documents").json()
    assert [d["name"] for d in listed] == ["copy", "prospectus"]
    assert api.call("DELETE", f"/v1/assets/{sym}/documents/copy").status_code == 200
    assert [d["name"] for d in api.call("GET", f"/v1/assets/{sym}/documents").json()] == ["prospectus"]
    assert api.call("GET", f"/v1/assets/{sym}/documents/copy").json()["code"] == "DOCUMENT_NOT_FOUND"


def test_a_tampered_file_is_never_served(small_api):
    api = small_api
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
    content = b"audited accounts 2025"
    api.call(
        "POST", f"/v1/assets/{sym}/documents/audit-2025", params={"kind": "audit_report"}, content=content
    )
    digest = hashlib.sha256(content).hexdigest()
    path = Path(api.settings.documents_dir) / "sha256" / digest[:2] / digest
    path.write_bytes(b"audited accounts 2O25")
    r = api.call("GET", f"/v1/assets/{sym}/documents/audit-2025/content")
    assert r.status_code == 500 and r.json()["code"] == "DOCUMENT_CORRUPTED"
    path.unlink()
    assert (
        api.call("GET", f"/v1/assets/{sym}/documents/audit-2025/content").json()["code"]
        == "DOCUMENT_CORRUPTED"
    )


def test_oversize_upload_is_413_and_leaves_no_trace(small_api):
    api = small_api
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
        size = audit_size(s)
    path = f"/v1/assets/{sym}/documents/big"
    r = api.call("POST", path, params={"kind": "other"}, content=b"x" * 1025)
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"

    def chunks():  # no content-length: the limit is enforced while streaming
        for _ in range(10):
            yield b"y" * 200

    r = api.call("POST", path, params={"kind": "other"}, content=chunks())
    assert r.status_code == 413
    bad_kind = api.call("POST", path, params={"kind": "gossip"}, content=b"x")
    assert bad_kind.status_code == 422 and bad_kind.json()["code"] == "INVALID_INPUT"
    with api.sm.begin() as s:
        assert audit_size(s) == size
    assert api.call("GET", path).status_code == 404
    assert not (Path(api.settings.documents_dir) / "sha256").exists()
