"""The dashboard in headless Chromium after `aurigraph demo` on a real server (SQLite and PostgreSQL), and
/metrics: the page finds the demo's assets with the values the API gives, every feed's health, a history chart
with as many points as the API's history, the loan and its alerts; a screenshot goes under the test's tmp dir.
The tests share one demo per database and run in file order: the last one moves a price past a guard."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.dashboard.browser import by_attr, dump_dom, elements, screenshot
from tests.dashboard.conftest import DemoServer, wait_until

pytestmark = pytest.mark.slow
PAIRS = {"XAU/USD", "EUR/USD", "GBP/USD", "AURORA-LIS-NAV/EUR"}
ASSETS = {"LIS-OFFICE", "AUR-GB27", "GOLD-LBMA"}


def page(demo: DemoServer, tmp_path: Path, key: str | None) -> str:
    url = demo.srv.url + "/dashboard" + ("" if key is None else f"#key={key}")
    return dump_dom(url, tmp_path / "profile")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_dashboard_shows_assets_feed_health_a_chart_and_the_loan(demo_server: DemoServer, tmp_path: Path):
    html = page(demo_server, tmp_path, demo_server.auditor)
    body = next(e for e in elements(html) if e.tag == "body")
    assert body.attrs["data-state"] == "ready"
    assert body.attrs["data-errors"] == "0", by_attr(html, "id")["status"].content

    # assets: each with the value the API reports now, in the first currency of its pricing rule
    rows = by_attr(html, "data-symbol", "tr")
    assert ASSETS <= set(rows)
    for symbol in ASSETS:
        currency = demo_server.json(f"/v1/assets/{symbol}/pricing")["currencies"][0]
        now = demo_server.json(f"/v1/assets/{symbol}/valuation?currency={currency}")
        assert rows[symbol].attrs["data-value"] == now["value"]
        assert Decimal(now["value"]) > 0
    assert "EUR 85,103,250.00" in rows["LIS-OFFICE"].content  # 4,660 units at the NAV of 18,262.50

    # feeds: every one read by the server and fresh, with its price and no guard failure
    feeds = by_attr(html, "data-pair")
    assert set(feeds) == PAIRS
    assert {p: f.attrs["data-health"] for p, f in feeds.items()} == dict.fromkeys(PAIRS, "fresh")
    assert "2655.8" in feeds["XAU/USD"].content and "none" in feeds["XAU/USD"].content

    # the chart: drawn from the whole history of the asset that moved last (gold: the last push was XAU/USD)
    canvas = by_attr(html, "id")["history"]
    assert canvas.attrs["data-symbol"] == "GOLD-LBMA"
    history = demo_server.json("/v1/assets/GOLD-LBMA/valuations?currency=USD&limit=1000")["items"]
    assert int(canvas.attrs["data-points"]) == len(history) >= 3

    # the loan dipped into its warning band and recovered: healthy now, both alerts listed
    loans = [e.attrs["data-state"] for e in elements(html) if e.tag == "tr" and "data-state" in e.attrs]
    assert loans == ["healthy"]
    kinds = [e.attrs["data-kind"] for e in elements(html) if "data-kind" in e.attrs]
    assert kinds[:2] == ["collateral_recovered", "collateral_warning"]

    url = demo_server.srv.url + f"/dashboard#key={demo_server.auditor}"
    shot = screenshot(url, tmp_path / "profile", tmp_path / "dashboard.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_page_and_chart_js_are_served_without_a_key_but_show_nothing_without_one(
    demo_server: DemoServer, tmp_path: Path
):
    chart = httpx.get(demo_server.srv.url + "/dashboard/vendor/chart.js/chart.umd.min.js", timeout=30)
    assert chart.status_code == 200 and b"Chart" in chart.content[:2000]  # local copy, no CDN
    html = page(demo_server, tmp_path, None)
    ids = by_attr(html, "id")
    assert "enter an API key" in ids["status"].content
    assert not by_attr(html, "data-symbol", "tr") and not by_attr(html, "data-pair")
    bad = page(demo_server, tmp_path, "aur_00000000_not-a-key")
    assert "HTTP 401" in by_attr(bad, "id")["status"].content
    assert not by_attr(bad, "data-symbol", "tr")


def test_metrics_after_the_demo(demo_server: DemoServer):
    r = httpx.get(demo_server.srv.url + "/metrics", timeout=30)  # public: a scraper carries no key
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = samples(r.text)
    for pair in PAIRS:
        assert m[("aurigraph_feed_answers_read_total", (("pair", pair), ("source", "primary")))] >= 1
        assert m[("aurigraph_feed_availability_ratio", (("pair", pair),))] == 1.0
        assert m[("aurigraph_feed_availability_below_target", (("pair", pair),))] == 0.0
        assert 0 <= m[("aurigraph_feed_answer_age_seconds", (("pair", pair),))] < 3600
    assert m[("aurigraph_feed_availability_target_ratio", ())] == 0.9999
    assert m[("aurigraph_valuation_round_seconds_count", ())] >= 9  # one round per pushed block at least
    assert m[("aurigraph_alerts_total", (("kind", "collateral_warning"),))] == 1
    assert m[("aurigraph_alerts_total", (("kind", "collateral_recovered"),))] == 1
    assert m[("aurigraph_valuations_stored_total", ())] > 0


def test_a_guard_failure_shows_as_stale_on_the_dashboard_and_in_metrics(
    demo_server: DemoServer, tmp_path: Path
):
    """Gold 'jumps' 50 % (the demo feed allows 10 % between answers): the reader keeps the last good answer,
    the valuation is marked stale, and the page and /metrics say which guard failed."""
    pushed = httpx.post(
        demo_server.srv.url + "/v1/feeds/XAU/USD/answers",
        json={"price": "3983.70"},
        headers={"Authorization": f"Bearer {demo_server.admin}"},
        timeout=30,
    )
    assert pushed.status_code == 201, pushed.text
    block = pushed.json()["block"]

    def stale_valuation() -> bool:
        v = demo_server.json("/v1/assets/GOLD-LBMA/valuation?currency=USD")
        return bool(v["block_number"] >= block and v["stale"])

    wait_until(stale_valuation, "a stale valuation of GOLD-LBMA after the jump")
    html = page(demo_server, tmp_path, demo_server.auditor)
    xau = by_attr(html, "data-pair")["XAU/USD"]
    assert xau.attrs["data-health"] == "stale"
    assert "jump: 1" in xau.content
    assert "2655.8" in xau.content  # the last good answer is what values the gold
    m = samples(httpx.get(demo_server.srv.url + "/metrics", timeout=30).text)
    assert m[("aurigraph_feed_guard_failures_total", (("guard", "jump"), ("pair", "XAU/USD")))] == 1
    assert m[("aurigraph_feed_answers_read_total", (("pair", "XAU/USD"), ("source", "last_good")))] >= 1
