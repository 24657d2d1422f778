"""Migrations are versioned and idempotent on both backends."""

from __future__ import annotations

from cube.store import Store


def test_migrate_twice_applies_nothing_the_second_time(store: Store) -> None:
    assert store.schema_version() == (1, 1)
    assert store.migrate() == []
    assert store.schema_version() == (1, 1)


def test_fresh_database_reports_version_zero_until_migrated(database_url: str) -> None:
    from cube.store.backend import open_backend

    fresh = Store(open_backend(database_url))
    try:
        assert fresh.schema_version() == (0, 1)
        assert fresh.migrate() == [1]
        assert fresh.schema_version() == (1, 1)
    finally:
        fresh.close()
