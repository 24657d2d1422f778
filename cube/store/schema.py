"""Versioned schema migrations, numbered per backend, recorded in `schema_version`.

`migrate` applies, in one transaction, every migration newer than the recorded
version, so running it again is a no-op and a failed migration leaves the previous
schema. Never edit a released migration: add the next number.

Times are BIGINT microseconds since the epoch (`*_us`); see cube.store.model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from cube.contract import TOUCHPOINTS
from cube.store.backend import Backend
from cube.store.model import STATES
from cube.store.partitions import move_into_partitions, name_partition_indexes
from cube.store.tx import Tx


@dataclass(frozen=True)
class Migration:
    """Statements run in order, then `then` (a step that needs data, e.g. one partition
    per existing run), all in the migration's transaction."""

    version: int
    name: str
    sql: str
    then: Callable[[Tx], None] | None = None

    def statements(self) -> list[str]:
        return [s.strip() for s in self.sql.split(";") if s.strip()]


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Both databases accept these type names (SQLite maps them to its affinities).
_INIT = f"""
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    snapshot_date TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL,
    orders BIGINT NOT NULL,
    loaded_us BIGINT NOT NULL
);
CREATE TABLE run_strategies (
    run_id TEXT NOT NULL REFERENCES runs (run_id),
    strategy_id TEXT NOT NULL,
    strategy_version INTEGER NOT NULL,
    PRIMARY KEY (run_id, strategy_id)
);
CREATE TABLE work_orders (
    order_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    strategy_id TEXT NOT NULL,
    strategy_version INTEGER NOT NULL CHECK (strategy_version >= 1),
    subscriber_id BIGINT NOT NULL,
    network TEXT NOT NULL CHECK (network IN ('own', 'other')),
    region_path TEXT NOT NULL,
    product_id TEXT NOT NULL,
    product_family TEXT NOT NULL,
    product_category TEXT NOT NULL,
    touchpoint TEXT NOT NULL CHECK (touchpoint IN ({_quoted(TOUCHPOINTS)})),
    score DOUBLE PRECISION NOT NULL,
    propensity DOUBLE PRECISION NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    lever DOUBLE PRECISION NOT NULL,
    routing_weight DOUBLE PRECISION NOT NULL,
    priority INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    script TEXT NOT NULL,
    issued_us BIGINT NOT NULL,
    expires_us BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ({_quoted(STATES)})),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    lease_expires_us BIGINT,
    state_reason TEXT,
    state_us BIGINT
);
CREATE INDEX work_orders_queue ON work_orders (touchpoint, state, region_path);
CREATE INDEX work_orders_best ON work_orders (touchpoint, state, score DESC);
CREATE INDEX work_orders_subscriber ON work_orders (subscriber_id, touchpoint);
CREATE INDEX work_orders_run ON work_orders (run_id);
CREATE INDEX work_orders_leases ON work_orders (lease_expires_us) WHERE state = 'leased';
CREATE INDEX work_orders_expiry ON work_orders (expires_us) WHERE state = 'open';
CREATE INDEX work_orders_strategy ON work_orders (strategy_id, strategy_version)
    WHERE state = 'open';
CREATE TABLE subscribers (
    subscriber_id BIGINT PRIMARY KEY
);
CREATE TABLE results (
    key_owner TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    order_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at_us BIGINT NOT NULL,
    answer TEXT NOT NULL,
    recorded_us BIGINT NOT NULL,
    PRIMARY KEY (key_owner, idempotency_key)
);
CREATE TABLE contact_history (
    contact_id TEXT PRIMARY KEY,
    subscriber_id BIGINT NOT NULL,
    campaign_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    contact_us BIGINT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX contact_history_caps ON contact_history (subscriber_id, touchpoint, contact_us);
CREATE INDEX contact_history_time ON contact_history (contact_us);
CREATE TABLE consent_overrides (
    subscriber_id BIGINT NOT NULL,
    touchpoint TEXT NOT NULL,
    consent BOOLEAN NOT NULL,
    order_id TEXT NOT NULL,
    at_us BIGINT NOT NULL,
    PRIMARY KEY (subscriber_id, touchpoint)
);
CREATE TABLE product_exclusions (
    product_id TEXT NOT NULL,
    excluded_product_id TEXT NOT NULL,
    PRIMARY KEY (product_id, excluded_product_id)
);
CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    touchpoints TEXT NOT NULL,
    region_prefixes TEXT NOT NULL,
    admin BOOLEAN NOT NULL,
    created_us BIGINT NOT NULL,
    revoked_us BIGINT
)
"""

# Orders are updated in place many times (lease, expiry, result): leave room on each page
# so PostgreSQL can do heap-only updates.
_PG_TUNE = "ALTER TABLE work_orders SET (fillfactor = 80)"

