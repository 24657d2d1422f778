"""Migrations are versioned and idempotent on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.store import Store, loading, partitions, schema
from cube.store.backend import open_backend
from cube.store.tx import Tx
from tests.store.builder import order, write_run
from tests.store.conftest import NOW, FakeClock, principal

LATEST = {"sqlite": 2, "postgresql": 5}


def test_migrate_twice_applies_nothing_the_second_time(store: Store) -> None:
    latest = LATEST[store.backend.name]
    assert store.schema_version() == (latest, latest)
    assert store.migrate() == []
    assert store.schema_version() == (latest, latest)


def test_fresh_database_reports_version_zero_until_migrated(database_url: str) -> None:
    fresh = Store(open_backend(database_url))
    try:
        latest = LATEST[fresh.backend.name]
        assert fresh.schema_version() == (0, latest)
        assert fresh.migrate() == list(range(1, latest + 1))
        assert fresh.schema_version() == (latest, latest)
    finally:
        fresh.close()


def _rows_as_version_1_loaded_them(tx: Tx, run_dir: Path) -> None:
    """What a version-1 store held after loading `run_dir`: its run row, guard rows and
    orders, written with plain INSERTs (today's loader needs today's schema)."""
    manifest, sha = loading.read_manifest(run_dir)
    tx.run(
        "INSERT INTO runs (run_id, period, snapshot_date, manifest_sha256, manifest, orders, "
        "loaded_us) VALUES (?, ?, ?, ?, ?, 0, 0)",
        [manifest.run_id, manifest.period, manifest.snapshot_date.isoformat(), sha,
         manifest.model_dump_json()],
    )  # fmt: skip
    tx.many(
        "INSERT INTO run_strategies (run_id, strategy_id, strategy_version) VALUES (?, ?, ?)",
        [(manifest.run_id, s.id, s.version) for s in manifest.strategies],
    )
    columns = loading.DB_COLUMNS
    sql = f"INSERT INTO work_orders ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for batch in loading._batches(run_dir / "work_orders", manifest.run_id, [0]):
        rows = list(zip(*(batch.column(c).to_pylist() for c in columns), strict=True))
        tx.many(sql, rows)
        subscribers = sorted(set(batch.column("subscriber_id").to_pylist()))
        tx.many("INSERT INTO subscribers (subscriber_id) VALUES (?)", [(s,) for s in subscribers])


def test_upgrade_from_version_1_keeps_orders_in_queue_order(
    database_url: str, runs_dir: Path
) -> None:
    backend = open_backend(database_url)
    init = schema.MIGRATIONS[backend.name][0]
    run_dir = write_run(runs_dir, "r1", [[order("r1", s, score=s / 10) for s in (1, 2, 3)]])

    def install_version_1(tx: Tx) -> None:
        schema.current_version(tx)
        for statement in init.statements():
            tx.run(statement)
        tx.run("INSERT INTO schema_version (version, name, applied_us) VALUES (1, 'init', 0)")
        _rows_as_version_1_loaded_them(tx, run_dir)

    backend.transact(install_version_1)
    old = Store(backend, clock=FakeClock(NOW))
    try:
        assert old.migrate() == list(range(2, LATEST[backend.name] + 1))
        lease = old.lease(principal(), "outbound_call", 2)
        assert [o.subscriber_id for o in lease.orders] == [3, 2]
        # The next run loads beside the moved one (on PostgreSQL: its own partition).
        old.load_run(write_run(runs_dir, "r2", [[order("r2", 9, score=0.95)]]))
        again = old.lease(principal(), "outbound_call", 5)
        assert [o.subscriber_id for o in again.orders] == [9, 1]
    finally:
        old.close()


def test_a_loaded_partition_has_exactly_the_parents_indexes(store: Store, runs_dir: Path) -> None:
    """The loader's index set (cube.store.partitions.INDEXES) matches the parent's: every
    index it builds is adopted on attach and none had to be built by the attach."""
    if store.backend.name != "postgresql":
        pytest.skip("work_orders is partitioned on PostgreSQL only")
    store.load_run(write_run(runs_dir, "r1", [[order("r1", 1)]]))
    table = partitions.partition_name("r1")
    rows = store.backend.transact(
        lambda tx: tx.rows(
            "SELECT c.relname, inh.inhparent IS NOT NULL FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_inherits inh ON inh.inhrelid = i.indexrelid "
            "WHERE i.indrelid = CAST(? AS regclass)",
            [table],
        )
    )
    names = {f"{table}_pkey", *(f"{table}_{n}" for n in partitions.INDEXES)}
    assert {str(name): bool(adopted) for name, adopted in rows} == dict.fromkeys(names, True)


def test_upgrade_from_version_4_indexes_only_live_orders_by_subscriber(
    database_url: str, runs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 5 (PostgreSQL): the subscriber index of every partition covers open and
    leased orders only, under the name the loader gives it, and the store works on."""
    if not database_url.startswith("postgresql"):
        pytest.skip("migration 5 is PostgreSQL's")
    first_four = schema.MIGRATIONS["postgresql"][:4]
    store = Store(open_backend(database_url), clock=FakeClock(NOW))
    try:
        with monkeypatch.context() as patch:
            patch.setitem(schema.MIGRATIONS, "postgresql", first_four)
            assert store.migrate() == [1, 2, 3, 4]
            store.load_run(write_run(runs_dir, "r1", [[order("r1", 1), order("r1", 2)]]))
        assert store.migrate() == [5]
        table = partitions.partition_name("r1")
        rows = store.backend.transact(
            lambda tx: tx.rows(
                "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = CAST(? AS regclass)",
                [table],
            )
        )
        predicates = {str(name): predicate for name, predicate in rows}
        assert predicates[f"{table}_subscriber"] == (
            "(state = ANY (ARRAY['open'::text, 'leased'::text]))"
        )
        assert len(predicates) == 1 + len(partitions.INDEXES)
        lease = store.lease(principal(), "outbound_call", 5)
        assert sorted(o.subscriber_id for o in lease.orders) == [1, 2]
    finally:
        store.close()
