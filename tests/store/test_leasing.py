"""Batch pull: exclusive leases, expiry with attempts, dead letters, scope."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from cube.errors import InputError
from cube.store import ForbiddenError, Lease, ResultIn, Store
from tests.store.builder import order, write_run
from tests.store.conftest import MAX_ATTEMPTS, FakeClock, principal

CALL = principal()


def _load(store: Store, runs_dir: Path, rows: list[dict]) -> None:
    store.load_run(write_run(runs_dir, rows[0]["run_id"], [rows]))


def test_lease_hands_out_best_scores_first(store: Store, runs_dir: Path) -> None:
    _load(store, runs_dir, [order("r1", s, score=s / 10) for s in range(1, 6)])
    lease = store.lease(CALL, "outbound_call", 2, lease_seconds=60)
    assert [o.subscriber_id for o in lease.orders] == [5, 4]
    assert all(o.state == "leased" for o in lease.orders)
    assert lease.expires_at == store.clock() + dt.timedelta(seconds=60)


def test_sixteen_concurrent_leasers_never_share_an_order(store: Store, runs_dir: Path) -> None:
    total = 400
    _load(store, runs_dir, [order("r1", s, score=(s % 37) / 37) for s in range(total)])
    leases: list[Lease] = []
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def pull() -> None:
        try:
            start.wait()
            while True:
                lease = store.lease(CALL, "outbound_call", 7)
                if not lease.orders:
                    return
                leases.append(lease)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=pull) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = [o.order_id for lease in leases for o in lease.orders]
    assert len(ids) == len(set(ids)) == total
    assert len({lease.token for lease in leases}) == len(leases)


def test_expired_lease_returns_to_queue_with_attempts(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    _load(store, runs_dir, [order("r1", 1)])
    first = store.lease(CALL, "outbound_call", 5, lease_seconds=60)
    assert store.lease(CALL, "outbound_call", 5).orders == ()  # live lease: nobody else
    clock.advance(seconds=59)
    assert store.lease(CALL, "outbound_call", 5).orders == ()
    clock.advance(seconds=1)
    second = store.lease(CALL, "outbound_call", 5, lease_seconds=60)
    assert [o.order_id for o in second.orders] == [first.orders[0].order_id]
    assert second.orders[0].attempts == 1
    assert second.token != first.token


def test_dead_letter_after_max_attempts(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    _load(store, runs_dir, [order("r1", 1)])
    for attempt in range(MAX_ATTEMPTS):
        lease = store.lease(CALL, "outbound_call", 1, lease_seconds=10)
        assert [o.attempts for o in lease.orders] == [attempt]
        clock.advance(seconds=10)
    assert store.sweep() == (1, 0)
    assert store.lease(CALL, "outbound_call", 1).orders == ()
    row = store.backend.transact(
        lambda tx: tx.rows("SELECT state, attempts, state_reason FROM work_orders"), write=False
    )
    assert tuple(row[0]) == ("dead_letter", 3, "lease expired without a result 3 times")


def test_expired_orders_are_never_served(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    _load(store, runs_dir, [order("r1", 1, ttl_days=1), order("r1", 2, ttl_days=3)])
    clock.advance(days=1)
    lease = store.lease(CALL, "outbound_call", 5)
    assert [o.subscriber_id for o in lease.orders] == [2]
    assert store.counts(principal(admin=True)) == {"outbound_call": {"expired": 1, "leased": 1}}


def test_lease_outliving_its_order_ends_expired(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    _load(store, runs_dir, [order("r1", 1, ttl_days=1)])
    store.lease(CALL, "outbound_call", 1, lease_seconds=3600)
    clock.advance(days=1)
    assert store.sweep() == (1, 0)
    assert store.counts(principal(admin=True)) == {"outbound_call": {"expired": 1}}


def test_lease_sees_only_the_keys_regions(store: Store, runs_dir: Path) -> None:
    regions = ["P1.C01.K001.G0001", "P1.C012.K001.G0001", "P1.C01", "P2.C01.K001.G0001"]
    _load(store, runs_dir, [order("r1", i, region=r) for i, r in enumerate(regions)])
    city = principal(regions=("P1.C01",))
    lease = store.lease(city, "outbound_call", 10)
    assert sorted(o.region_path for o in lease.orders) == ["P1.C01", "P1.C01.K001.G0001"]


def test_other_touchpoint_is_forbidden(store: Store) -> None:
    with pytest.raises(ForbiddenError) as err:
        store.lease(CALL, "sms", 1)
    assert str(err.value) == "key 'k-call' may not serve sms"


@pytest.mark.parametrize(
    ("n", "seconds", "message"),
    [
        (0, 60, "n: must be between 1 and 1000, got 0"),
        (1001, 60, "n: must be between 1 and 1000, got 1001"),
        (1, 0, "lease_seconds: must be between 1 and 86400, got 0"),
    ],
)
def test_batch_and_lease_limits(store: Store, n: int, seconds: int, message: str) -> None:
    with pytest.raises(InputError) as err:
        store.lease(CALL, "outbound_call", n, lease_seconds=seconds)
    assert str(err.value) == message


def test_unknown_touchpoint_is_bad_input(store: Store) -> None:
    with pytest.raises(InputError) as err:
        store.lease(CALL, "fax", 1)
    assert str(err.value) == (
        "touchpoint: unknown touchpoint 'fax' (known: outbound_call, store_popup, internet, sms)"
    )


def test_result_ends_lease_so_order_is_not_redelivered(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    _load(store, runs_dir, [order("r1", 1)])
    lease = store.lease(CALL, "outbound_call", 1, lease_seconds=60)
    item = ResultIn(
        order_id=lease.orders[0].order_id,
        lease_token=lease.token,
        outcome="declined",
        idempotency_key="i-1",
        at=clock(),
    )
    assert store.post_results(CALL, [item])[0].status == "recorded"
    clock.advance(minutes=5)
    assert store.lease(CALL, "outbound_call", 1).orders == ()
