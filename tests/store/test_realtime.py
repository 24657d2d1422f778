"""Real-time offers and impressions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cube.store import ConflictError, NotFoundError, ResultIn, Store
from cube.store.model import Cap, CapPolicy
from tests.store.builder import order, write_run
from tests.store.conftest import FakeClock, principal

POPUP = principal("k-popup", ("store_popup",), ("P1.C01",))


def _load(store: Store, runs_dir: Path) -> list[dict]:
    rows = [
        order("r1", 1, product="A", touchpoint="store_popup", score=0.2),
        order("r1", 1, product="B", touchpoint="store_popup", score=0.9, strategy="s2"),
        order("r1", 1, product="C", touchpoint="store_popup", score=0.5, ttl_days=1),
        order("r1", 1, product="D", touchpoint="sms", score=5.0),
        order("r1", 2, product="A", touchpoint="store_popup", region="P1.C02.K1.G1"),
    ]
    store.load_run(write_run(runs_dir, "r1", [rows]))
    return rows


def test_offers_are_ranked_and_expire(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    _load(store, runs_dir)
    offers = store.offers(POPUP, 1, "store_popup")
    assert [o.product_id for o in offers] == ["B", "C", "A"]
    assert offers[0].script == "Offer B to 1"
    assert offers[0].explanation == '{"score": 0.9}'
    clock.advance(days=1)
    assert [o.product_id for o in store.offers(POPUP, 1, "store_popup")] == ["B", "A"]


def test_offers_outside_the_keys_region_are_empty(store: Store, runs_dir: Path) -> None:
    _load(store, runs_dir)
    assert store.offers(POPUP, 2, "store_popup") == []
    assert store.offers(POPUP, 999, "store_popup") == []


def test_impression_leases_and_outcome_withdraws(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    _load(store, runs_dir)
    best = store.offers(POPUP, 1, "store_popup")[0]
    lease = store.record_impression(POPUP, best.order_id, lease_seconds=120)
    assert [o.state for o in lease.orders] == ["leased"]
    assert [o.product_id for o in store.offers(POPUP, 1, "store_popup")] == ["C", "A"]
    with pytest.raises(ConflictError) as err:
        store.record_impression(POPUP, best.order_id)
    assert str(err.value) == f"order '{best.order_id}' is no longer open (leased)"
    item = ResultIn(
        order_id=best.order_id,
        lease_token=lease.token,
        outcome="declined",
        idempotency_key="pop-1",
        at=clock(),
    )
    assert store.post_results(POPUP, [item])[0].state == "declined"


def test_impression_of_another_regions_order_looks_missing(store: Store, runs_dir: Path) -> None:
    rows = _load(store, runs_dir)
    theirs = rows[4]["order_id"]
    with pytest.raises(NotFoundError) as guessed:
        store.record_impression(POPUP, theirs)
    with pytest.raises(NotFoundError) as missing:
        store.record_impression(POPUP, "f" * 24)
    assert str(guessed.value) == f"order '{theirs}' not found"
    assert str(missing.value) == f"order '{'f' * 24}' not found"
    with pytest.raises(NotFoundError):
        store.get_order(POPUP, theirs)


def test_capped_subscriber_gets_no_offers(
    capped_store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    _load(capped_store, runs_dir)
    first = capped_store.offers(POPUP, 1, "store_popup")[0]
    capped_store.record_impression(POPUP, first.order_id)
    assert capped_store.offers(POPUP, 1, "store_popup") == []


def test_offers_seek_the_subscriber_not_the_queue(tmp_path: Path) -> None:
    """The plan SQLite picks on a fresh store (no statistics): every table is searched by
    subscriber, the orders and, for both caps, the contact history and live leases."""
    from cube.store.backend import open_backend
    from cube.store.caps import under_caps_sql
    from cube.store.realtime import OFFERS_SQL

    store = Store(open_backend(f"sqlite:///{tmp_path / 'plan.db'}"))
    store.migrate()
    policy = CapPolicy(
        touchpoints={"sms": Cap(limit=2, window_days=7)}, total=Cap(limit=4, window_days=30)
    )
    caps, params = under_caps_sql(policy, 1, "sms", dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    sql = "EXPLAIN QUERY PLAN " + OFFERS_SQL.format(scope="1 = 1", caps=caps)
    plan = store.backend.transact(lambda tx: tx.rows(sql, [1, "sms", 0, *params, 3]), write=False)
    store.close()
    index = "USING INDEX work_orders_subscriber"
    history = "USING COVERING INDEX contact_history_caps"
    assert [row[-1] for row in plan if row[-1].startswith(("SEARCH", "SCAN", "USE"))] == [
        f"SEARCH work_orders {index} (subscriber_id=? AND touchpoint=?)",
        f"SEARCH contact_history {history} (subscriber_id=? AND touchpoint=? AND contact_us>?)",
        f"SEARCH work_orders {index} (subscriber_id=? AND touchpoint=?)",
        "SCAN u",
        f"SEARCH contact_history {history} (subscriber_id=?)",
        f"SEARCH work_orders {index} (subscriber_id=?)",
        "SCAN u",
        "USE TEMP B-TREE FOR ORDER BY",
    ]
