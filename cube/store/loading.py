"""Load a match run's work orders into the store: bulk, idempotent per run, atomic.

Everything happens in one transaction: the run row, the orders (on PostgreSQL a binary COPY
into the run's own partition, indexed in bulk and then attached: cube.store.partitions;
executemany on SQLite), the supersede of older strategy versions, withdrawal of
orders whose subscriber opted out on that touchpoint, and the product exclusions.
Batches are checked as they stream in, so a bad row anywhere aborts the whole load
and the previous state stays as it was. Loading a run that is already loaded (same
manifest) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cube.contract import TOUCHPOINTS
from cube.errors import InputError
from cube.products import ConflictGraph
from cube.runs import WORK_ORDERS, RunManifest, order_id_of_key
from cube.store import partitions, pgcopy
from cube.store.backend import Backend
from cube.store.errors import ConflictError
from cube.store.model import LoadReport, to_us
from cube.store.tx import PgTx, Tx

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 50_000
_SQLITE_LOAD_CACHE_KIB = 256 * 1024
# Database column -> contract column; timestamps become microseconds.
_RENAMED = {"issued_at": "issued_us", "expires_at": "expires_us"}
DB_COLUMNS: tuple[str, ...] = tuple(_RENAMED.get(c.name, c.name) for c in WORK_ORDERS.columns)
_ARROW_TYPES = {"string": "string", "int32": "int32", "int64": "int64", "double": "float64"}


def read_manifest(run_dir: Path) -> tuple[RunManifest, str]:
    """The run's manifest and the sha256 of its bytes."""
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise InputError(f"{path}: missing (is {run_dir} a complete match run?)")
    raw = path.read_bytes()
    try:
        manifest = RunManifest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from exc
    return manifest, hashlib.sha256(raw).hexdigest()


def load_run(
    backend: Backend, run_dir: Path, now: dt.datetime, conflicts: ConflictGraph | None = None
) -> LoadReport:
    """Load `run_dir` (see cube.runs) in one transaction; a repeat load is a no-op."""
    manifest, sha = read_manifest(run_dir)
    source = run_dir / "work_orders"
    if not source.is_dir():
        raise InputError(f"{source}: missing work_orders directory")

    def load(tx: Tx) -> LoadReport:
        tx.lock_name(f"cube-load-run:{manifest.run_id}")
        known = tx.rows(
            "SELECT manifest_sha256, orders FROM runs WHERE run_id = ?", [manifest.run_id]
        )
        if known:
            if known[0][0] != sha:
                raise ConflictError(
                    f"run '{manifest.run_id}' is already loaded with a different manifest; "
                    "a run id is loaded once"
                )
            return LoadReport(
                run_id=manifest.run_id,
                loaded=False,
                orders=int(known[0][1]),
                superseded=0,
                withdrawn_for_consent=0,
            )
        return _load_new(tx, manifest, sha, source, now, conflicts)

    try:
        report = backend.transact(load)
    except Exception as exc:
        if not _is_integrity_error(exc):
            raise
        detail = " ".join(str(exc).split())
        raise InputError(f"{source}: rejected by the database, nothing loaded: {detail}") from exc
    return report


def _is_integrity_error(exc: Exception) -> bool:
    """A constraint violation (the run's data, not the database, is at fault)."""
    import sqlite3

    if isinstance(exc, sqlite3.IntegrityError):
        return True
    import psycopg

    return isinstance(exc, psycopg.errors.IntegrityError)


