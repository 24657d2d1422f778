"""Admin routes: runs, strategies, counts and queue depth, paged, for admin keys only."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.store.builder import order

P1 = "P1.C01.K001.G0001"


def _load_two_runs(api: Api) -> None:
    api.load("r1", [order("r1", s, region=P1) for s in (1, 2, 3)])
    api.load("r2", [order("r2", 9, strategy="s-sms", touchpoint="sms", region=P1)])


def test_runs_and_strategies_are_listed_and_paged(api: Api) -> None:
    _load_two_runs(api)
    admin = api.client("admin")
    runs = admin.get("/v1/admin/runs").json()
    assert [(r["run_id"], r["orders"], r["period"]) for r in runs["items"]] == [
        ("r1", 3, "2026-11"),
        ("r2", 1, "2026-11"),
    ]
    assert (runs["limit"], runs["offset"], runs["total"]) == (100, 0, 2)
    second = admin.get("/v1/admin/runs", params={"limit": 1, "offset": 1}).json()
    assert [r["run_id"] for r in second["items"]] == ["r2"]
    strategies = admin.get("/v1/admin/strategies").json()["items"]
    assert strategies == [
        {"strategy_id": "s-5g", "version": 1, "runs": 1, "open_orders": 3},
        {"strategy_id": "s-sms", "version": 1, "runs": 1, "open_orders": 1},
    ]


def test_counts_and_queue_depth_follow_leases(api: Api) -> None:
    _load_two_runs(api)
    api.client("call").post("/v1/touchpoints/outbound_call/leases", json={"n": 2})
    admin = api.client("admin")
    assert admin.get("/v1/admin/counts").json() == {
        "counts": {"outbound_call": {"leased": 2, "open": 1}, "sms": {"open": 1}}
    }
    assert admin.get("/v1/admin/queue").json() == {"queue_depth": {"outbound_call": 1, "sms": 1}}


def test_pages_are_capped(api: Api) -> None:
    r = api.client("admin").get("/v1/admin/strategies", params={"limit": 1001})
    assert r.status_code == 422
    assert r.json()["fields"] == [
        {"field": "limit", "message": "Input should be less than or equal to 1000"}
    ]