# Fewer indexes for bulk loads and for every state change (a state change is never a
# heap-only update, so each full index gets a new entry): one partial index in the exact
# order leases hand orders out replaces the two (touchpoint, state, ...) indexes, and
# nothing needs work_orders by run_id any more (loading works from the run's own rows).
_QUEUE = """
DROP INDEX work_orders_queue;
DROP INDEX work_orders_best;
DROP INDEX work_orders_run;
CREATE INDEX work_orders_open_queue ON work_orders (touchpoint, score DESC, order_id)
    WHERE state = 'open'
"""

# PostgreSQL: one partition per run, so a load copies into a bare table and builds its
# indexes in bulk (cube.store.partitions); the rows already loaded move to their runs'
# partitions. Written out, not derived from cube.store.partitions.INDEXES: a released
# migration must not change when the current index set does (tests/store/test_schema.py
# checks the loader's partitions against the parent the migrations leave).
_OLD = "work_orders_unpartitioned"
_PARTITIONED = f"""
ALTER TABLE work_orders RENAME TO {_OLD};
ALTER TABLE {_OLD} RENAME CONSTRAINT work_orders_pkey TO {_OLD}_pkey;
ALTER INDEX work_orders_subscriber RENAME TO {_OLD}_subscriber;
ALTER INDEX work_orders_leases RENAME TO {_OLD}_leases;
ALTER INDEX work_orders_expiry RENAME TO {_OLD}_expiry;
ALTER INDEX work_orders_strategy RENAME TO {_OLD}_strategy;
ALTER INDEX work_orders_open_queue RENAME TO {_OLD}_open_queue;
CREATE TABLE work_orders (LIKE {_OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (run_id);
ALTER TABLE work_orders ADD PRIMARY KEY (order_id, run_id);
CREATE INDEX work_orders_subscriber ON work_orders (subscriber_id, touchpoint);
CREATE INDEX work_orders_leases ON work_orders (lease_expires_us) WHERE state = 'leased';
CREATE INDEX work_orders_expiry ON work_orders (expires_us) WHERE state = 'open';
CREATE INDEX work_orders_strategy ON work_orders (strategy_id, strategy_version)
    WHERE state = 'open';
CREATE INDEX work_orders_open_queue ON work_orders (touchpoint, score DESC, order_id)
    WHERE state = 'open'
"""


# PostgreSQL: no index by strategy. It served only the supersede of an older strategy
# version, which now searches just the runs that loaded that version (their partitions:
# cube.store.loading._supersede); building it was a second of every million-order
# load, and keeping it an index entry on every state change.
_NO_STRATEGY_INDEX = "DROP INDEX work_orders_strategy"


# PostgreSQL: the subscriber index covers open and leased orders only, the only ones
# its readers ask for (offers, siblings, the caps' live leases, load-time opt-outs). A
# posted outcome then adds no entry to it (a state change is never a heap-only update:
# each index it still covers takes a new entry), and it shrinks as the queue drains.
# SQLite keeps the full index: its planner uses a partial index only for a WHERE that
# repeats the index's own condition, which `state = 'open'` does not.
_LIVE_SUBSCRIBER_INDEX = """
DROP INDEX work_orders_subscriber;
CREATE INDEX work_orders_subscriber ON work_orders (subscriber_id, touchpoint)
    WHERE state IN ('open', 'leased')
"""


def _move_rows(tx: Tx) -> None:
    move_into_partitions(tx, _OLD)


def _name_subscriber_indexes(tx: Tx) -> None:
    name_partition_indexes(tx, "subscriber")


MIGRATIONS: dict[str, tuple[Migration, ...]] = {
    "sqlite": (Migration(1, "init", _INIT), Migration(2, "open queue index", _QUEUE)),
    "postgresql": (
        Migration(1, "init", _INIT + ";\n" + _PG_TUNE),
        Migration(2, "open queue index", _QUEUE),
        Migration(3, "work orders partitioned by run", _PARTITIONED, then=_move_rows),
        Migration(4, "no index by strategy", _NO_STRATEGY_INDEX),
        Migration(
            5,
            "subscriber index of open and leased orders",
            _LIVE_SUBSCRIBER_INDEX,
            then=_name_subscriber_indexes,
        ),
    ),
}

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us BIGINT NOT NULL)"
)


def latest_version(backend: Backend) -> int:
    return MIGRATIONS[backend.name][-1].version


def current_version(tx: Tx) -> int:
    tx.run(_VERSION_TABLE)
    return int(tx.rows("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0])


def migrate(backend: Backend) -> list[int]:
    """Apply pending migrations in one transaction; returns the versions applied."""

    def apply(tx: Tx) -> list[int]:
        tx.lock_name("cube-store-migrate")
        done = current_version(tx)
        applied = []
        for migration in MIGRATIONS[backend.name]:
            if migration.version <= done:
                continue
            for statement in migration.statements():
                tx.run(statement)
            if migration.then is not None:
                migration.then(tx)
            tx.run(
                "INSERT INTO schema_version (version, name, applied_us) VALUES (?, ?, ?)",
                [migration.version, migration.name, int(time.time() * 1_000_000)],
            )
            applied.append(migration.version)
        return applied

    return backend.transact(apply)
