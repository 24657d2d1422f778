"""A small evaluated world: two strategies, three touchpoints, outcomes posted to a real
SQLite store, holdings and churn in the extracts."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cube.settings import Settings
from cube.store import Principal, ResultIn, Store, open_store
from tests.evaluation.builder import RUN_DATE, work_order, write_raw, write_run
from tests.store.builder import ISSUED

RUN_ID = "20261101-world"
# touchpoint -> subscriber -> outcome posted (None: leased and left; absent: never leased)
OUTCOMES = {
    "outbound_call": {1: "accepted", 2: "accepted", 3: "declined", 4: "no_answer", 5: "contacted"},
    "sms": {11: "accepted", 12: "opted_out", 13: "invalid_number"},
    "store_popup": {31: "accepted", 32: "declined"},
}
HOLDINGS = [
    (21, "LA-BOOST", RUN_DATE + dt.timedelta(days=3)),  # a held-out subscriber buys alone
    (5, "LA-BOOST", RUN_DATE + dt.timedelta(days=5)),  # contacted, bought later alone
    (22, "LA-BOOST", RUN_DATE - dt.timedelta(days=30)),  # held it before the run
    (23, "LA-BOOST", RUN_DATE + dt.timedelta(days=45)),  # after the 30-day window
]
INACTIVE = {2}  # acquired, then churned
# Marks per chart of this world's report (cube.evaluation.charts): 3 touchpoints, 2 strategies,
# 2 counties, no tag snapshot (every subscriber's cube cell is 'unknown'), one cycle.
REPORT_MARKS = {
    "funnel": 15,  # 3 touchpoints x 5 stages
    "outcomes": 12,  # non-empty final states: call 5, popup 3, sms 4
    "roi-value": 6,  # 3 touchpoints x (ROI, value)
    "uplift": 5,  # s-boost: call, sms, all; s-fibre: popup, all
    "region-heatmap": 3,  # county x touchpoint cells where someone was reached
    "coverage-heatmap": 3,  # 'unknown' x (light_addon call, light_addon sms, broadband popup)
    "trends": 8,  # one cycle x (3 touchpoints + all) x (conversion, ROI)
}


@dataclass
class World:
    settings: Settings
    run_dir: Path
    store: Store
    clock: list[dt.datetime]


def orders() -> list[dict[str, object]]:
    rows = [work_order(RUN_ID, s, "s-boost", "LA-BOOST", "outbound_call") for s in range(1, 11)]
    rows += [
        work_order(RUN_ID, s, "s-boost", "LA-BOOST", "sms", region="P1.C02.K005.G0050")
        for s in range(11, 21)
    ]
    rows += [work_order(RUN_ID, s, "s-fibre", "HB-FIBRE", "store_popup") for s in range(31, 37)]
    return rows


def holdout() -> list[tuple[str, int, str, str]]:
    rows = [("s-boost", s, "LA-BOOST", "P1.C01.K001.G0001") for s in range(21, 26)]
    rows += [("s-boost", s, "LA-BOOST", "P1.C02.K005.G0050") for s in range(26, 31)]
    return rows + [("s-fibre", s, "HB-FIBRE", "P1.C01.K001.G0001") for s in range(37, 41)]


def post(store: Store, clock: list[dt.datetime]) -> None:
    """Lease every touchpoint's orders and post the planned outcomes."""
    for touchpoint, planned in OUTCOMES.items():
        key = Principal(key_id=f"k-{touchpoint}", touchpoints=frozenset([touchpoint]),
                        region_prefixes=("*",))  # fmt: skip
        lease = store.lease(key, touchpoint, 1000)
        items = [
            ResultIn(
                order_id=o.order_id,
                lease_token=lease.token,
                outcome=planned[o.subscriber_id],
                idempotency_key=o.order_id,
                at=clock[0],
            )  # fmt: skip
            for o in lease.orders
            if o.subscriber_id in planned
        ]
        answers = store.post_results(key, items)
        assert {a.status for a in answers} == {"recorded"}


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    write_raw(settings.dir("raw"), HOLDINGS, INACTIVE)
    run_dir = write_run(settings.dir("runs"), RUN_ID, orders(), holdout())
    clock = [ISSUED + dt.timedelta(hours=2)]
    store = open_store(settings, clock=lambda: clock[0], lease_seconds=3600)
    store.migrate()
    store.load_run(run_dir)
    post(store, clock)
    yield World(settings=settings, run_dir=run_dir, store=store, clock=clock)
    store.close()


class Hook:
    """A local HTTP server that answers each POST with the next status in `answers`."""

    def __init__(self, answers: list[int]) -> None:
        self.answers, self.bodies = answers, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.bodies.append(json.loads(body))
                self.send_response(hook.answers.pop(0) if hook.answers else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def hook(request: pytest.FixtureRequest) -> Iterator[Hook]:
    server = Hook(list(request.param))
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
