"""Export, then verify offline: intact exports pass; edited, deleted, reordered, duplicated and truncated
copies fail and name the first bad line. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from sqlalchemy.orm import Session

from app.cli.audit import audit_export, audit_verify
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.rwa.audit import export as export_module
from app.rwa.audit import log as audit
from app.rwa.audit.canonical import canonical_json, entry_hash
from app.rwa.audit.export import export_csv, export_jsonl
from app.rwa.audit.signing_key import keygen
from app.rwa.audit.verify import verify_jsonl
from tests.audit.factories import add_entries
from tests.conftest import DIALECTS, make_database

N = 12  # entries; a full export has the header on line 1, entry seq k on line k + 1, the checkpoint on 14

Lines = list[bytes]


def write(path: Path, lines: Lines) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def edit(line: bytes, **changes) -> bytes:
    obj = orjson.loads(line)
    obj.update(changes)
    return orjson.dumps(obj) + b"\n"


def recount(line: bytes) -> dict:
    return {**orjson.loads(line)["export"], "count": 3}


def rehash(line: bytes) -> bytes:
    o = orjson.loads(line)
    text = [o[k] for k in ("seq", "time", "actor", "action", "subject", "asset")]
    digest = entry_hash(*text, canonical_json(o["payload"]), bytes.fromhex(o["prev_hash"]))
    return edit(line, hash=digest.hex())


def assert_fails_at(path: Path, key: audit.Signer, line: int, reason: str) -> None:
    result = verify_jsonl(path, key.public_key)
    assert (result.ok, result.line) == (False, line), result.summary()
    assert reason in (result.reason or ""), result.summary()


@pytest.fixture(scope="module", params=DIALECTS)
def full(request, key, tmp_path_factory) -> Lines:
    """One full export per dialect, shared by the read-only tamper tests (each mutates its own copy)."""
    tmp = tmp_path_factory.mktemp("full")
    database = make_database(request.param, tmp)
    engine = make_engine(next(database))
    try:
        add_entries(make_sessionmaker(engine), N)
        with Session(engine) as s:
            summary = export_jsonl(s, tmp / "full.jsonl", key=key)
    finally:
        engine.dispose()
        database.close()  # drops the PostgreSQL schema
    assert (summary.count, summary.tree_size, summary.from_seq, summary.to_seq) == (N, N, 1, N)
    return (tmp / "full.jsonl").read_bytes().splitlines(keepends=True)


def test_full_export_verifies_offline(full, key, tmp_path):
    assert len(full) == N + 2
    header, first, tail = (orjson.loads(x) for x in (full[0], full[1], full[-1]))
    assert header["format"] == "aurigraph-audit-export/1" and header["public_key"] == key.public_key.hex()
    assert first["seq"] == 1
    assert first["payload"] == {"note": "n°0", "ok": True, "units": "1000000000000000000"}
    assert tail["type"] == "checkpoint" and tail["tree_size"] == N and tail["export"]["count"] == N
    result = verify_jsonl(write(tmp_path / "copy.jsonl", full), key.public_key)
    assert result.ok and result.entries == N and result.tree_size == N, result.summary()
    assert not result.key_from_export
    # without a key the export's own is used, and the summary says so
    unkeyed = verify_jsonl(tmp_path / "copy.jsonl")
    assert unkeyed.ok and unkeyed.key_from_export and "compare it with the published key" in unkeyed.summary()


TAMPERS: dict[str, tuple[Callable[[Lines], Lines], int, str]] = {
    "edited field": (lambda x: [*x[:5], edit(x[5], actor="mallory"), *x[6:]], 6, "hash does not match"),
    "edited payload": (lambda x: [*x[:7], x[7].replace(b'units":"1', b'units":"9'), *x[8:]], 8, "hash does"),
    "edited and rehashed": (lambda x: [*x[:5], rehash(edit(x[5], actor="eve")), *x[6:]], 7, "chain break"),
    "deleted": (lambda x: [*x[:5], *x[6:]], 6, "5 is missing or out of order"),
    "deleted first": (lambda x: [x[0], *x[2:]], 2, "1 is missing"),
    "swapped": (lambda x: [*x[:5], x[6], x[5], *x[7:]], 6, "out of order"),
    "duplicated": (lambda x: [*x[:6], x[5], *x[6:]], 7, "duplicated"),
    "tail cut": (lambda x: x[:10], 11, "checkpoint line is missing"),
    "cut mid-line": (lambda x: [*x[:9], x[9][:40]], 10, "not valid JSON"),
    "last entry removed": (lambda x: [*x[:-2], x[-1]], N + 1, f"entry {N} expected before the checkpoint"),
    "entry appended after": (lambda x: [*x, x[3]], N + 2, "checkpoint line before the end"),
    "root altered": (lambda x: [*x[:-1], edit(x[-1], root="00" * 32)], N + 2, "checkpoint signature"),
    "count altered": (lambda x: [*x[:-1], edit(x[-1], export=recount(x[-1]))], N + 2, "export signature"),
    "field added": (lambda x: [*x[:2], edit(x[2], approved=True), *x[3:]], 3, "unexpected fields"),
    "blank line": (lambda x: [*x[:4], b"\n", *x[4:]], 5, "not valid JSON"),
    "reformatted": (
        lambda x: [*x[:3], json.dumps(orjson.loads(x[3])).encode() + b"\n", *x[4:]],
        4,
        "canonical",
    ),
    "duplicate key": (
        lambda x: [*x[:4], x[4].replace(b'"actor":', b'"actor":"eve","actor":'), *x[5:]],
        5,
        "canon",
    ),
}


@pytest.mark.parametrize("case", TAMPERS)
def test_tampered_copies_fail_naming_the_first_bad_line(full, key, tmp_path, case):
    mutate, line, reason = TAMPERS[case]
    assert_fails_at(write(tmp_path / "bad.jsonl", mutate(list(full))), key, line, reason)


def test_an_export_signed_with_another_key_fails_on_line_1(full, key, tmp_path):
    forger = audit.Signer.generate()
    lines = [edit(full[0], public_key=forger.public_key.hex()), *full[1:]]
    result = verify_jsonl(write(tmp_path / "forged.jsonl", lines), key.public_key)
    assert (result.ok, result.line) == (False, 1) and "not the expected" in (result.reason or "")


def test_export_filtered_by_asset_proves_each_entry(sm, key, tmp_path):
    add_entries(sm, N)
    with sm() as s:
        summary = export_jsonl(s, tmp_path / "a.jsonl", asset="A", key=key)
        export_jsonl(s, tmp_path / "all.jsonl", key=key)
    assert summary.count == 4  # seq 1, 4, 7, 10
    lines = (tmp_path / "a.jsonl").read_bytes().splitlines(keepends=True)
    assert [orjson.loads(x)["seq"] for x in lines[1:-1]] == [1, 4, 7, 10]
    assert all("proof" in orjson.loads(x) for x in lines[1:-1])
    assert verify_jsonl(tmp_path / "a.jsonl", key.public_key).ok
    other = (tmp_path / "all.jsonl").read_bytes().splitlines(keepends=True)
    cases = {
        "deleted": ([*lines[:2], *lines[3:]], 3, "4 is missing"),
        "proof altered": ([*lines[:3], edit(lines[3], proof=["00" * 32]), *lines[4:]], 4, "inclusion proof"),
        "entry of asset B inserted": ([*lines[:2], other[2], *lines[2:]], 3, "2 where 4 was expected"),
        "edited": ([*lines[:4], edit(lines[4], actor="x"), *lines[5:]], 5, "hash does not match"),
        "last cut": ([*lines[:-2], lines[-1]], 5, "entry 10 expected before the checkpoint"),
    }
    for name, (bad, line, reason) in cases.items():
        assert_fails_at(write(tmp_path / "bad.jsonl", bad), key, line, reason), name


def test_export_of_a_range_is_pinned_by_its_last_entry(sm, key, tmp_path):
    add_entries(sm, N)
    with sm() as s:
        summary = export_jsonl(s, tmp_path / "r.jsonl", from_seq=4, to_seq=9, key=key)
    assert (summary.count, summary.from_seq, summary.to_seq, summary.tree_size) == (6, 4, 9, N)
    lines = (tmp_path / "r.jsonl").read_bytes().splitlines(keepends=True)
    assert verify_jsonl(tmp_path / "r.jsonl", key.public_key).ok
    cases = {
        "first deleted": ([lines[0], *lines[2:]], 2, "4 is missing"),
        "last deleted": ([*lines[:-2], lines[-1]], 7, "entry 9 expected before the checkpoint"),
        "head proof altered": ([*lines[:-1], edit(lines[-1], head_proof=[])], 8, "head_proof"),
        "last rehashed": ([*lines[:-2], rehash(edit(lines[-2], actor="x")), lines[-1]], 8, "head_proof"),
    }
    for name, (bad, line, reason) in cases.items():
        assert_fails_at(write(tmp_path / "bad.jsonl", bad), key, line, reason), name


def test_full_and_range_exports_stream_without_building_the_whole_tree(sm, key, tmp_path, monkeypatch):
    """Memory stays O(log n) but for asset exports: the tree's path and root come from one streamed pass,
    and they are the ones the whole tree gives."""
    add_entries(sm, N)
    with sm() as s:
        tree = export_module.MerkleTree(audit.leaf_data(s, N))

    def refuse(*args, **kwargs):
        raise AssertionError("a full or range export built the whole Merkle tree")

    monkeypatch.setattr(export_module, "MerkleTree", refuse)
    monkeypatch.setattr(export_module, "leaf_data", refuse)
    for lo, hi in ((None, None), (1, 1), (1, 5), (4, 9), (5, None), (N, N), (2, N - 1), (9, 3)):
        path = tmp_path / f"r{lo}-{hi}.jsonl"
        with sm() as s:
            summary = export_jsonl(s, path, from_seq=lo, to_seq=hi, key=key)
        assert summary.root == tree.root() and summary.tree_size == N
        tail = orjson.loads(path.read_bytes().splitlines()[-1])
        if (lo, hi) in ((None, None), (1, None)) or summary.count == 0:
            assert "head_proof" not in tail
        else:
            assert tail["head_proof"] == [h.hex() for h in tree.inclusion_proof(summary.to_seq - 1)]
        result = verify_jsonl(path, key.public_key)
        assert result.ok and result.entries == summary.count, (lo, hi, result.summary())


def test_payloads_with_non_ascii_keys_verify(sm, key, tmp_path):
    with sm.begin() as s:  # keys whose UTF-16 order differs from code point order (RFC 8785 §3.2.3)
        audit.record(
            s, actor="ü", action="a", subject="s", payload={"\ufb33": 1, "\U0001f600": [2], "é": "\n"}
        )
    with sm() as s:
        export_jsonl(s, tmp_path / "u.jsonl", key=key)
    assert verify_jsonl(tmp_path / "u.jsonl", key.public_key).ok


def test_empty_log_and_empty_range_export_and_verify(sm, key, tmp_path):
    with sm() as s:
        assert export_jsonl(s, tmp_path / "e.jsonl", key=key).count == 0
    assert verify_jsonl(tmp_path / "e.jsonl", key.public_key).ok
    add_entries(sm, 2)
    with sm() as s:
        assert export_jsonl(s, tmp_path / "e2.jsonl", from_seq=5, key=key).count == 0
    assert verify_jsonl(tmp_path / "e2.jsonl", key.public_key).ok


def test_csv_export_for_spreadsheets(sm, tmp_path):
    add_entries(sm, 3)
    with sm.begin() as s:
        audit.record(s, actor="=HYPERLINK(evil)", action="a", subject="asset:A", payload={"x": "y,z"})
    with sm() as s:
        assert export_csv(s, tmp_path / "a.csv", asset="A") == 2
    rows = list(csv.reader((tmp_path / "a.csv").open(encoding="utf-8", newline="")))
    assert rows[0] == ["seq", "time", "actor", "action", "subject", "asset", "payload", "prev_hash", "hash"]
    assert [r[0] for r in rows[1:]] == ["1", "4"]
    assert rows[2][2] == "'=HYPERLINK(evil)" and rows[2][6] == '{"x":"y,z"}'


def test_cli_functions_export_and_verify(sm, db_url, tmp_path, monkeypatch, capsys):
    add_entries(sm, 5)
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", db_url)
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        assert audit_export(tmp_path / "x.jsonl", None, None, None, "jsonl") == 1  # no key yet
        assert "aurigraph audit keygen" in capsys.readouterr().err
        keygen(get_settings().audit_key_file)
        assert audit_export(tmp_path / "x.jsonl", None, None, None, "jsonl") == 0
        assert audit_export(tmp_path / "x.csv", 2, 3, None, "csv") == 0
        pub = audit.public_key(get_settings()).hex()
    finally:
        get_settings.cache_clear()
    assert audit_verify(tmp_path / "x.jsonl", pub) == 0
    assert "OK: 5 entries" in capsys.readouterr().out
    lines = (tmp_path / "x.jsonl").read_bytes().splitlines(keepends=True)
    write(tmp_path / "bad.jsonl", [*lines[:3], edit(lines[3], action="forged"), *lines[4:]])
    assert audit_verify(tmp_path / "bad.jsonl", pub) == 1
    assert capsys.readouterr().out.startswith("line 4: entry 3: its hash does not match")
    assert audit_verify(tmp_path / "x.jsonl", "12") == 1


def test_the_offline_verifier_verifies_without_loading_a_database_driver(full, key, tmp_path):
    """`audit verify` is for third parties without our database: a fresh interpreter that imports only
    app.rwa.audit.verify checks a real export and has loaded neither sqlalchemy nor a driver."""
    out = tmp_path / "full.jsonl"
    out.write_bytes(b"".join(full))
    code = (
        "import sys\n"
        "from app.rwa.audit.verify import verify_jsonl\n"
        f"result = verify_jsonl({str(out)!r}, bytes.fromhex({key.public_key.hex()!r}))\n"
        "db = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'psycopg') or m == 'app.db']\n"
        "print(result.ok, sorted(db))\n"
    )
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True []"
