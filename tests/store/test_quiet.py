"""Quiet hours: a touchpoint inside its local quiet window gets nothing from the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from cube.store import CapPolicy, ConflictError, Store
from cube.store.backend import open_backend
from cube.store.errors import QuietHoursError
from tests.store.builder import order, write_run
from tests.store.conftest import MAX_ATTEMPTS, NOW, FakeClock, principal

CALL = principal("k-call", ("outbound_call",))
SMS = principal("k-sms", ("sms",))
POPUP = principal("k-popup", ("store_popup",))
# The shipped policy's windows, Asia/Shanghai (UTC+8, no DST): 21:00 local is 13:00 UTC.
SHANGHAI = CapPolicy(
    timezone="Asia/Shanghai",
    quiet_hours={
        "outbound_call": {"start": "21:00", "end": "09:00"},  # type: ignore[dict-item]
        "sms": {"start": "21:00", "end": "08:00"},  # type: ignore[dict-item]
    },
)
CALL_RESUMES = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 local, 2 Nov
EVENING = dt.datetime(2026, 11, 1, 13, 30, tzinfo=dt.UTC)  # 21:30 local


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


@pytest.fixture
def quiet_store(database_url: str, clock: FakeClock, runs_dir: Path) -> Iterator[Store]:
    """A store with the Shanghai quiet hours and one order per touchpoint for subscriber 1."""
    s = Store(open_backend(database_url), clock=clock, caps=SHANGHAI, max_attempts=MAX_ATTEMPTS)
    s.migrate()
    rows = [order("r1", 1, touchpoint=t) for t in ("outbound_call", "sms", "store_popup")]
    s.load_run(write_run(runs_dir, "r1", [rows]))
    yield s
    s.close()


def _order_id(touchpoint: str) -> str:
    return order("r1", 1, touchpoint=touchpoint)["order_id"]


# -- the window arithmetic (no database) ------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (utc(2026, 11, 1, 12, 59, 59, 999999), None),  # 20:59:59.999999 local
        (utc(2026, 11, 1, 13, 0), CALL_RESUMES),  # exactly 21:00: quiet
        (utc(2026, 11, 1, 15, 59), CALL_RESUMES),  # 23:59, before midnight
        (utc(2026, 11, 1, 16, 0), CALL_RESUMES),  # 00:00 2 Nov, after the wrap
        (utc(2026, 11, 2, 0, 59, 59, 999999), CALL_RESUMES),  # 08:59:59.999999
        (utc(2026, 11, 2, 1, 0), None),  # exactly 09:00: open again
        (NOW, None),  # the fixed clock: 17:00 local
    ],
)
def test_quiet_until_wraps_midnight_and_is_half_open(
    now: dt.datetime, until: dt.datetime | None
) -> None:
    assert SHANGHAI.quiet_until("outbound_call", now) == until


def test_a_window_that_does_not_wrap() -> None:
    lunch = CapPolicy(quiet_hours={"sms": {"start": "12:00", "end": "13:30"}})  # type: ignore[dict-item]
    assert lunch.quiet_until("sms", utc(2026, 11, 1, 11, 59)) is None
    assert lunch.quiet_until("sms", utc(2026, 11, 1, 12, 0)) == utc(2026, 11, 1, 13, 30)
    assert lunch.quiet_until("sms", utc(2026, 11, 1, 13, 30)) is None
    assert lunch.quiet_until("sms", utc(2026, 11, 1, 23, 0)) is None


BERLIN = CapPolicy(
    timezone="Europe/Berlin",
    quiet_hours={"sms": {"start": "22:00", "end": "02:30"}},  # type: ignore[dict-item]
)


def test_an_end_skipped_by_clocks_going_forward_ends_at_the_jump() -> None:
    """29 Mar 2026, Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never shows."""
    assert BERLIN.quiet_until("sms", utc(2026, 3, 28, 22, 0)) == utc(2026, 3, 29, 1, 0)
    assert BERLIN.quiet_until("sms", utc(2026, 3, 29, 1, 0)) is None  # 03:00 CEST


def test_an_end_repeated_by_clocks_going_back_is_the_next_occurrence() -> None:
    """25 Oct 2026, Berlin: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 shows twice,
    and 02:00-02:30 CET is quiet again on the wall clock."""
    assert BERLIN.quiet_until("sms", utc(2026, 10, 24, 22, 0)) == utc(2026, 10, 25, 0, 30)
    assert BERLIN.quiet_until("sms", utc(2026, 10, 25, 0, 30)) is None  # 02:30 CEST
    assert BERLIN.quiet_until("sms", utc(2026, 10, 25, 1, 10)) == utc(2026, 10, 25, 1, 30)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        CapPolicy(timezone="Mars/Olympus")
    assert [e["msg"] for e in caught.value.errors()] == [
        "Value error, unknown time zone 'Mars/Olympus' (use an IANA name such as Asia/Shanghai)"
    ]


def test_an_empty_quiet_window_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        CapPolicy(quiet_hours={"sms": {"start": "21:00", "end": "21:00"}})  # type: ignore[dict-item]
    assert [e["msg"] for e in caught.value.errors()] == [
        "Value error, quiet window from 21:00 to 21:00 is empty: start and end must differ"
    ]


# -- the store, on both backends ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (utc(2026, 11, 1, 13, 0), CALL_RESUMES),  # exactly 21:00: quiet
        (utc(2026, 11, 1, 17, 0), CALL_RESUMES),  # 01:00 after the wrap
        (utc(2026, 11, 2, 1, 0), None),  # exactly 09:00: granted
    ],
)
def test_a_lease_inside_quiet_hours_is_empty_and_says_until_when(
    quiet_store: Store, clock: FakeClock, now: dt.datetime, until: dt.datetime | None
) -> None:
    clock.now = now
    lease = quiet_store.lease(CALL, "outbound_call", 5)
    assert lease.quiet_until == until
    assert len(lease.orders) == (0 if until else 1)
    assert quiet_store.get_order(CALL, _order_id("outbound_call")).state == (
        "open" if until else "leased"
    )


def test_a_quiet_lease_still_sweeps_expired_leases(quiet_store: Store, clock: FakeClock) -> None:
    first = quiet_store.lease(CALL, "outbound_call", 5, lease_seconds=60)
    assert [o.order_id for o in first.orders] == [_order_id("outbound_call")]
    assert first.quiet_until is None
    clock.now = EVENING
    assert quiet_store.lease(CALL, "outbound_call", 5).orders == ()
    swept = quiet_store.get_order(CALL, _order_id("outbound_call"))
    assert (swept.state, swept.attempts) == ("open", 1)


def test_touchpoints_without_quiet_hours_are_unaffected(
    quiet_store: Store, clock: FakeClock
) -> None:
    clock.now = EVENING
    lease = quiet_store.lease(POPUP, "store_popup", 5)
    assert ([o.touchpoint for o in lease.orders], lease.quiet_until) == (["store_popup"], None)


def test_offers_are_empty_inside_quiet_hours(quiet_store: Store, clock: FakeClock) -> None:
    assert [o.touchpoint for o in quiet_store.offers(SMS, 1, "sms")] == ["sms"]
    clock.now = EVENING
    assert quiet_store.offers(SMS, 1, "sms") == []
    assert [o.touchpoint for o in quiet_store.offers(POPUP, 1, "store_popup")] == ["store_popup"]


def test_an_impression_inside_quiet_hours_is_refused(quiet_store: Store, clock: FakeClock) -> None:
    clock.now = utc(2026, 11, 1, 13, 0)
    with pytest.raises(QuietHoursError) as caught:
        quiet_store.record_impression(SMS, _order_id("sms"))
    assert isinstance(caught.value, ConflictError)
    assert str(caught.value) == (
        "quiet hours for sms until 2026-11-02T00:00:00+00:00 (08:00 Asia/Shanghai)"
    )
    assert quiet_store.get_order(SMS, _order_id("sms")).state == "open"
    clock.now = utc(2026, 11, 2, 0, 0)  # 08:00 local: the SMS window is over
    assert quiet_store.record_impression(SMS, _order_id("sms")).orders[0].state == "leased"
