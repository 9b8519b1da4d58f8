"""`aurigraph tokenization tokenize SYMBOL`: in process, as the REST route; a rule the suite cannot express
is refused with the rule's name and nothing deployed, a tokenizable asset comes out in on-chain mode."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.evm.storage.models import BlockRow
from app.rwa.ledger import transfers as ledger
from app.rwa.onchain.models import OnchainAsset
from app.rwa.registry import assets, identities
from app.rwa.registry.assets import RulesInput

WALLET = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"  # dev account 1


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_tokenize_from_the_cli(env: str) -> None:
    engine = make_engine(env)
    with make_sessionmaker(engine).begin() as s:
        issuer = assets.create_issuer(s, actor="t", name="Issuer", country=276)
        identities.create_identity(
            s,
            actor="t",
            reference="r1",
            label="alice",
            country=276,
            category="retail",
            kyc_status="verified",
            kyc_expires_at=datetime.now(UTC) + timedelta(days=90),
            wallets=[WALLET],
        )
        for symbol, rules in (("CATS", RulesInput(allowed_categories=["institutional"])), ("BOND", None)):
            assets.create_asset(
                s,
                actor="t",
                issuer_id=issuer.id,
                symbol=symbol,
                name=symbol,
                asset_class="bond",
                jurisdiction="DE",
                currency="EUR",
                rules=rules,
            )
            assets.set_status(s, actor="t", symbol=symbol, status="active")
        ledger.issue(s, actor="t", symbol="BOND", wallet=WALLET, units=42)
    runner = CliRunner()
    refused = runner.invoke(cli, ["tokenization", "tokenize", "CATS"])
    assert refused.exit_code == 1 and "allowed_categories" in refused.output, refused.output
    with engine.connect() as conn:
        assert conn.scalar(select(func.max(BlockRow.number))) == 0  # nothing deployed
    done = runner.invoke(cli, ["tokenization", "tokenize", "BOND"])
    assert done.exit_code == 0, done.output
    printed = dict(line.split("\t", 1) for line in done.output.strip().splitlines())
    with engine.connect() as conn:
        row = conn.execute(select(OnchainAsset)).one()
    assert printed["token"] == "0x" + bytes(row.token).hex() and printed["symbol"] == "BOND"
    engine.dispose()
