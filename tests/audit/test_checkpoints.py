"""Checkpoints linked by RFC 6962 consistency proofs, the audit key made only on purpose, `verify` that
wants the published key, and inclusion proofs over REST verified against a signature (issue 11, items 10
and 13). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import app as cli
from app.cli.audit import audit_verify
from app.config import Settings, get_settings
from app.main import create_app
from app.rwa.audit import log as audit
from app.rwa.audit.canonical import checkpoint_message
from app.rwa.audit.export import export_jsonl
from app.rwa.audit.merkle import verify_consistency, verify_inclusion
from app.rwa.audit.models import AuditCheckpoint
from app.rwa.errors import AuditKeyMissing, AuditLogTampered
from tests.audit.factories import add_entries
from tests.rwa.conftest import TestClient, make_api
from tests.rwa.factories import make_asset


def _rewrite_entry_2(session) -> None:
    """What an operator with database access could do: lift the append-only triggers and rewrite an entry
    (its fields and so its hash, the Merkle leaf)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("alter table audit_entry disable trigger user"))
        session.execute(text("update audit_entry set hash = :h where seq = 2"), {"h": b"\x01" * 32})
        session.execute(text("alter table audit_entry enable trigger user"))
    else:
        session.execute(text("drop trigger audit_entry_no_update"))
        session.execute(text("update audit_entry set hash = :h where seq = 2"), {"h": b"\x01" * 32})


def test_each_checkpoint_proves_it_extends_the_previous_and_a_rewritten_log_is_not_signed(sm, key):
    """Failed before: checkpoints signed whatever the database held, with no link to the previous one."""
    add_entries(sm, 3)
    with sm.begin() as s:
        first = audit.checkpoint(s, key)
        assert first.prev_tree_size is None and first.consistency_path == []
    add_entries(sm, 4)
    with sm.begin() as s:
        second = audit.checkpoint(s, key)
    assert second.tree_size == 7 and second.prev_tree_size == 3
    assert verify_consistency(3, 7, bytes(first.root), bytes(second.root), second.consistency_path)
    assert not verify_consistency(3, 7, b"\x00" * 32, bytes(second.root), second.consistency_path)

    with sm.begin() as s:
        _rewrite_entry_2(s)
    add_entries(sm, 1)
    with pytest.raises(AuditLogTampered, match="refusing to sign"), sm.begin() as s:
        audit.checkpoint(s, key)
    with sm() as s:
        assert s.get(AuditCheckpoint, 8) is None


def test_an_export_carries_the_consistency_proof_and_verify_checks_it(sm, key, tmp_path):
    add_entries(sm, 5)
    with sm.begin() as s:
        audit.checkpoint(s, key)
    add_entries(sm, 6)
    out = tmp_path / "x.jsonl"
    with sm() as s:
        export_jsonl(s, out, key=key)
    lines = out.read_bytes().splitlines(keepends=True)
    import orjson

    tail = orjson.loads(lines[-1])
    assert tail["previous"]["tree_size"] == 5 and tail["consistency"]
    pub = key.public_key.hex()
    assert audit_verify(out, pub) == 0
    forged = {**tail, "consistency": [("00" * 32)] + tail["consistency"][1:]}
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines[:-1]) + orjson.dumps(forged) + b"\n")
    assert audit_verify(bad, pub) == 1
    other = {**tail, "previous": {**tail["previous"], "tree_size": 4}}  # its signature no longer holds
    bad.write_bytes(b"".join(lines[:-1]) + orjson.dumps(other) + b"\n")
    assert audit_verify(bad, pub) == 1


def test_verify_without_the_published_key_exits_non_zero(sm, key, tmp_path, capsys):
    """Failed before: without --pubkey the export's own key was trusted and verify exited 0."""
    add_entries(sm, 2)
    out = tmp_path / "x.jsonl"
    with sm() as s:
        export_jsonl(s, out, key=key)
    result = CliRunner().invoke(cli, ["audit", "verify", str(out)])
    assert result.exit_code == 2 and "--pubkey" in result.output
    trusted = CliRunner().invoke(cli, ["audit", "verify", str(out), "--trust-embedded-key"])
    assert trusted.exit_code == 0 and "taken from the export itself" in trusted.output
    assert (
        CliRunner().invoke(cli, ["audit", "verify", str(out), "--pubkey", key.public_key.hex()]).exit_code
        == 0
    )
    stranger = audit.Signer.generate().public_key.hex()
    assert CliRunner().invoke(cli, ["audit", "verify", str(out), "--pubkey", stranger]).exit_code == 1


