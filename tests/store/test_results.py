"""Posted results: idempotency, stale leases, acceptance siblings, opt-outs, scope."""

from __future__ import annotations

import threading
from pathlib import Path

from cube.products import ConflictGraph
from cube.store import Lease, ResultAnswer, ResultIn, Store
from tests.store.builder import order, write_run
from tests.store.conftest import FakeClock, principal

CALL = principal("k-call", ("outbound_call",))
SMS = principal("k-sms", ("sms",))
ADMIN = principal("k-admin", admin=True)


def _result(lease: Lease, outcome: str, key: str, clock: FakeClock, i: int = 0) -> ResultIn:
    return ResultIn(
        order_id=lease.orders[i].order_id,
        lease_token=lease.token,
        outcome=outcome,  # type: ignore[arg-type]
        idempotency_key=key,
        at=clock(),
    )


def _history_rows(store: Store) -> int:
    return store.contact_history().num_rows


def test_same_result_twice_gets_the_same_answer(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    lease = store.lease(CALL, "outbound_call", 1)
    item = _result(lease, "accepted", "idem-1", clock)
    first = store.post_results(CALL, [item])
    clock.advance(minutes=1)
    again = store.post_results(CALL, [item])
    assert (
        first
        == again
        == [
            ResultAnswer(
                order_id=item.order_id,
                idempotency_key="idem-1",
                status="recorded",
                state="accepted",
            )
        ]
    )
    assert _history_rows(store) == 1


def test_conflicting_replay_is_a_conflict(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    lease = store.lease(CALL, "outbound_call", 1)
    store.post_results(CALL, [_result(lease, "declined", "idem-1", clock)])
    answer = store.post_results(CALL, [_result(lease, "accepted", "idem-1", clock)])
    assert answer == [
        ResultAnswer(
            order_id=lease.orders[0].order_id,
            idempotency_key="idem-1",
            status="conflict",
            detail="idempotency key already used for a different result",
        )
    ]
    assert store.get_order(CALL, lease.orders[0].order_id).state == "declined"


def test_same_key_twice_in_one_batch(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1), order("r1", 2)]]))
    lease = store.lease(CALL, "outbound_call", 2)
    same = _result(lease, "declined", "k", clock)
    other = _result(lease, "declined", "k", clock, i=1)
    answers = store.post_results(CALL, [same, same, other])
    assert [a.status for a in answers] == ["recorded", "recorded", "conflict"]
    assert _history_rows(store) == 1


