"""The log in the database, on SQLite and PostgreSQL: sequence, hash chain, caller-owned transactions,
checkpoints, inclusion proofs, the signing key file, and the triggers that refuse UPDATE and DELETE."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.rwa.audit import log as audit
from app.rwa.audit.canonical import ZERO_HASH, checkpoint_message, entry_hash, format_time
from app.rwa.audit.merkle import MerkleTree, verify_inclusion
from app.rwa.audit.models import AuditCheckpoint
from app.rwa.errors import AuditEntryNotFound, AuditPayloadError
from tests.audit.factories import add_entries, all_entries


def test_entries_form_a_gapless_hash_chain(sm):
    add_entries(sm, 7)
    with sm() as s:
        entries = all_entries(s)
    assert [e.seq for e in entries] == list(range(1, 8))
    prev = ZERO_HASH
    for e in entries:
        assert e.prev_hash == prev
        assert e.hash == entry_hash(
            e.seq, format_time(e.created_at), e.actor, e.action, e.subject, e.asset, e.payload, e.prev_hash
        )
        prev = e.hash
    assert entries[0].payload == '{"note":"n°0","ok":true,"units":"1000000000000000000"}'
    assert [e.asset for e in entries[:3]] == ["A", "B", None]  # from the subject "asset:<id>"


def test_record_writes_in_the_callers_transaction(sm):
    with sm.begin() as s:
        audit.record(s, actor="u", action="kept", subject="x", payload={})
    with pytest.raises(RuntimeError), sm.begin() as s:
        audit.record(s, actor="u", action="rolled back", subject="x", payload={})
        raise RuntimeError("the change failed")
    with sm.begin() as s:
        entry = audit.record(s, actor="u", action="next", subject="x", payload={"at": 1}, asset="Z")
        assert entry.seq == 2 and entry.asset == "Z"
    with sm() as s:
        assert [e.action for e in all_entries(s)] == ["kept", "next"]


def test_a_payload_without_canonical_form_is_refused_and_nothing_is_written(sm):
    with pytest.raises(AuditPayloadError), sm.begin() as s:
        audit.record(s, actor="u", action="a", subject="x", payload={"price": 1.5})
    with sm() as s:
        assert audit.tree_size(s) == 0


def test_checkpoint_signs_the_current_root_and_is_stored_once(sm, key):
    add_entries(sm, 5)
    with sm.begin() as s:
        cp = audit.checkpoint(s, key)
        assert audit.checkpoint(s, key) is cp
    with sm() as s:
        stored = s.get_one(AuditCheckpoint, 5)
        leaves = [e.hash for e in all_entries(s)]
    assert stored.root == MerkleTree(leaves).root()
    assert stored.public_key == key.public_key
    message = checkpoint_message(5, stored.root, format_time(stored.created_at))
    assert audit.verify_signature(key.public_key, message, stored.signature)
    assert not audit.verify_signature(key.public_key, message.replace(b"\n5\n", b"\n4\n"), stored.signature)


def test_inclusion_proof_of_one_entry_against_the_latest_checkpoint(sm, key):
    add_entries(sm, 6)
    with sm.begin() as s:
        audit.checkpoint(s, key)
    add_entries(sm, 3)
    with sm() as s:
        proof = audit.inclusion_proof(s, 4)
        assert proof.tree_size == 6 and proof.checkpoint is not None  # the signed one, not the newer tail
        assert verify_inclusion(proof.entry_hash, 3, proof.tree_size, list(proof.path), proof.checkpoint.root)
        unsigned = audit.inclusion_proof(s, 8)
        assert unsigned.tree_size == 9 and unsigned.checkpoint is None
        assert verify_inclusion(unsigned.entry_hash, 7, 9, list(unsigned.path), unsigned.root)
        with pytest.raises(AuditEntryNotFound):
            audit.inclusion_proof(s, 10)


@pytest.mark.parametrize(
    "sql",
    [
        "update audit_entry set actor = 'mallory' where seq = 2",
        "delete from audit_entry where seq = 3",
        "delete from audit_entry",
        "update audit_checkpoint set tree_size = 1",
        "delete from audit_checkpoint",
    ],
)
def test_triggers_refuse_update_and_delete(sm, key, sql):
    add_entries(sm, 3)
    with sm.begin() as s:
        audit.checkpoint(s, key)
    with pytest.raises(DBAPIError, match="append-only"), sm.begin() as s:
        s.execute(text(sql))
    with sm() as s:
        assert [e.actor for e in all_entries(s)] == ["key:0", "key:1", "key:2"]


def test_truncate_is_refused_on_postgresql(pg_url):
    from app.db import make_engine

    engine = make_engine(pg_url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("truncate audit_entry"))
    engine.dispose()


def test_signing_key_is_made_only_by_keygen_private_and_never_replaced(tmp_path):
    """Failed before: the key was created silently by the first caller of `signer` / `public_key` (even the
    unauthenticated GET /v1/audit/public-key), so a lost or swapped key went unnoticed."""
    from app.rwa.audit.signing_key import keygen
    from app.rwa.errors import AuditKeyExists, AuditKeyMissing

    settings = Settings(data_dir=tmp_path / "data")
    path = tmp_path / "data" / "audit_ed25519.pem"
    with pytest.raises(AuditKeyMissing, match="aurigraph audit keygen"):
        audit.public_key(settings)
    assert not path.exists()
    pub = keygen(path).public_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes()
    assert audit.public_key(settings) == pub == audit.signer(settings).public_key
    pem = path.read_bytes()
    with pytest.raises(AuditKeyExists, match="never replaced"):
        keygen(path)
    assert path.read_bytes() == pem
    other = Settings(data_dir=tmp_path, audit_key_path=tmp_path / "elsewhere.pem")
    keygen(other.audit_key_file)
    assert audit.public_key(other) != pub
