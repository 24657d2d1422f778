"""Frequency caps hold when touchpoints race for the same subscribers."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from cube.settings import PROJECT_ROOT
from cube.store import Cap, CapPolicy, CapReachedError, Lease, ResultIn, Store
from cube.store.caps import caps_from_policy, contacts_sql
from cube.store.model import QuietWindow, to_us
from cube.store.tx import Tx
from tests.store.builder import order, write_run
from tests.store.conftest import FakeClock, principal

CALL = principal("k-call", ("outbound_call",))
SMS = principal("k-sms", ("sms",))
POPUP = principal("k-popup", ("store_popup",))


def test_two_touchpoints_racing_never_over_contact(capped_store: Store, runs_dir: Path) -> None:
    """Total cap 1 per 7 days: each subscriber is handed out once, whoever wins."""
    subscribers = range(1, 41)
    rows = [order("r1", s, touchpoint="outbound_call") for s in subscribers]
    rows += [order("r1", s, touchpoint="sms", strategy="s2") for s in subscribers]
    capped_store.load_run(write_run(runs_dir, "r1", [rows]))
    got: dict[str, list[Lease]] = {"call": [], "sms": []}
    start = threading.Barrier(4)

    def pull(name: str, who: object, touchpoint: str) -> None:
        start.wait()
        while lease := capped_store.lease(who, touchpoint, 3):  # type: ignore[arg-type]
            if not lease.orders:
                return
            got[name].append(lease)

    threads = [
        threading.Thread(target=pull, args=("call", CALL, "outbound_call")),
        threading.Thread(target=pull, args=("call", CALL, "outbound_call")),
        threading.Thread(target=pull, args=("sms", SMS, "sms")),
        threading.Thread(target=pull, args=("sms", SMS, "sms")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    handed = [o.subscriber_id for leases in got.values() for lease in leases for o in lease.orders]
    assert sorted(handed) == list(subscribers)


def test_contact_history_counts_for_the_window(
    capped_store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    rows = [order("r1", 1, touchpoint=t, ttl_days=30) for t in ("outbound_call", "sms")]
    capped_store.load_run(write_run(runs_dir, "r1", [rows]))
    lease = capped_store.lease(CALL, "outbound_call", 1, lease_seconds=60)
    item = ResultIn(
        order_id=lease.orders[0].order_id,
        lease_token=lease.token,
        outcome="no_answer",
        idempotency_key="1",
        at=clock(),
    )
    capped_store.post_results(CALL, [item])
    clock.advance(days=6, hours=23)
    assert capped_store.lease(SMS, "sms", 1).orders == ()
    clock.advance(hours=1)
    assert [o.touchpoint for o in capped_store.lease(SMS, "sms", 1).orders] == ["sms"]


def test_invalid_number_is_no_contact(
    capped_store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    rows = [order("r1", 1, touchpoint="outbound_call"), order("r1", 1, touchpoint="sms")]
    capped_store.load_run(write_run(runs_dir, "r1", [rows]))
    lease = capped_store.lease(CALL, "outbound_call", 1)
    item = ResultIn(
        order_id=lease.orders[0].order_id,
        lease_token=lease.token,
        outcome="invalid_number",
        idempotency_key="1",
        at=clock(),
    )
    assert capped_store.post_results(CALL, [item])[0].state == "invalid_number"
    assert capped_store.contact_history().num_rows == 0
    assert len(capped_store.lease(SMS, "sms", 1).orders) == 1


def test_impression_and_lease_race_for_one_subscriber(capped_store: Store, runs_dir: Path) -> None:
    """A pop-up impression and an outbound lease at once: only one contact passes."""
    subscribers = range(1, 31)
    rows = [order("r1", s, touchpoint="outbound_call") for s in subscribers]
    rows += [order("r1", s, touchpoint="store_popup", strategy="s2") for s in subscribers]
    capped_store.load_run(write_run(runs_dir, "r1", [rows]))
    popup_ids = [r["order_id"] for r in rows if r["touchpoint"] == "store_popup"]
    shown: list[int] = []
    called: list[int] = []
    start = threading.Barrier(2)

    def show() -> None:
        start.wait()
        for order_id in popup_ids:
            try:
                lease = capped_store.record_impression(POPUP, order_id)
            except CapReachedError:
                continue
            shown.append(lease.orders[0].subscriber_id)

    def call() -> None:
        start.wait()
        while (lease := capped_store.lease(CALL, "outbound_call", 2)).orders:
            called.extend(o.subscriber_id for o in lease.orders)

    threads = [threading.Thread(target=show), threading.Thread(target=call)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(shown + called) == list(subscribers)


def test_capped_orders_at_the_queue_head_do_not_starve_a_pull(
    capped_store: Store, runs_dir: Path
) -> None:
    """Twenty capped subscribers outscore the one SMS order still allowed: the pull
    widens its rounds until it reaches it."""
    capped = range(1, 21)
    rows = [order("r1", s, touchpoint="outbound_call", score=1.0) for s in capped]
    rows += [order("r1", s, touchpoint="sms", strategy="s2", score=0.9) for s in capped]
    rows.append(order("r1", 99, touchpoint="sms", strategy="s2", score=0.1))
    capped_store.load_run(write_run(runs_dir, "r1", [rows]))
    assert len(capped_store.lease(CALL, "outbound_call", 20).orders) == 20  # total cap: 1
    assert [o.subscriber_id for o in capped_store.lease(SMS, "sms", 1).orders] == [99]


def test_caps_from_policy_reads_timezone_and_quiet_hours(tmp_path: Path) -> None:
    policy = tmp_path / "contact.yaml"
    policy.write_text(
        "timezone: Europe/Berlin\n"
        "frequency_caps:\n"
        "  - {touchpoint: sms, max: 4, days: 30}\n"
        "  - {touchpoint: all, max: 8, days: 30}\n"
        "quiet_hours:\n"
        '  sms: {from: "22:00", to: "07:30"}\n'
    )
    caps = caps_from_policy(policy)
    assert caps == CapPolicy(
        touchpoints={"sms": Cap(limit=4, window_days=30)},
        total=Cap(limit=8, window_days=30),
        timezone="Europe/Berlin",
        quiet_hours={"sms": QuietWindow(start=dt.time(22, 0), end=dt.time(7, 30))},
    )


def test_caps_from_the_shipped_policy_are_quiet_in_shanghai_evenings() -> None:
    caps = caps_from_policy(PROJECT_ROOT / "strategies" / "policy" / "contact.yaml")
    assert caps.timezone == "Asia/Shanghai"
    assert caps.quiet_hours == {
        "outbound_call": QuietWindow(start=dt.time(21, 0), end=dt.time(9, 0)),
        "sms": QuietWindow(start=dt.time(21, 0), end=dt.time(8, 0)),
    }


def test_a_lease_counts_contacts_through_the_subscriber_indexes(
    store: Store, runs_dir: Path
) -> None:
    """PostgreSQL: the batch counts never walk the contact history by time nor the whole
    lease index, whatever the planner's statistics (here none: the contact history was
    never analysed), so they cost the same after a million results as on the first."""
    if store.backend.name != "postgresql":
        pytest.skip("a PostgreSQL plan")
    store.load_run(write_run(runs_dir, "r1", [[order("r1", s) for s in range(1, 5)]]))
    lease = store.lease(CALL, "outbound_call", 2)
    store.post_results(
        CALL,
        [
            ResultIn(
                order_id=o.order_id,
                lease_token=lease.token,
                outcome="contacted",
                idempotency_key=f"i-{o.order_id}",
                at=store.clock(),
            )
            for o in lease.orders
        ],
    )
    now_us = to_us(store.clock())

    def plan(tx: Tx) -> str:
        tx.run("SET LOCAL enable_seqscan = off")
        in_sql, in_params = tx.in_list("subscriber_id", [1, 2, 3])
        params = [*in_params, now_us - 30 * 86_400_000_000, *in_params, now_us]
        return "\n".join(
            str(r[0]) for r in tx.rows(f"EXPLAIN {contacts_sql(in_sql, True)}", params)
        )

    text = store.backend.transact(plan)
    assert "contact_history_caps" in text
    assert "_subscriber" in text
    assert "contact_history_time" not in text
    assert "_leases" not in text
