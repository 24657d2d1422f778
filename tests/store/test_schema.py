"""Migrations are versioned and idempotent on both backends."""

from __future__ import annotations

from pathlib import Path

from cube.store import Store, schema
from cube.store.backend import Tx, open_backend
from tests.store.builder import order, write_run
from tests.store.conftest import NOW, FakeClock, principal


def test_migrate_twice_applies_nothing_the_second_time(store: Store) -> None:
    assert store.schema_version() == (2, 2)
    assert store.migrate() == []
    assert store.schema_version() == (2, 2)


def test_fresh_database_reports_version_zero_until_migrated(database_url: str) -> None:
    fresh = Store(open_backend(database_url))
    try:
        assert fresh.schema_version() == (0, 2)
        assert fresh.migrate() == [1, 2]
        assert fresh.schema_version() == (2, 2)
    finally:
        fresh.close()


def test_upgrade_from_version_1_keeps_orders_in_queue_order(
    database_url: str, runs_dir: Path
) -> None:
    backend = open_backend(database_url)
    init = schema.MIGRATIONS[backend.name][0]

    def install_version_1(tx: Tx) -> None:
        schema.current_version(tx)
        for statement in init.statements():
            tx.run(statement)
        tx.run("INSERT INTO schema_version (version, name, applied_us) VALUES (1, 'init', 0)")

    backend.transact(install_version_1)
    old = Store(backend, clock=FakeClock(NOW))
    try:
        rows = [order("r1", s, score=s / 10) for s in (1, 2, 3)]
        old.load_run(write_run(runs_dir, "r1", [rows]))
        assert old.migrate() == [2]
        lease = old.lease(principal(), "outbound_call", 2)
        assert [o.subscriber_id for o in lease.orders] == [3, 2]
    finally:
        old.close()