def _load_new(
    tx: Tx,
    manifest: RunManifest,
    sha: str,
    source: Path,
    now: dt.datetime,
    conflicts: ConflictGraph | None,
) -> LoadReport:
    now_us = to_us(now)
    tx.run(
        "INSERT INTO runs (run_id, period, snapshot_date, manifest_sha256, manifest, orders, "
        "loaded_us) VALUES (?, ?, ?, ?, ?, 0, ?)",
        [
            manifest.run_id,
            manifest.period,
            manifest.snapshot_date.isoformat(),
            sha,
            manifest.model_dump_json(),
            now_us,
        ],
    )
    tx.many(
        "INSERT INTO run_strategies (run_id, strategy_id, strategy_version) VALUES (?, ?, ?)",
        [(manifest.run_id, s.id, s.version) for s in manifest.strategies],
    )
    orders = _insert_orders(tx, source, manifest.run_id)
    expected = manifest.counts.get("work_orders")
    if expected is not None and expected != orders:
        raise InputError(f"{source}: {orders} rows but manifest.json counts {expected}")
    superseded = _supersede(tx, manifest, now_us)
    # Driven from the (small) opt-out table through the subscriber index: the run's
    # own orders are not indexed by run.
    withdrawn = tx.run(
        "UPDATE work_orders SET state = 'withdrawn', state_reason = ?, state_us = ? "
        "FROM consent_overrides c WHERE NOT c.consent "
        "AND work_orders.subscriber_id = c.subscriber_id "
        "AND work_orders.touchpoint = c.touchpoint "
        "AND work_orders.run_id = ? AND work_orders.state = 'open'",
        ["subscriber opted out on this touchpoint", now_us, manifest.run_id],
    )
    if conflicts is not None:
        _replace_exclusions(tx, conflicts)
    tx.run("UPDATE runs SET orders = ? WHERE run_id = ?", [orders, manifest.run_id])
    return LoadReport(
        run_id=manifest.run_id,
        loaded=True,
        orders=orders,
        superseded=superseded,
        withdrawn_for_consent=withdrawn,
    )


def _supersede(tx: Tx, manifest: RunManifest, now_us: int) -> int:
    """Retire open orders of every older version of the run's strategies.

    Only the runs that loaded an older version are searched: on PostgreSQL that prunes
    the statement to their partitions, which have no index by strategy (building one
    cost every load a second per million orders, and every state change an index entry,
    to serve this statement, which has work only when a strategy changes version).
    """
    total = 0
    for ref in manifest.strategies:
        loaded = tx.rows(
            "SELECT run_id, strategy_version FROM run_strategies WHERE strategy_id = ? "
            "ORDER BY run_id",
            [ref.id],
        )
        newest = max(version for _, version in loaded)
        older = [run for run, version in loaded if version < newest]
        if not older:
            continue
        in_runs, run_params = tx.in_list("run_id", older)
        total += tx.run(
            "UPDATE work_orders SET state = 'superseded', state_reason = ?, state_us = ? "
            f"WHERE {in_runs} AND strategy_id = ? AND strategy_version < ? AND state = 'open'",
            [f"strategy {ref.id} version {newest} loaded", now_us, *run_params, ref.id, newest],
        )
    return total


def _replace_exclusions(tx: Tx, conflicts: ConflictGraph) -> None:
    tx.run("DELETE FROM product_exclusions")
    rows = [(a, b) for a, b in conflicts.pairs()]
    tx.many(
        "INSERT INTO product_exclusions (product_id, excluded_product_id) VALUES (?, ?)",
        rows + [(b, a) for a, b in rows],
    )


def _insert_orders(tx: Tx, source: Path, run_id: str) -> int:
    """Insert the run's orders and their subscribers' guard rows; returns the count."""
    import pyarrow as pa
    import pyarrow.compute as pc

    counter = [0]
    seen: list[pa.Array] = []

    def keep(batch: pa.Table) -> pa.Table:
        seen.append(pc.unique(batch["subscriber_id"]))
        return batch

    batches = map(keep, _batches(source, run_id, counter))
    if isinstance(tx, PgTx):
        _insert_postgres(tx, batches, run_id)
    else:
        _insert_sqlite(tx, batches)
    # Sorted: the guard rows' key index then grows at its right edge (half the time of
    # inserting 500k ids in a run's order).
    unique = pc.unique(pa.chunked_array(seen, pa.int64())) if seen else pa.array([], pa.int64())
    subscribers = pc.take(unique, pc.sort_indices(unique)).to_pylist()
    _add_subscribers(tx, subscribers)
    return counter[0]


