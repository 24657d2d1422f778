"""PostgreSQL: `work_orders` is partitioned by run, one partition per loaded run.

Why: keeping six indexes up to date row by row is most of a bulk load (a 1M-order
`COPY` takes 4.4 s into a bare table and 18.8 s into the indexed one; building the
indexes afterwards takes 5.6 s). So a run's orders are copied into a fresh table, its
indexes are built in bulk, and the table is attached as the run's partition, all in
the load's transaction: a failed load leaves no partition behind.

The partition's indexes match the parent's partitioned indexes (`INDEXES`), so
attaching adopts them instead of building new ones. The primary key includes the
partition key, as PostgreSQL requires: (order_id, run_id), so the database keeps order
ids unique within a run only. Across runs they are unique by construction: the loader
refuses any order id that is not sha256 of its run, subscriber, strategy, product and
touchpoint (cube.runs.order_id). Lookups by order id use the key's leading column in
every partition.
"""

from __future__ import annotations

import hashlib

from cube.store.tx import Tx

PARENT = "work_orders"
# name -> (columns, predicate): the parent's partitioned indexes, and each partition's.
INDEXES: dict[str, tuple[str, str]] = {
    "subscriber": ("subscriber_id, touchpoint", "state IN ('open', 'leased')"),
    "leases": ("lease_expires_us", "state = 'leased'"),
    "expiry": ("expires_us", "state = 'open'"),
    "open_queue": ("touchpoint, score DESC, order_id", "state = 'open'"),
}
PRIMARY_KEY = "order_id, run_id"
# Orders are updated in place many times: room on each page for heap-only updates.
FILLFACTOR = 80


def partition_name(run_id: str) -> str:
    """The run's partition: a fixed-length name whatever characters the run id has."""
    return f"{PARENT}_{hashlib.md5(run_id.encode()).hexdigest()}"


def index_sql(table: str, name: str) -> str:
    columns, predicate = INDEXES[name]
    where = f" WHERE {predicate}" if predicate else ""
    return f"CREATE INDEX {table}_{name} ON {table} ({columns}){where}"


def create_empty(tx: Tx, run_id: str) -> str:
    """A bare table shaped like the parent, for the run's rows; returns its name."""
    table = partition_name(run_id)
    tx.run(
        f"CREATE TABLE {table} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        f"WITH (fillfactor = {FILLFACTOR})"
    )
    return table


def build_indexes(tx: Tx, table: str) -> None:
    """The partition's primary key and indexes, built in bulk over its rows."""
    tx.run(f"ALTER TABLE {table} ADD PRIMARY KEY ({PRIMARY_KEY})")
    for name in INDEXES:
        tx.run(index_sql(table, name))


def attach(tx: Tx, table: str, run_id: str) -> None:
    """Attach the indexed table as the run's partition (its indexes are adopted)."""
    tx.run(f"ALTER TABLE {PARENT} ATTACH PARTITION {table} FOR VALUES IN ({_literal(run_id)})")


def move_into_partitions(tx: Tx, old: str) -> None:
    """Migration: give every run in `old` its partition and move its rows there."""
    for (run_id,) in tx.rows(f"SELECT DISTINCT run_id FROM {old} ORDER BY run_id"):
        tx.run(
            f"CREATE TABLE {partition_name(str(run_id))} PARTITION OF {PARENT} "
            f"FOR VALUES IN ({_literal(str(run_id))}) WITH (fillfactor = {FILLFACTOR})"
        )
    tx.run(f"INSERT INTO {PARENT} SELECT * FROM {old}")
    tx.run(f"DROP TABLE {old}")


def name_partition_indexes(tx: Tx, name: str) -> None:
    """Migration: give each partition's index of the parent's index `name` the name the
    loader gives it (`<partition>_<name>`); PostgreSQL names the ones it creates for a
    new parent index after their columns."""
    rows = tx.rows(
        "SELECT c.relname, t.relname FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_index x ON x.indexrelid = i.inhrelid "
        "JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE i.inhparent = CAST(? AS regclass) ORDER BY t.relname",
        [f"{PARENT}_{name}"],
    )
    for index, table in rows:
        if index != f"{table}_{name}":
            tx.run(f"ALTER INDEX {index} RENAME TO {table}_{name}")


def _literal(run_id: str) -> str:
    """The run id as an SQL string literal: partition bounds in DDL take no parameters,
    and a run id is any string, so its quotes are doubled."""
    return "'" + run_id.replace("'", "''") + "'"
