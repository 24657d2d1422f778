"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests create a fresh database `cube_test_<random>` on 127.0.0.1:5432 for
the session (each test gets its own empty schema in it) and drop it afterwards.
With no server reachable they skip and say why, except in CI (CI=true), where they
fail.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cube.store import Cap, CapPolicy, Principal, Store
from cube.store.backend import open_backend
from tests.store.builder import ISSUED

# STORE_TEST_PG_SERVER points the tests at another server (no database name).
PG_SERVER = os.environ.get("STORE_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
NOW = ISSUED + dt.timedelta(hours=1)
MAX_ATTEMPTS = 3


class FakeClock:
    """A clock tests move by hand (never sleep to expire a lease)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.now += dt.timedelta(**delta)


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {PG_SERVER} unreachable: {str(exc).strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh database for this test session, dropped at the end."""
    name = f"cube_test_{secrets.token_hex(6)}"
    with _pg_admin() as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with _pg_admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend.

    PostgreSQL: an empty schema in the session's database (first on the search path),
    which is as isolated as a database per test and far quicker to create.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    import psycopg

    base = request.getfixturevalue("pg_database")
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[Store]:
    """A migrated store with no caps, K=3 attempts, on a fake clock."""
    s = Store(open_backend(database_url), clock=clock, max_attempts=MAX_ATTEMPTS)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def capped_store(database_url: str, clock: FakeClock) -> Iterator[Store]:
    """A migrated store allowing one contact per subscriber per 7 days across touchpoints."""
    caps = CapPolicy(
        touchpoints={"sms": Cap(limit=2, window_days=30)}, total=Cap(limit=1, window_days=7)
    )
    s = Store(open_backend(database_url), clock=clock, caps=caps, max_attempts=MAX_ATTEMPTS)
    s.migrate()
    yield s
    s.close()


def principal(
    key_id: str = "k-call",
    touchpoints: tuple[str, ...] = ("outbound_call",),
    regions: tuple[str, ...] = ("P1",),
    admin: bool = False,
) -> Principal:
    return Principal(
        key_id=key_id,
        touchpoints=frozenset(touchpoints),  # type: ignore[arg-type]
        region_prefixes=regions,
        admin=admin,
    )


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs"
