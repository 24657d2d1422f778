"""Admin reads (runs, strategies, counts, queue depth) and the readers the next match
run uses: contact history and consent overrides, in the data contract's columns."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.store.backend import Backend
from cube.store.model import RunInfo, from_us, to_us
from cube.store.tx import Tx

if TYPE_CHECKING:
    import pyarrow as pa


def runs(backend: Backend) -> list[RunInfo]:
    rows = backend.transact(
        lambda tx: tx.rows(
            "SELECT run_id, period, loaded_us, orders, manifest_sha256 FROM runs "
            "ORDER BY loaded_us, run_id"
        ),
        write=False,
    )
    return [
        RunInfo(
            run_id=r[0], period=r[1], loaded_at=from_us(r[2]), orders=r[3], manifest_sha256=r[4]
        )
        for r in rows
    ]


def strategies(backend: Backend) -> list[dict[str, Any]]:
    """Each strategy's newest loaded version, the run that brought it, and its open orders."""
    rows = backend.transact(
        lambda tx: tx.rows(
            "SELECT s.strategy_id, MAX(s.strategy_version), COUNT(DISTINCT s.run_id), "
            "(SELECT COUNT(*) FROM work_orders w WHERE w.strategy_id = s.strategy_id "
            "AND w.state = 'open') FROM run_strategies s GROUP BY s.strategy_id "
            "ORDER BY s.strategy_id"
        ),
        write=False,
    )
    return [
        {"strategy_id": r[0], "version": int(r[1]), "runs": int(r[2]), "open_orders": int(r[3])}
        for r in rows
    ]


def counts(backend: Backend) -> dict[str, dict[str, int]]:
    """Orders by touchpoint then state."""
    rows = backend.transact(
        lambda tx: tx.rows(
            "SELECT touchpoint, state, COUNT(*) FROM work_orders GROUP BY touchpoint, state "
            "ORDER BY touchpoint, state"
        ),
        write=False,
    )
    out: dict[str, dict[str, int]] = {}
    for touchpoint, state, n in rows:
        out.setdefault(touchpoint, {})[state] = int(n)
    return out


def queue_depth(backend: Backend, now: dt.datetime) -> dict[str, int]:
    """Orders a touchpoint could still be served (open, unexpired), per touchpoint."""
    rows = backend.transact(
        lambda tx: tx.rows(
            "SELECT touchpoint, COUNT(*) FROM work_orders WHERE state = 'open' "
            "AND expires_us > ? GROUP BY touchpoint ORDER BY touchpoint",
            [to_us(now)],
        ),
        write=False,
    )
    return {r[0]: int(r[1]) for r in rows}


def run_orders(backend: Backend, run_id: str) -> list[tuple[str, str, int, int]]:
    """(order_id, state, attempts, expires_us) of every order of a run, in id order."""
    return backend.transact(
        lambda tx: tx.rows(
            "SELECT order_id, state, attempts, expires_us FROM work_orders WHERE run_id = ? "
            "ORDER BY order_id",
            [run_id],
        ),
        write=False,
    )


def contact_history(backend: Backend, since: dt.datetime | None = None) -> pa.Table:
    """Contacts recorded here, in the data contract's contact_history columns."""
    import pyarrow as pa

    from cube.contract import CONTACT_HISTORY

    def read(tx: Tx) -> list[tuple[Any, ...]]:
        return tx.rows(
            "SELECT contact_id, subscriber_id, campaign_id, product_id, touchpoint, "
            "contact_us, outcome FROM contact_history WHERE contact_us >= ? "
            "ORDER BY contact_us, contact_id",
            [to_us(since) if since else -(2**62)],
        )

    rows = backend.transact(read, write=False)
    names = [c.name for c in CONTACT_HISTORY.columns]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    schema = pa.schema(
        [
            ("contact_id", pa.string()),
            ("subscriber_id", pa.int64()),
            ("campaign_id", pa.string()),
            ("product_id", pa.string()),
            ("touchpoint", pa.string()),
            ("contact_ts", pa.timestamp("us", tz="UTC")),
            ("outcome", pa.string()),
        ]
    )
    assert schema.names == names, "contact_history columns drifted from the contract"
    arrays = [
        pa.array(list(col), type=field.type) for col, field in zip(columns, schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def consent_overrides(backend: Backend) -> pa.Table:
    """Consent changes recorded here (subscriber, touchpoint, consent, at), newest state."""
    import pyarrow as pa

    rows = backend.transact(
        lambda tx: tx.rows(
            "SELECT subscriber_id, touchpoint, consent, at_us FROM consent_overrides "
            "ORDER BY subscriber_id, touchpoint"
        ),
        write=False,
    )
    return pa.table(
        {
            "subscriber_id": pa.array([r[0] for r in rows], pa.int64()),
            "touchpoint": pa.array([r[1] for r in rows], pa.string()),
            "consent": pa.array([bool(r[2]) for r in rows], pa.bool_()),
            "updated_at": pa.array([r[3] for r in rows], pa.timestamp("us", tz="UTC")),
        }
    )


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write a Parquet file atomically (temporary name, then rename)."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def manifest(backend: Backend, run_id: str) -> dict[str, Any] | None:
    rows = backend.transact(
        lambda tx: tx.rows("SELECT manifest FROM runs WHERE run_id = ?", [run_id]), write=False
    )
    return json.loads(rows[0][0]) if rows else None
