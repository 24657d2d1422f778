"""Admin reads and the feedback the next match run reads."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from cube.contract import CONTACT_HISTORY
from cube.store import ResultIn, Store
from tests.store.builder import order, write_run
from tests.store.conftest import FakeClock, principal

ADMIN = principal("k-admin", admin=True)
CALL = principal()


def test_queue_depth_and_counts(store: Store, runs_dir: Path, clock: FakeClock) -> None:
    rows = [order("r1", s) for s in range(3)] + [order("r1", 9, touchpoint="sms", ttl_days=1)]
    store.load_run(write_run(runs_dir, "r1", [rows]))
    store.lease(CALL, "outbound_call", 1)
    assert store.queue_depth(ADMIN) == {"outbound_call": 2, "sms": 1}
    clock.advance(days=1)
    assert store.queue_depth(ADMIN) == {"outbound_call": 2}
    assert store.counts(ADMIN) == {"outbound_call": {"leased": 1, "open": 2}, "sms": {"open": 1}}
    assert store.strategies(ADMIN) == [
        {"strategy_id": "s-5g", "version": 1, "runs": 1, "open_orders": 3}
    ]


def test_feedback_export_matches_the_contract(
    store: Store, runs_dir: Path, clock: FakeClock, tmp_path: Path
) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1), order("r1", 2)]]))
    lease = store.lease(CALL, "outbound_call", 2)
    items = [
        ResultIn(
            order_id=o.order_id,
            lease_token=lease.token,
            outcome=outcome,  # type: ignore[arg-type]
            idempotency_key=str(i),
            at=clock(),
        )
        for i, (o, outcome) in enumerate(zip(lease.orders, ["contacted", "opted_out"], strict=True))
    ]
    store.post_results(CALL, items)
    paths = store.export_feedback(tmp_path / "feedback")
    history = pq.read_table(paths["contact_history"])
    assert history.schema.names == [c.name for c in CONTACT_HISTORY.columns]
    assert sorted(history.column("outcome").to_pylist()) == ["ignored", "opted_out"]
    assert history.column("contact_ts").to_pylist()[0] == clock()
    overrides = pq.read_table(paths["consent_overrides"]).to_pylist()
    assert [(o["touchpoint"], o["consent"]) for o in overrides] == [("outbound_call", False)]


def test_run_orders_lists_one_run_with_states(store: Store, runs_dir: Path) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1), order("r1", 2)]]))
    leased = store.lease(CALL, "outbound_call", 1).orders[0].order_id
    store.load_run(write_run(runs_dir, "r2", [[order("r2", 3)]]))
    rows = store.run_orders("r1")
    assert sorted(r[0] for r in rows) == [r[0] for r in rows]
    assert {r[0] for r in rows} == {order("r1", s)["order_id"] for s in (1, 2)}
    assert {r[0]: (r[1], r[2]) for r in rows}[leased] == ("leased", 0)
    assert store.run_orders("nope") == []
