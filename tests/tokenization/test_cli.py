"""`aurigraph tokenization init` deploys the platform with the configured operator key (once), `show` prints
what the database records, and production refuses to run without an operator key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.rwa.tokenization.models import PlatformContract


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def _lines(output: str) -> dict[str, str]:
    return dict(line.rsplit("\t", 1) for line in output.strip().splitlines())


def test_init_deploys_once_with_the_configured_key_and_show_prints_it(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Account.create()
    keyfile = tmp_path / "operator.key"
    keyfile.write_text(key.key.hex())
    monkeypatch.setenv("AURIGRAPH_OPERATOR_KEY_FILE", str(keyfile))
    get_settings.cache_clear()
    runner = CliRunner()
    # a fresh key has no ether on the dev chain: the command says so, and nothing is recorded
    poor = runner.invoke(cli, ["tokenization", "init"])
    assert poor.exit_code == 1 and "error:" in poor.output, poor.output
    monkeypatch.delenv("AURIGRAPH_OPERATOR_KEY_FILE")
    get_settings.cache_clear()
    first = runner.invoke(cli, ["tokenization", "init"])
    assert first.exit_code == 0, first.output
    printed = _lines(first.output)
    assert printed["operator"] == "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"  # dev account 0 on a dev chain
    engine = create_engine(env)
    with engine.connect() as conn:
        recorded = {
            r: "0x" + bytes(a).hex()
            for r, a in conn.execute(select(PlatformContract.role, PlatformContract.address))
        }
    engine.dispose()
    assert (
        printed["trex_factory"] == recorded["trex_factory"]
        and printed["claim_issuer"] == recorded["claim_issuer"]
    )
    again = runner.invoke(cli, ["tokenization", "init"])
    assert again.exit_code == 0 and _lines(again.output) == printed
    shown = runner.invoke(cli, ["tokenization", "show"])
    assert (
        shown.exit_code == 0 and _lines(shown.output)["module LockUpModule"] == printed["module LockUpModule"]
    )


def test_show_before_init_and_production_without_a_key_are_errors(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["tokenization", "show"])
    assert shown.exit_code == 1 and "aurigraph tokenization init" in shown.output
    monkeypatch.setenv("AURIGRAPH_ENV", "production")
    get_settings.cache_clear()
    refused = runner.invoke(cli, ["tokenization", "init"])
    assert refused.exit_code == 1 and "no operator key" in refused.output
