"""/metrics without a key, in Prometheus' text format, and the availability-below-target gauge computed at
each scrape from the availability and target gauges (a pair exactly on target meets it)."""

from __future__ import annotations

import uuid

from prometheus_client.parser import text_string_to_metric_families

from app.metrics import FEED_AVAILABILITY
from tests.rwa.conftest import make_api


def below_target(text: str) -> dict[str, float]:
    return {
        s.labels["pair"]: s.value
        for f in text_string_to_metric_families(text)
        if f.name == "aurigraph_feed_availability_below_target"
        for s in f.samples
    }


def test_metrics_are_public_and_flag_a_feed_below_the_target(sqlite_url, tmp_path):
    short, on, never = (f"T{uuid.uuid4().hex[:6]}/USD" for _ in range(3))
    FEED_AVAILABILITY.labels(pair=short).set(0.99989)
    FEED_AVAILABILITY.labels(pair=on).set(0.9999)
    FEED_AVAILABILITY.labels(pair=never).set(0.0)
    for api in make_api(sqlite_url, tmp_path):
        client = api.client  # requests below carry no key
        r = client.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        flags = below_target(r.text)
        assert (flags[short], flags[on], flags[never]) == (1.0, 0.0, 1.0)
        assert "aurigraph_feed_guard_failures_total" in r.text and "aurigraph_alerts_total" in r.text
        page = client.get("/dashboard")
        assert page.status_code == 200 and 'src="/dashboard/vendor/chart.js/chart.umd.min.js"' in page.text
        assert client.get("/dashboard/static/dashboard.js").status_code == 200
    for pair in (short, on, never):
        FEED_AVAILABILITY.remove(pair)
