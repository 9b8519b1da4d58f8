"""Bad input: each case a clear 4xx with a code, and nothing written (no feed, rule, valuation or audit
entry). One app per database for the module: every request here is refused, so the cases cannot interfere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from app.evm.contracts.compiler import BUILD_DIR
from app.rwa.audit.models import AuditEntry
from app.rwa.feeds.models import Feed
from app.rwa.models import Asset
from app.rwa.valuation.models import PricingRule, Valuation
from tests.conftest import DIALECTS, make_database
from tests.valuation.conftest import World, make_world

OUNCE = 10**18


@pytest.fixture(scope="module", params=DIALECTS)
def bad(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp(request.param)
    for url in make_database(request.param, tmp):
        for world in make_world(url, tmp):
            world.feed("XAU/USD", "2000")
            world.feed("EUR/USD", "1.25")
            gold, identity = world.asset(OUNCE)
            world.price(gold, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD", "EUR"])
            unpriced, _ = world.asset(OUNCE)
            w3 = world.w3()
            counter = json.loads((BUILD_DIR / "Counter.json").read_text())
            tx = (
                w3.eth.contract(abi=counter["abi"], bytecode=counter["bytecode"])
                .constructor()
                .transact({"from": world.owner})
            )
            not_feed = w3.eth.get_transaction_receipt(tx)["contractAddress"]
            zero, wide = world.deploy("1", decimals=0), world.deploy("1", decimals=37)
            yield {
                "world": world, "gold": gold, "unpriced": unpriced, "identity": identity,
                "not_feed": not_feed, "zero_decimals": zero, "wide_decimals": wide,
            }  # fmt: skip


def counts(world: World) -> tuple[int, ...]:
    with world.api.sm() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Feed, PricingRule, Valuation, AuditEntry)
        )


def refused(bad: dict[str, Any], method: str, path: str, status: int, code: str, **kw: Any) -> None:
    world: World = bad["world"]
    before = counts(world)
    r = world.api.call(method, path, **kw)
    assert (r.status_code, r.json().get("code")) == (status, code), r.text
    assert counts(world) == before, "a refused request wrote something"


def feed_body(address: str, **over: Any) -> dict[str, Any]:
    return {"json": {"pair": "NEW/USD", "address": address} | over}


def test_feed_at_an_address_without_code(bad):
    refused(bad, "POST", "/v1/feeds", 422, "NOT_AN_AGGREGATOR", **feed_body("0x" + "12" * 20))


def test_feed_at_a_contract_that_is_no_aggregator(bad):
    refused(bad, "POST", "/v1/feeds", 422, "NOT_AN_AGGREGATOR", **feed_body(bad["not_feed"]))


@pytest.mark.parametrize("which", ["zero_decimals", "wide_decimals"])
def test_feed_with_decimals_out_of_range(bad, which):
    refused(bad, "POST", "/v1/feeds", 422, "BAD_DECIMALS", **feed_body(bad[which]))


@pytest.mark.parametrize(
    "over",
    [{"pair": "XAUUSD"}, {"pair": "XAU/QQQ"}, {"network": "ftp://x"}, {"min_answer": "5", "max_answer": "1"}],
)
def test_feed_with_a_malformed_configuration(bad, over):
    refused(bad, "POST", "/v1/feeds", 422, "INVALID_FEED", **feed_body(bad["not_feed"], **over))


def test_feed_registered_twice(bad):
    address = bad["world"].api.call("GET", "/v1/feeds/XAU/USD").json()["address"]
    refused(bad, "POST", "/v1/feeds", 409, "FEED_EXISTS", **feed_body(address, pair="XAU/USD"))


def test_unknown_pair(bad):
    refused(bad, "GET", "/v1/feeds/NOPE/USD", 404, "FEED_NOT_FOUND")
    refused(bad, "POST", "/v1/feeds/NOPE/USD/answers", 404, "FEED_NOT_FOUND", json={"price": "1"})


@pytest.mark.parametrize("price", ["0", "-5", "1.5e3", "abc"])
def test_push_of_a_non_positive_or_malformed_price(bad, price):
    code = "INVALID_FEED" if price == "0" else "VALIDATION_ERROR"
    head = bad["world"].app.state.chain.head_number
    refused(bad, "POST", "/v1/feeds/XAU/USD/answers", 422, code, json={"price": price})
    assert bad["world"].app.state.chain.head_number == head  # no transaction sent


RULE = {"kind": "units", "feed_pair": "XAU/USD", "base_units": OUNCE, "currencies": ["USD"]}


@pytest.mark.parametrize(
    ("over", "status", "code"),
    [
        ({"currencies": ["XYZ"]}, 422, "UNKNOWN_CURRENCY"),
        ({"currencies": ["XAU"]}, 422, "UNKNOWN_CURRENCY"),  # ISO-4217, but not money we report in
        ({"currencies": ["CHF"]}, 422, "NO_FX_PATH"),  # no CHF feed registered
        ({"feed_pair": "NOPE/USD"}, 404, "FEED_NOT_FOUND"),
        ({"kind": "bogus"}, 422, "INVALID_PRICING"),
        ({"base_units": 0}, 422, "INVALID_UNITS"),
        ({"kind": "appraisal"}, 422, "INVALID_PRICING"),
    ],
)
def test_pricing_rule_refused(bad, over, status, code):
    refused(bad, "PUT", f"/v1/assets/{bad['unpriced']}/pricing", status, code, json=RULE | over)


def test_pricing_rule_of_an_unknown_asset(bad):
    refused(bad, "PUT", "/v1/assets/NOPE/pricing", 404, "ASSET_NOT_FOUND", json=RULE)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"at": "yesterday"}, 422, "INVALID_AS_OF"),
        ({"at": "2026-12-01T10:00:00"}, 422, "INVALID_AS_OF"),  # no offset: ambiguous
        ({"block": "abc"}, 422, "INVALID_AS_OF"),
        ({"block": "-1"}, 422, "INVALID_AS_OF"),
        ({"block": "99999999"}, 422, "INVALID_AS_OF"),  # not mined
        ({"block": "1", "at": "2026-12-01T10:00:00Z"}, 422, "INVALID_AS_OF"),
        ({"at": "2000-01-01T00:00:00Z"}, 422, "BEFORE_ASSET"),
        ({"currency": "XYZ"}, 422, "UNKNOWN_CURRENCY"),
        ({"currency": "GBP"}, 404, "NO_VALUATION"),  # not a currency this asset is reported in
    ],
)
def test_valuation_read_refused(bad, params, status, code):
    refused(bad, "GET", f"/v1/assets/{bad['gold']}/valuation", status, code, params=params)


def test_valuation_of_an_unknown_or_unpriced_asset(bad):
    refused(bad, "GET", "/v1/assets/NOPE/valuation", 404, "ASSET_NOT_FOUND")
    refused(bad, "GET", f"/v1/assets/{bad['unpriced']}/valuation", 404, "NO_VALUATION")
    refused(bad, "GET", "/v1/assets/NOPE/valuations", 404, "ASSET_NOT_FOUND")


def test_at_just_before_the_asset_existed(bad):
    world = bad["world"]
    with world.api.sm() as session:
        created = session.scalar(select(Asset.created_at).where(Asset.symbol == bad["gold"]))
    before = (created.replace(microsecond=0) - timedelta(seconds=1)).isoformat()
    refused(bad, "GET", f"/v1/assets/{bad['gold']}/valuation", 422, "BEFORE_ASSET", params={"at": before})


def test_portfolio_refused(bad):
    refused(
        bad,
        "GET",
        f"/v1/identities/{bad['identity']}/portfolio",
        422,
        "UNKNOWN_CURRENCY",
        params={"currency": "Q"},
    )
    refused(bad, "GET", "/v1/identities/999999/portfolio", 404, "IDENTITY_NOT_FOUND")


def test_amounts_are_decimal_strings_never_floats(bad):
    body = bad["world"].valuation(bad["gold"])
    assert body["value"] == "2000.00" and Decimal(body["unit_value"]) == Decimal("2000") / OUNCE