def _add_subscribers(tx: Tx, subscribers: list[int]) -> None:
    """Guard rows for the run's subscribers, which must be sorted (on PostgreSQL the new
    ones are copied: see below)."""
    if isinstance(tx, PgTx):
        # Only loads write guard rows; this lock (which row locks do not conflict with)
        # makes the new ones this load's alone until it commits, so they can be copied
        # instead of inserted one conflict check at a time. Measured at 500k subscribers:
        # 1.5 s all new and 0.6 s all known, against 1.9 s and 1.0-1.6 s for
        # INSERT ... ON CONFLICT DO NOTHING.
        tx.run("LOCK TABLE subscribers IN SHARE ROW EXCLUSIVE MODE")
        new = tx.rows(
            "SELECT s FROM unnest(?::bigint[]) s "
            "WHERE NOT EXISTS (SELECT 1 FROM subscribers x WHERE x.subscriber_id = s)",
            [subscribers],
        )
        if new:
            ids = sorted(int(r[0]) for r in new)
            tx.copy_csv(
                "subscribers", ("subscriber_id",), iter(["\n".join(map(str, ids)).encode() + b"\n"])
            )
        return
    tx.many(
        "INSERT INTO subscribers (subscriber_id) VALUES (?) ON CONFLICT DO NOTHING",
        [(s,) for s in subscribers],
    )


def _insert_postgres(tx: PgTx, batches: Iterator[pa.Table], run_id: str) -> None:
    """COPY into the run's own table, then index it and attach it (cube.store.partitions)."""
    table = partitions.create_empty(tx, run_id)
    columns = pgcopy.column_order(_db_schema())
    chunks = (pgcopy.encode(in_queue_order(batch).select(columns)) for batch in batches)
    tx.copy_binary(table, columns, chunks)
    partitions.build_indexes(tx, table)
    partitions.attach(tx, table, run_id)
    # Statistics for the rest of this transaction's statements (the planner sees them
    # before commit; without them the opt-out withdrawal scans the whole run) and for
    # every query after it: each partition is planned with its own. Not the whole
    # table: analysing a partitioned table samples every partition again (the parent's
    # statistics serve only estimates above the partitions; before the partitions,
    # stale statistics made the lease scan and sort the whole queue, 1.5 s instead of
    # 0.07 s per lease of 500 at 1M open orders).
    tx.run(f"ANALYZE {table}")


def in_queue_order(batch: pa.Table) -> pa.Table:
    """The batch sorted the way leases hand orders out (touchpoint, best score first).

    Copied in this order, the orders one lease takes sit together on a few heap pages
    (about 25 per loaded batch, two or three pages) instead of one page each. That is
    what a lease and its results write: after a checkpoint the first change to a page
    writes the whole page to the WAL, and with orders scattered by score that was most
    of the WAL (14 KB per order leased and resulted). Sorting a batch, not the whole
    run, keeps the load streaming; a lease then touches a few pages per batch loaded.
    """
    return batch.sort_by(
        [("touchpoint", "ascending"), ("score", "descending"), ("order_id", "ascending")]
    )


def _insert_sqlite(tx: Tx, batches: Iterator[pa.Table]) -> None:
    sql = (
        f"INSERT INTO work_orders ({', '.join(DB_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(DB_COLUMNS))})"
    )
    # A large page cache for this transaction keeps the index b-trees in memory while
    # rows stream in (the default 2 MB thrashes); the connection's default comes back.
    default = tx.rows("PRAGMA cache_size")[0][0]
    tx.run(f"PRAGMA cache_size = {-_SQLITE_LOAD_CACHE_KIB}")
    try:
        for batch in batches:
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            tx.many(sql, list(zip(*columns, strict=True)))
    finally:
        tx.run(f"PRAGMA cache_size = {int(default)}")


