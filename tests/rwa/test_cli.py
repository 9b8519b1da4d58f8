"""The CLI: `keys create` bootstraps an admin key (hashed at rest), `demo` seeds a living registry once,
and what it seeds exports and verifies offline (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.rwa.audit.export import export_jsonl
from app.rwa.audit.verify import verify_jsonl
from app.rwa.models import ApiKey, Document, Identity, Movement
from app.rwa.registry import assets, keys
from tests.rwa.factories import audit_size


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", db_url)
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()
    get_settings.cache_clear()


def test_keys_create_bootstraps_an_admin_key_stored_as_a_hash(env):
    result = CliRunner().invoke(cli, ["keys", "create", "--role", "admin", "--name", "root"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with env.begin() as s:
        row = s.scalars(select(ApiKey)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).digest()
        secret = token.split("_", 2)[2]
        assert len(secret) >= 43 and not any(secret in str(v) for v in (row.prefix, row.name, row.token_hash))
        assert keys.authenticate(s, token).role == "admin"
    bad = CliRunner().invoke(cli, ["keys", "create", "--role", "agent"])
    assert bad.exit_code == 1 and "agent key needs the assets" in bad.output
    listed = CliRunner().invoke(cli, ["keys", "list"])
    assert row.prefix in listed.output and "admin" in listed.output


def test_demo_seeds_once_and_its_trail_verifies(env, tmp_path):
    first = CliRunner().invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "refused: LIS-OFFICE to a US investor (country not allowed): COUNTRY_NOT_ALLOWED" in first.output
    with env.begin() as s:
        size = audit_size(s)
        symbols = [a.symbol for a in assets.list_assets(s)]
        assert len({a.asset_class for a in assets.list_assets(s)}) == 3
        verified = s.scalars(select(Identity).where(Identity.kyc_status == "verified")).all()
        assert len(verified) == 12 and len({i.country for i in verified}) >= 10
        # onboarded by the demo's issuer: its issuer and agent keys may manage them (issue 11 item 1)
        assert {i.onboarded_by_issuer_id for i in s.scalars(select(Identity))} == {
            assets.list_assets(s)[0].issuer_id
        }
        positions = [p for sym in symbols for p in assets.positions(s, symbol=sym)]
        assert any(p.frozen for p in positions) and any(p.frozen_units for p in positions)
        for sym in symbols:
            held = sum(p.balance for p in assets.positions(s, symbol=sym))
            assert held == assets.asset_by_symbol(s, sym).issued_units
        forced = s.scalars(select(Movement).where(Movement.kind == "forced_transfer")).one()
        assert forced.overridden == ["SENDER_FROZEN"]
        assert s.scalar(select(func.count()).select_from(Document)) == 5

    again = CliRunner().invoke(cli, ["demo"])
    assert again.exit_code == 0 and "already there" in again.output
    with env.begin() as s:
        assert audit_size(s) == size
        out = tmp_path / "audit.jsonl"
        export_jsonl(s, out)
    assert verify_jsonl(out, None).ok

    listing = CliRunner().invoke(cli, ["assets", "list"])
    assert "LIS-OFFICE" in listing.output and "GOLD-LBMA" in listing.output
    holdings = CliRunner().invoke(cli, ["assets", "holdings", "GOLD-LBMA"])
    assert "FROZEN" in holdings.output
    assert CliRunner().invoke(cli, ["assets", "holdings", "NOPE"]).exit_code == 1
