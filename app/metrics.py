"""Prometheus metrics of the service, in one registry served at /metrics (prometheus-client).

Every metric is defined here, once, so their names form one list an operator can read; the code that
observes a thing imports its metric from here. Imports prometheus_client only.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

REGISTRY = CollectorRegistry(auto_describe=True)

FEED_ANSWER_AGE = Gauge(
    "aurigraph_feed_answer_age_seconds",
    "Seconds between the feed's updatedAt and the block it was read for",
    ["pair"],
    registry=REGISTRY,
)
FEED_ANSWERS_READ = Counter(
    "aurigraph_feed_answers_read_total",
    "Answers read from feeds, by the source finally used (primary, fallback, last_good)",
    ["pair", "source"],
    registry=REGISTRY,
)
FEED_GUARD_FAILURES = Counter(
    "aurigraph_feed_guard_failures_total",
    "Consumer guards that failed on a feed's answer, by guard",
    ["pair", "guard"],
    registry=REGISTRY,
)
FEED_AVAILABILITY = Gauge(
    "aurigraph_feed_availability_ratio",
    "Share of observed time the pair had a fresh, guarded answer (primary or fallback)",
    ["pair"],
    registry=REGISTRY,
)
FEED_AVAILABILITY_TARGET = Gauge(
    "aurigraph_feed_availability_target_ratio",
    "The availability the issuers ask of every feed",
    registry=REGISTRY,
)
FEED_AVAILABILITY_TARGET.set(0.9999)
VALUATION_ROUND_SECONDS = Histogram(
    "aurigraph_valuation_round_seconds",
    "Wall time of one valuation round (read feeds, value assets and holdings, store)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
VALUATIONS_STORED = Counter(
    "aurigraph_valuations_stored_total",
    "Asset valuations appended to the history",
    registry=REGISTRY,
)
ALERTS_RAISED = Counter(
    "aurigraph_alerts_total",
    "Alerts raised, by kind (collateral_warning, collateral_liquidation, feed_stale, ...)",
    ["kind"],
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "aurigraph_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, failed)",
    ["outcome"],
    registry=REGISTRY,
)


class _AvailabilityBelowTarget:
    """`aurigraph_feed_availability_below_target{pair}`: 1 while a pair's availability is under the target,
    else 0, computed at each scrape from the two gauges above, so an alert rule needs no arithmetic and the
    figure can never disagree with them."""

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(BELOW_TARGET, BELOW_TARGET_HELP, labels=["pair"])]

    def collect(self) -> list[Metric]:
        family = GaugeMetricFamily(BELOW_TARGET, BELOW_TARGET_HELP, labels=["pair"])
        target = _value(FEED_AVAILABILITY_TARGET)
        for metric in FEED_AVAILABILITY.collect():
            for sample in metric.samples:
                family.add_metric([sample.labels["pair"]], 1.0 if sample.value < target else 0.0)
        return [family]


def _value(gauge: Gauge) -> float:
    return next(s.value for m in gauge.collect() for s in m.samples)


BELOW_TARGET = "aurigraph_feed_availability_below_target"
BELOW_TARGET_HELP = "1 while the pair's availability is below the target ratio, else 0"
REGISTRY.register(_AvailabilityBelowTarget())