def test_late_result_after_expiry_is_refused_and_not_double_counted(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    late = store.lease(CALL, "outbound_call", 1, lease_seconds=60)
    clock.advance(seconds=60)
    expired = store.post_results(CALL, [_result(late, "accepted", "late-0", clock)])
    assert (expired[0].status, expired[0].detail) == ("stale_lease", "lease has expired or ended")
    fresh = store.lease(CALL, "outbound_call", 1, lease_seconds=60)
    assert fresh.orders[0].attempts == 1
    stale = store.post_results(CALL, [_result(late, "accepted", "late-1", clock)])
    assert (stale[0].status, stale[0].detail) == (
        "stale_lease",
        "lease token is not the order's current lease",
    )
    assert store.post_results(CALL, [_result(fresh, "declined", "new", clock)])[0].state == (
        "declined"
    )
    history = store.contact_history().to_pylist()
    assert [(h["contact_id"], h["outcome"]) for h in history] == [
        (fresh.orders[0].order_id, "declined")
    ]


def test_acceptance_withdraws_siblings_on_every_touchpoint(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    rows = [
        order("r1", 1, product="A", touchpoint="outbound_call"),
        order("r1", 1, product="A", touchpoint="sms", strategy="s-sms"),
        order("r1", 1, product="B", touchpoint="sms"),  # conflicts with A
        order("r1", 1, product="C", touchpoint="sms"),  # unrelated: stays open
        order("r1", 2, product="A", touchpoint="sms"),  # other subscriber: stays open
    ]
    store.load_run(write_run(runs_dir, "r1", [rows]), ConflictGraph([("B", "A")]))
    lease = store.lease(CALL, "outbound_call", 1)
    store.post_results(CALL, [_result(lease, "accepted", "a", clock)])
    states = {(o["subscriber_id"], o["product_id"], o["touchpoint"]): o for o in rows}
    got = {
        k: store.get_order(principal("x", ("outbound_call", "sms")), v["order_id"]).state
        for k, v in states.items()
    }
    assert got == {
        (1, "A", "outbound_call"): "accepted",
        (1, "A", "sms"): "withdrawn",
        (1, "B", "sms"): "withdrawn",
        (1, "C", "sms"): "open",
        (2, "A", "sms"): "open",
    }


def test_acceptance_race_between_two_touchpoints(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    """Both touchpoints hold a lease on sibling orders and post accepted at once."""
    subscribers = range(1, 21)
    rows = [order("r1", s, product="A", touchpoint="outbound_call") for s in subscribers]
    rows += [order("r1", s, product="A", touchpoint="sms", strategy="s2") for s in subscribers]
    store.load_run(write_run(runs_dir, "r1", [rows]))
    leases = {"call": store.lease(CALL, "outbound_call", 50), "sms": store.lease(SMS, "sms", 50)}
    answers: dict[str, list[ResultAnswer]] = {}
    start = threading.Barrier(2)

    def post(name: str, who: object) -> None:
        lease = leases[name]
        items = [
            _result(lease, "accepted", f"{name}-{i}", clock, i) for i in range(len(lease.orders))
        ]
        start.wait()
        answers[name] = store.post_results(who, items)  # type: ignore[arg-type]

    threads = [
        threading.Thread(target=post, args=("call", CALL)),
        threading.Thread(target=post, args=("sms", SMS)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_subscriber: dict[int, list[str]] = {}
    for name, lease in leases.items():
        for o, a in zip(lease.orders, answers[name], strict=True):
            by_subscriber.setdefault(o.subscriber_id, []).append(a.status)
    assert {s: sorted(v) for s, v in by_subscriber.items()} == {
        s: ["recorded", "withdrawn"] for s in subscribers
    }
    totals: dict[str, int] = {}
    for states in store.counts(ADMIN).values():
        for state, n in states.items():
            totals[state] = totals.get(state, 0) + n
    assert totals == {"accepted": 20, "withdrawn": 20}
    accepted = [h for h in store.contact_history().to_pylist() if h["outcome"] == "accepted"]
    assert sorted(h["subscriber_id"] for h in accepted) == list(subscribers)


def test_opted_out_updates_consent_at_once(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    rows = [
        order("r1", 1, product="A", touchpoint="outbound_call"),
        order("r1", 1, product="B", touchpoint="outbound_call", strategy="s2"),
        order("r1", 1, product="C", touchpoint="sms"),
    ]
    store.load_run(write_run(runs_dir, "r1", [rows]))
    lease = store.lease(CALL, "outbound_call", 1)
    store.post_results(CALL, [_result(lease, "opted_out", "o", clock)])
    overrides = store.consent_overrides().to_pylist()
    assert [(o["subscriber_id"], o["touchpoint"], o["consent"]) for o in overrides] == [
        (1, "outbound_call", False)
    ]
    assert store.lease(CALL, "outbound_call", 5).orders == ()
    assert [o.product_id for o in store.lease(SMS, "sms", 5).orders] == ["C"]
    later = order("r2", 1, product="D", touchpoint="outbound_call", strategy="s3")
    report = store.load_run(write_run(runs_dir, "r2", [[later]]))
    assert report.withdrawn_for_consent == 1


def test_guessed_ids_of_another_region_look_missing(
    store: Store, runs_dir: Path, clock: FakeClock
) -> None:
    rows = [order("r1", 1, region="P1.C01.K001.G0001"), order("r1", 2, region="P1.C02.K001.G1")]
    store.load_run(write_run(runs_dir, "r1", [rows]))
    c02 = principal("k-c02", regions=("P1.C02",))
    c01 = principal("k-c01", regions=("P1.C01",))
    theirs = store.lease(c02, "outbound_call", 5)
    guessed = ResultIn(
        order_id=theirs.orders[0].order_id,
        lease_token=theirs.token,  # even the right token does not help
        outcome="accepted",
        idempotency_key="g",
        at=clock(),
    )
    missing = guessed.model_copy(update={"order_id": "0" * 24, "idempotency_key": "m"})
    answers = store.post_results(c01, [guessed, missing])
    assert [(a.status, a.detail) for a in answers] == [("not_found", "no such order")] * 2
    assert store.get_order(c02, guessed.order_id).state == "leased"
