"""Prometheus metrics of one API process: leases, results, latencies, queue depth.

Each app has its own registry (several apps in one test process must not collide).
Queue depth is not kept up to date on every change: a collector asks the store at
scrape time (one indexed count per touchpoint), so it is exact when read and costs
nothing between scrapes. With several uvicorn workers each serves its own counters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from cube.contract import TOUCHPOINTS
from cube.store import Lease, Principal, ResultAnswer, ResultIn, Store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Latency buckets (seconds) around the real-time target of 25 ms at p99.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SCRAPER = Principal(key_id="metrics", name="metrics scrape", admin=True)
log = logging.getLogger("cube.api")


class QueueDepthCollector:
    """`cube_queue_depth{touchpoint}` computed from the store when Prometheus scrapes."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "cube_queue_depth", "Open, unexpired orders.", labels=["touchpoint"]
        )
        yield GaugeMetricFamily("cube_store_up", "1 when the store answered the scrape.")

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "cube_queue_depth", "Open, unexpired orders.", labels=["touchpoint"]
        )
        up = GaugeMetricFamily("cube_store_up", "1 when the store answered the scrape.")
        try:
            counts = self.store.queue_depth(_SCRAPER)
        except Exception:  # a scrape must not fail because the database is down
            log.exception("queue depth unavailable")
            up.add_metric([], 0)
            yield up
            return
        for touchpoint in TOUCHPOINTS:
            depth.add_metric([touchpoint], counts.get(touchpoint, 0))
        up.add_metric([], 1)
        yield depth
        yield up


class Metrics:
    """The counters and histograms the routes and the request middleware update."""

    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "cube_api_request_duration_seconds",
            "Request latency by route template, method and status.",
            ["route", "method", "status"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.leases = Counter(
            "cube_leases", "Lease requests answered.", ["touchpoint"], registry=self.registry
        )
        self.leased_orders = Counter(
            "cube_leased_orders",
            "Orders handed out by leases.",
            ["touchpoint"],
            registry=self.registry,
        )
        self.impressions = Counter(
            "cube_impressions",
            "Real-time impressions recorded.",
            ["touchpoint"],
            registry=self.registry,
        )
        self.results = Counter(
            "cube_results",
            "Posted results by outcome and answer status.",
            ["outcome", "status"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "cube_api_rate_limited", "Requests refused with 429.", registry=self.registry
        )
        self.registry.register(QueueDepthCollector(store))

    def lease(self, lease: Lease) -> None:
        self.leases.labels(lease.touchpoint).inc()
        self.leased_orders.labels(lease.touchpoint).inc(len(lease.orders))

    def answered(self, items: list[ResultIn], answers: list[ResultAnswer]) -> None:
        for item, answer in zip(items, answers, strict=True):
            self.results.labels(item.outcome, answer.status).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
