"""Loading runs: idempotent, atomic, superseding older strategy versions."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cube.errors import InputError
from cube.products import ConflictGraph
from cube.store import ConflictError, Store, partitions
from cube.store.tx import Tx
from tests.store.builder import order, write_run
from tests.store.conftest import principal

ADMIN = principal("k-admin", admin=True)


def _states(store: Store) -> dict[str, dict[str, int]]:
    return store.counts(ADMIN)


def test_loading_the_same_run_twice_changes_nothing(store: Store, runs_dir: Path) -> None:
    run = write_run(runs_dir, "r1", [[order("r1", s) for s in range(1, 6)]])
    first = store.load_run(run)
    assert (first.loaded, first.orders) == (True, 5)
    second = store.load_run(run)
    assert (second.loaded, second.orders) == (False, 5)
    assert _states(store) == {"outbound_call": {"open": 5}}
    assert [r.run_id for r in store.runs(ADMIN)] == ["r1"]


def test_same_run_id_with_other_contents_is_a_conflict(store: Store, runs_dir: Path) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    other = write_run(runs_dir / "again", "r1", [[order("r1", 1), order("r1", 2)]])
    with pytest.raises(ConflictError) as err:
        store.load_run(other)
    assert str(err.value) == (
        "run 'r1' is already loaded with a different manifest; a run id is loaded once"
    )


def test_bad_row_mid_load_leaves_previous_state(store: Store, runs_dir: Path) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", s) for s in (1, 2)]]))
    before = _states(store)
    good = [order("r2", s, version=2) for s in range(10, 20)]
    bad = [order("r2", 30, version=2), order("r2", 31, version=2, touchpoint="fax")]
    run = write_run(runs_dir, "r2", [good, bad])
    with pytest.raises(InputError) as err:
        store.load_run(run)
    assert str(err.value) == (
        f'{run / "work_orders"}: row 12: touchpoint: unknown touchpoint ("fax")'
    )
    assert _states(store) == before  # nothing of r2 inserted, r1 not superseded
    assert [r.run_id for r in store.runs(ADMIN)] == ["r1"]


def test_an_order_id_not_derived_from_its_run_is_refused(store: Store, runs_dir: Path) -> None:
    """Another run's order id (or any id not made from the order's own run, subscriber,
    strategy, product and touchpoint) is refused, so ids stay unique across runs."""
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    taken = order("r1", 1)["order_id"]
    clash = order("r2", 7) | {"order_id": taken}
    run = write_run(runs_dir, "r2", [[order("r2", s) for s in range(2, 6)], [clash]])
    with pytest.raises(InputError) as err:
        store.load_run(run)
    assert str(err.value) == (
        f"{run / 'work_orders'}: row 5: order_id: order_id is not "
        f'sha256(run|subscriber|strategy|product|touchpoint)[:24] ("{taken}")'
    )
    assert _states(store) == {"outbound_call": {"open": 1}}
    assert [r.run_id for r in store.runs(ADMIN)] == ["r1"]


def test_database_failure_mid_load_leaves_previous_state(store: Store, runs_dir: Path) -> None:
    """An order twice in one run fails inside the database, after rows of the new run
    went in: the whole load rolls back."""
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    run = write_run(runs_dir, "r2", [[order("r2", s) for s in range(2, 6)], [order("r2", 3)]])
    with pytest.raises(InputError) as err:
        store.load_run(run)
    message = str(err.value)
    assert message.startswith(f"{run / 'work_orders'}: rejected by the database, nothing loaded: ")
    assert "order_id" in message  # both databases name the violated key
    assert _states(store) == {"outbound_call": {"open": 1}}
    assert [r.run_id for r in store.runs(ADMIN)] == ["r1"]


def test_new_version_supersedes_only_undelivered_orders(store: Store, runs_dir: Path) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", s) for s in (1, 2, 3)]]))
    call = principal()
    leased = store.lease(call, "outbound_call", 1)
    report = store.load_run(write_run(runs_dir, "r2", [[order("r2", 9, version=2)]]))
    assert report.superseded == 2
    assert _states(store) == {"outbound_call": {"leased": 1, "open": 1, "superseded": 2}}
    assert store.get_order(call, leased.orders[0].order_id).state == "leased"
    again = store.lease(call, "outbound_call", 10)
    assert [o.strategy_version for o in again.orders] == [2]


def test_older_version_loaded_late_is_superseded_at_once(store: Store, runs_dir: Path) -> None:
    store.load_run(write_run(runs_dir, "r2", [[order("r2", 1, version=2)]]))
    report = store.load_run(write_run(runs_dir, "r1", [[order("r1", 2, version=1)]]))
    assert (report.orders, report.superseded) == (1, 1)
    assert _states(store) == {"outbound_call": {"open": 1, "superseded": 1}}


def test_a_new_version_leaves_other_strategies_and_runs_alone(store: Store, runs_dir: Path) -> None:
    old_5g, old_bb = order("r1", 1), order("r1", 2, strategy="s-bb")
    new_bb, new_5g = order("r2", 3, strategy="s-bb", version=2), order("r3", 4, version=2)
    store.load_run(write_run(runs_dir, "r1", [[old_5g, old_bb]]))
    store.load_run(write_run(runs_dir, "r2", [[new_bb]]))
    report = store.load_run(write_run(runs_dir, "r3", [[new_5g]]))
    assert report.superseded == 1  # r1's s-5g order; r1's s-bb went with r2
    states = {o[0]: o[1] for run in ("r1", "r2", "r3") for o in store.run_orders(run)}
    assert states == {
        old_5g["order_id"]: "superseded",
        old_bb["order_id"]: "superseded",
        new_bb["order_id"]: "open",
        new_5g["order_id"]: "open",
    }


def test_a_guard_row_another_transaction_is_adding_does_not_fail_the_load(
    store: Store, runs_dir: Path
) -> None:
    """Another load adds subscriber 5's guard row and commits while this load runs: this
    load waits for it and skips the row instead of failing on a duplicate key."""
    run = write_run(runs_dir, "r1", [[order("r1", s) for s in range(1, 11)]])
    inserted = threading.Event()

    def other_load(tx: Tx) -> None:
        tx.run("INSERT INTO subscribers (subscriber_id) VALUES (5)")
        inserted.set()
        time.sleep(1.0)

    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(store.backend.transact, other_load)
        assert inserted.wait(10)
        report = store.load_run(run)
        other.result()
    assert (report.loaded, report.orders) == (True, 10)
    guard_rows = store.backend.transact(
        lambda tx: tx.rows("SELECT COUNT(*), COUNT(DISTINCT subscriber_id) FROM subscribers")
    )
    assert tuple(guard_rows[0]) == (10, 10)


def test_missing_manifest_names_the_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        store.load_run(tmp_path / "nope")
    assert str(err.value) == (
        f"{tmp_path / 'nope' / 'manifest.json'}: missing "
        f"(is {tmp_path / 'nope'} a complete match run?)"
    )


def test_null_column_names_row(store: Store, runs_dir: Path) -> None:
    rows = [order("r1", 1), order("r1", 2) | {"script": None}]
    run = write_run(runs_dir, "r1", [rows])
    with pytest.raises(InputError) as err:
        store.load_run(run)
    assert str(err.value) == f"{run / 'work_orders'}: row 2: script is null"


def test_exclusions_are_replaced_by_each_load_that_brings_them(
    store: Store, runs_dir: Path
) -> None:
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]), ConflictGraph([("A", "B")]))
    store.load_run(write_run(runs_dir, "r2", [[order("r2", 1)]]), ConflictGraph([("B", "C")]))
    rows = store.backend.transact(
        lambda tx: tx.rows(
            "SELECT product_id, excluded_product_id FROM product_exclusions "
            "ORDER BY product_id, excluded_product_id"
        ),
        write=False,
    )
    assert [tuple(r) for r in rows] == [("B", "C"), ("C", "B")]


def test_a_run_id_that_cannot_name_a_partition_is_refused(store: Store, runs_dir: Path) -> None:
    run = write_run(runs_dir, "r1", [[order("r1", 1)]])
    manifest = run / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"run_id": "r1"', '"run_id": "r1\'%"'))
    with pytest.raises(InputError) as err:
        store.load_run(run)
    assert str(err.value) == (
        f"{manifest}: run_id: String should match pattern '^[A-Za-z0-9][A-Za-z0-9._-]{{0,127}}$'"
    )
    assert store.runs(ADMIN) == []


def test_orders_are_stored_in_the_order_leases_take_them(store: Store, runs_dir: Path) -> None:
    """On PostgreSQL a loaded batch lies on disk by touchpoint, best score first, so a
    lease writes a few pages, not one per order (cube.store.loading.in_queue_order)."""
    if store.backend.name != "postgresql":
        pytest.skip("the physical order matters on PostgreSQL only")
    rows = [
        order("r1", 1, score=0.2, touchpoint="sms", product="PDATA"),
        order("r1", 2, score=0.9),
        order("r1", 3, score=0.5, touchpoint="sms", product="PDATA"),
        order("r1", 4, score=0.1),
        order("r1", 5, score=0.9, product="PDATA"),
    ]
    store.load_run(write_run(runs_dir, "r1", [rows]))
    table = partitions.partition_name("r1")
    stored = store.backend.transact(
        lambda tx: tx.rows(f"SELECT subscriber_id FROM {table} ORDER BY ctid")
    )
    by_queue = sorted(rows, key=lambda r: (r["touchpoint"], -r["score"], r["order_id"]))
    assert [r[0] for r in stored] == [r["subscriber_id"] for r in by_queue]
