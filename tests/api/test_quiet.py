"""Quiet hours over HTTP: an empty lease saying until when, and a refused impression."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from cube.store import CapPolicy
from tests.api.conftest import Api, running_api
from tests.store.builder import order

# 21:00-09:00 Asia/Shanghai for calls, 21:00-08:00 for SMS; 13:30 UTC is 21:30 there.
QUIET = CapPolicy(
    timezone="Asia/Shanghai",
    quiet_hours={
        "outbound_call": {"start": "21:00", "end": "09:00"},  # type: ignore[dict-item]
        "sms": {"start": "21:00", "end": "08:00"},  # type: ignore[dict-item]
    },
)
EVENING = dt.datetime(2026, 11, 1, 13, 30, tzinfo=dt.UTC)


@pytest.fixture
def quiet_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The app with the Shanghai quiet hours and one call and one SMS order for subscriber 1."""
    with running_api(database_url, tmp_path, caps=QUIET) as served:
        served.load("r1", [order("r1", 1, touchpoint=t) for t in ("outbound_call", "sms")])
        yield served


def test_a_lease_in_quiet_hours_carries_quiet_until(quiet_api: Api) -> None:
    call = quiet_api.client("call")
    quiet_api.clock.now = EVENING
    quiet = call.post("/v1/touchpoints/outbound_call/leases", json={"n": 5})
    assert quiet.status_code == 200
    assert (quiet.json()["orders"], quiet.json()["quiet_until"]) == ([], "2026-11-02T01:00:00Z")
    quiet_api.clock.now = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 local
    granted = call.post("/v1/touchpoints/outbound_call/leases", json={"n": 5}).json()
    assert (len(granted["orders"]), granted["quiet_until"]) == (1, None)


def test_an_impression_in_quiet_hours_is_a_409_conflict(quiet_api: Api) -> None:
    quiet_api.clock.now = EVENING
    sms_order = order("r1", 1, touchpoint="sms")["order_id"]
    r = quiet_api.client("sms").post("/v1/impressions", json={"order_id": sms_order})
    assert r.status_code == 409
    assert (r.json()["error"], r.json()["message"]) == (
        "conflict",
        "quiet hours for sms until 2026-11-02T00:00:00+00:00 (08:00 Asia/Shanghai)",
    )