def test_keygen_command_never_replaces_a_key(tmp_path, monkeypatch):
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        missing = CliRunner().invoke(cli, ["audit", "pubkey"])
        assert missing.exit_code == 1 and "aurigraph audit keygen" in missing.output
        made = CliRunner().invoke(cli, ["audit", "keygen"])
        assert made.exit_code == 0
        pub = made.output.strip().splitlines()[-1]
        again = CliRunner().invoke(cli, ["audit", "keygen"])
        assert again.exit_code == 1 and "never replaced" in again.output
        assert CliRunner().invoke(cli, ["audit", "pubkey"]).output.strip() == pub
    finally:
        get_settings.cache_clear()


def test_production_refuses_to_start_without_a_key_and_dev_announces_the_one_it_makes(
    db_url, tmp_path, capfd
):
    prod = Settings(database_url=db_url, data_dir=tmp_path / "prod", env="production")
    with pytest.raises(AuditKeyMissing), TestClient(create_app(prod)):
        pass
    assert not prod.audit_key_file.exists()
    dev = Settings(database_url=db_url, data_dir=tmp_path / "dev")
    with TestClient(create_app(dev)) as client:
        pub = client.get("/v1/audit/public-key").json()["public_key"]
    err = capfd.readouterr().err
    assert f"audit: public key {pub}" in err and "created a new signing key" in err
    with TestClient(create_app(dev)):  # the second start uses it and says nothing
        pass
    assert "created" not in capfd.readouterr().err


def test_a_rest_proof_verifies_against_a_signed_checkpoint_alone(db_url, tmp_path):
    """Failed before: `checkpoint` was always null, and tree_size beyond the log answered 200 with the
    path of the smaller tree."""
    gen = make_api(db_url, tmp_path)
    api = next(gen)
    with api.sm.begin() as s:
        make_asset(s)
        make_asset(s)
    entries = api.call("GET", "/v1/audit/entries").json()
    size = entries[-1]["seq"]
    pub = bytes.fromhex(api.client.get("/v1/audit/public-key").json()["public_key"])
    for entry in (entries[0], entries[-1]):
        proof = api.call("GET", f"/v1/audit/entries/{entry['seq']}/proof").json()
        cp = proof["checkpoint"]
        assert cp is not None and cp["tree_size"] == proof["tree_size"] == size
        message = checkpoint_message(cp["tree_size"], bytes.fromhex(cp["root"]), cp["timestamp"])
        assert audit.verify_signature(pub, message, bytes.fromhex(cp["signature"]))
        path = [bytes.fromhex(h) for h in proof["path"]]
        assert proof["entry_hash"] == entry["hash"]
        assert verify_inclusion(
            bytes.fromhex(entry["hash"]), entry["seq"] - 1, size, path, bytes.fromhex(cp["root"])
        )
    r = api.call("GET", "/v1/audit/entries/1/proof", params={"tree_size": size + 1000})
    assert r.status_code == 422 and r.json()["code"] == "TREE_SIZE_BEYOND_LOG"
    # a later checkpoint links to the earlier one by a consistency proof, visible over REST
    with api.sm.begin() as s:
        make_asset(s)
    later = api.call("GET", f"/v1/audit/entries/{size + 1}/proof").json()["checkpoint"]
    assert later["prev_tree_size"] == size
    first_root = bytes.fromhex(cp["root"])
    proof_hashes = [bytes.fromhex(h) for h in later["consistency"]]
    assert verify_consistency(
        size, later["tree_size"], first_root, bytes.fromhex(later["root"]), proof_hashes
    )
    gen.close()


def test_an_asset_filter_with_a_nul_character_is_not_a_server_error(db_url, tmp_path):
    """Found by schemathesis: on PostgreSQL `asset=\\x00...` answered 500 (text cannot hold NUL)."""
    gen = make_api(db_url, tmp_path)
    api = next(gen)
    with api.sm.begin() as s:
        make_asset(s)
    r = api.call("GET", "/v1/audit/entries", params={"asset": "\x00A"})
    assert r.status_code == 200 and r.json() == []
    r = api.call("GET", "/v1/audit/export", params={"asset": "\x00A"})
    assert r.status_code == 422 and r.json()["code"] == "INVALID_INPUT"
    gen.close()
