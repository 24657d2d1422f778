"""/healthz and /metrics: no key needed, nothing about orders revealed."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from cube.store import Store
from cube.store.backend import open_backend
from tests.api.conftest import UNLIMITED, Api, serving
from tests.store.builder import order

P1 = "P1.C01.K001.G0001"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_healthz_reports_the_database_and_schema(api: Api) -> None:
    r = api.client().get("/healthz")
    assert r.status_code == 200
    latest = api.store.schema_version()[1]
    assert r.json() == {
        "status": "ok",
        "database": api.store.backend.name,
        "schema_version": latest,
        "latest_version": latest,
        "detail": "",
    }


def test_healthz_is_503_when_the_schema_is_behind(api: Api) -> None:
    api.store.backend.transact(lambda tx: tx.run("DELETE FROM schema_version"))
    r = api.client().get("/healthz")
    assert r.status_code == 503
    assert (r.json()["status"], r.json()["schema_version"], r.json()["detail"]) == (
        "unavailable",
        0,
        "schema is not current: run `cube store migrate`",
    )


def test_an_unreachable_database_is_503_on_health_and_routes(tmp_path: Path) -> None:
    store = Store(open_backend("postgresql://postgres@127.0.0.1:1/nowhere"))
    app = create_app(store=store, limits=UNLIMITED)
    with serving(app, lifespan="off") as url:
        with httpx.Client(base_url=url) as client:
            health = client.get("/healthz")
            assert (health.status_code, health.json()["status"]) == (503, "unavailable")
            r = client.get(
                "/v1/admin/queue", headers={"X-API-Key": "cube_0123456789ab_" + "A" * 43}
            )
            assert r.status_code == 503
            assert r.json()["error"] == "unavailable"
            assert r.json()["message"].startswith(
                "cannot connect to postgresql://postgres@127.0.0.1:1/nowhere: "
            )


def test_metrics_count_leases_results_latency_and_queue_depth(api: Api) -> None:
    api.load("r1", [order("r1", s, region=P1) for s in (1, 2, 3)])
    call = api.client("call")
    lease = call.post("/v1/touchpoints/outbound_call/leases", json={"n": 2}).json()
    item = {
        "order_id": lease["orders"][0]["order_id"],
        "lease_token": lease["token"],
        "outcome": "accepted",
        "idempotency_key": "m-1",
        "at": "2026-11-01T09:00:00Z",
    }
    call.post("/v1/results", json={"results": [item, item]})
    r = api.client().get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = _samples(r.text)
    tp = (("touchpoint", "outbound_call"),)
    assert samples[("cube_leases_total", tp)] == 1
    assert samples[("cube_leased_orders_total", tp)] == 2
    assert samples[("cube_results_total", (("outcome", "accepted"), ("status", "recorded")))] == 2
    assert samples[("cube_queue_depth", tp)] == 1
    assert samples[("cube_queue_depth", (("touchpoint", "sms"),))] == 0
    assert samples[("cube_store_up", ())] == 1
    route = (
        ("method", "POST"),
        ("route", "/v1/touchpoints/{touchpoint}/leases"),
        ("status", "200"),
    )
    assert samples[("cube_api_request_duration_seconds_count", route)] == 1
