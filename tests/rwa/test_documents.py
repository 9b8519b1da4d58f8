"""Documents (ERC-1643) over REST: content-addressed on disk, versions in the database, hash-checked
downloads, the hash in the audit trail, and an upload limit (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.rwa.audit.models import AuditEntry
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


def _upload(api, sym, name, content, **params):
    headers = params.pop("headers", {})
    return api.call(
        "POST",
        f"/v1/assets/{sym}/documents/{name}",
        params={"kind": "prospectus"} | params,
        content=content,
        headers=headers,
    )


def test_download_headers_survive_any_filename_and_never_trust_the_uploaders_type(small_api):
    """Failed before: a non-Latin-1 filename answered 500, a quote broke the header, and an upload sent as
    text/html was served back as text/html (a stored XSS on the API's origin)."""
    api = small_api
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
    assert _upload(api, sym, "prospekt", b"%PDF-1.7 p", filename="Prospekt – 2025.pdf").status_code == 201
    r = api.call("GET", f"/v1/assets/{sym}/documents/prospekt/content")
    assert r.status_code == 200 and r.content == b"%PDF-1.7 p"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Prospekt%20%E2%80%93%202025.pdf" in disposition
    assert 'filename="Prospekt _ 2025.pdf"' in disposition

    _upload(api, sym, "quoted", b"x", filename='a"; filename="evil.exe')
    d = api.call("GET", f"/v1/assets/{sym}/documents/quoted/content").headers["content-disposition"]
    assert d.count('"') == 2 and 'filename="a_; filename=_evil.exe"' in d

    _upload(api, sym, "page", b"<script>alert(1)</script>", headers={"content-type": "text/html"})
    page = api.call("GET", f"/v1/assets/{sym}/documents/page/content")
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-disposition"].startswith('attachment; filename="page"')
    # the recorded type is still what the uploader said; only the served one is safe
    assert (
        api.call("GET", f"/v1/assets/{sym}/documents/page").json()["versions"][0]["media_type"] == "text/html"
    )
    _upload(api, sym, "pdf", b"%PDF", headers={"content-type": "Application/PDF; q=1"})
    assert api.call("GET", f"/v1/assets/{sym}/documents/pdf/content").headers["content-type"] == (
        "application/pdf"
    )


@pytest.mark.parametrize(
    "filename", ["a\r\nSet-Cookie: x=1.pdf", "a\nb.pdf", "nul\x00.pdf", "tab\t.pdf", "ls\u2028.pdf"]
)
def test_a_filename_with_control_characters_is_refused(small_api, filename):
    """Failed before: CR/LF was accepted at upload and its download dropped the connection."""
    api = small_api
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
        size = audit_size(s)
    r = _upload(api, sym, "bad", b"content", filename=filename)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_INPUT"
    assert api.call("GET", f"/v1/assets/{sym}/documents/bad").status_code == 404
    with api.sm.begin() as s:
        assert audit_size(s) == size
    assert not (Path(api.settings.documents_dir) / "sha256").exists()


def test_the_blob_of_a_rolled_back_upload_is_removed(small_api):
    """Failed before: the file written for an upload whose transaction rolled back stayed on disk forever
    (the promised sweep did not exist). A blob that a committed version shares is kept."""
    from app.rwa.registry import documents
    from app.rwa.registry.documents import BlobStore

    api = small_api
    store = BlobStore(api.settings.documents_dir, api.settings.max_upload_bytes)
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
    kept = _upload(api, sym, "kept", b"shared content").json()["versions"][0]["sha256"]

    class Abort(Exception):
        pass

    for content in (b"rolled back", b"shared content"):
        with pytest.raises(Abort), api.sm.begin() as s:
            documents.upload(s, store, actor="t", symbol=sym, name="gone", kind="other", content=content)
            assert store.path(hashlib.sha256(content).hexdigest()).exists()
            raise Abort
    assert not store.path(hashlib.sha256(b"rolled back").hexdigest()).exists()
    assert store.get(kept) == b"shared content"
    assert api.call("GET", f"/v1/assets/{sym}/documents/gone").status_code == 404


def test_start_up_sweeps_blobs_no_version_references(db_url, tmp_path):
    """A crash between writing a blob and the rollback's clean-up leaves a file: the next start removes it."""
    from app.rwa.registry.documents import BlobStore

    gen = make_api(db_url, tmp_path)
    api = next(gen)
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
    kept = _upload(api, sym, "kept", b"referenced").json()["versions"][0]["sha256"]
    store = BlobStore(api.settings.documents_dir, api.settings.max_upload_bytes)
    orphan = store.put(b"left by a crash")
    gen.close()
    again = make_api(db_url, tmp_path)
    next(again)
    assert not store.path(orphan).exists() and store.get(kept) == b"referenced"
    again.close()


@given(st.text(min_size=1, max_size=80).filter(lambda t: t.strip() and "/" not in t and "\\" not in t))
def test_any_accepted_filename_round_trips_through_content_disposition(filename):
    """Whatever name upload accepts, the header is ASCII, has exactly one quoted string, and its
    RFC 8187 `filename*` decodes back to the exact name; names with control characters are refused."""
    from urllib.parse import unquote

    from app.api.routes.registry.documents import content_disposition
    from app.rwa.errors import InvalidInput
    from app.rwa.registry.documents import check_filename

    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in filename):
        with pytest.raises(InvalidInput):
            check_filename(filename)
        return
    check_filename(filename)
    header = content_disposition(filename)
    assert header.isascii() and header.count('"') == 2 and "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="')
    star = header.split("; filename*=UTF-8''", 1)[1]
    assert unquote(star, encoding="utf-8", errors="strict") == filename