def _db_schema() -> pa.Schema:
    """The Arrow schema of a checked batch (`_checked`): database names and types."""
    import pyarrow as pa

    types = {**_ARROW_TYPES, "timestamp": "int64"}
    return pa.schema(
        [
            (name, types[spec.dtype])
            for name, spec in zip(DB_COLUMNS, WORK_ORDERS.columns, strict=True)
        ]
    )


def _batches(source: Path, run_id: str, counter: list[int]) -> Iterator[pa.Table]:
    """Checked batches in database column order; counter[0] counts rows yielded."""
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset(source, format="parquet")
    except (OSError, ValueError) as exc:
        raise InputError(f"{source}: unreadable Parquet: {exc}") from exc
    missing = [c.name for c in WORK_ORDERS.columns if c.name not in dataset.schema.names]
    if missing:
        raise InputError(f"{source}: missing column(s) {', '.join(missing)}")
    names = [c.name for c in WORK_ORDERS.columns]
    for record_batch in dataset.to_batches(columns=names, batch_size=BATCH_ROWS):
        batch = _checked(record_batch, source, run_id, first_row=counter[0] + 1)
        counter[0] += batch.num_rows
        yield batch


def _checked(batch: Any, source: Path, run_id: str, first_row: int) -> pa.Table:
    """The batch converted to database types; InputError names the column and row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for spec in WORK_ORDERS.columns:
        column = batch.column(spec.name)
        if column.null_count:
            row = first_row + pc.index(pc.is_null(column), True).as_py()
            raise InputError(f"{source}: row {row}: {spec.name} is null")
        if spec.dtype == "timestamp":
            unit = pa.timestamp("us", tz=getattr(column.type, "tz", None))
            column = pc.cast(column, unit, safe=False).cast(pa.int64())
        else:
            column = pc.cast(column, _ARROW_TYPES[spec.dtype])
        columns.append(column)
    table = pa.Table.from_arrays(columns, names=list(DB_COLUMNS))
    _check_values(table, source, run_id, first_row)
    return table


def _check_values(table: pa.Table, source: Path, run_id: str, first_row: int) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    checks = (
        ("run_id", pc.not_equal(table["run_id"], run_id), f"run_id is not '{run_id}'"),
        (
            "touchpoint",
            pc.invert(pc.is_in(table["touchpoint"], value_set=pa.array(TOUCHPOINTS))),
            "unknown touchpoint",
        ),
        (
            "expires_at",
            pc.less_equal(table["expires_us"], table["issued_us"]),
            "expires_at is not after issued_at",
        ),
        (
            "order_id",
            pc.not_equal(table["order_id"], _order_ids(table)),
            "order_id is not sha256(run|subscriber|strategy|product|touchpoint)[:24]",
        ),
    )
    for column, bad, message in checks:
        if pc.any(bad).as_py():
            index = pc.index(bad, True).as_py()
            value = table[column if column != "expires_at" else "expires_us"][index].as_py()
            raise InputError(
                f"{source}: row {first_row + index}: {column}: {message} "
                f"({json.dumps(value, default=str)})"
            )


def _order_ids(table: pa.Table) -> pa.Array:
    """Each row's id per the contract (cube.runs.order_id). Checking it keeps order ids
    unique across runs by construction: on PostgreSQL each run has its own partition,
    whose primary key covers its own rows only (cube.store.partitions)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = ("run_id", "subscriber_id", "strategy_id", "product_id", "touchpoint")
    keys = pc.binary_join_element_wise(*(pc.cast(table[p], pa.string()) for p in parts), "|")
    return pa.array([order_id_of_key(k) for k in keys.to_pylist()], pa.string())
