"""Write small match-run directories exactly as cube/runs.py lays them out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cube.runs import HOLDOUT, WORK_ORDERS, RunManifest, StrategyRef, order_id

ISSUED = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
_TYPES = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def order(
    run_id: str,
    subscriber_id: int,
    *,
    strategy: str = "s-5g",
    version: int = 1,
    product: str = "P5G",
    touchpoint: str = "outbound_call",
    region: str = "P1.C01.K001.G0001",
    score: float = 1.0,
    ttl_days: int = 7,
) -> dict[str, Any]:
    """One WORK_ORDERS row with a deterministic id."""
    return {
        "order_id": order_id(run_id, subscriber_id, strategy, product, touchpoint),
        "run_id": run_id,
        "strategy_id": strategy,
        "strategy_version": version,
        "subscriber_id": subscriber_id,
        "network": "own",
        "region_path": region,
        "product_id": product,
        "product_family": product + "-family",
        "product_category": "light_addon",
        "touchpoint": touchpoint,
        "score": score,
        "propensity": 0.5,
        "value": 2 * score,
        "lever": 1.0,
        "routing_weight": 1.0,
        "priority": 50,
        "rank": 1,
        "explanation": json.dumps({"score": score}),
        "script": f"Offer {product} to {subscriber_id}",
        "issued_at": ISSUED,
        "expires_at": ISSUED + dt.timedelta(days=ttl_days),
    }


def _table(rows: list[dict[str, Any]], spec: Any) -> pa.Table:
    schema = pa.schema([(c.name, _TYPES[c.dtype]) for c in spec.columns])
    return pa.Table.from_pylist(rows, schema=schema)


def write_run(
    runs_dir: Path,
    run_id: str,
    files: list[list[dict[str, Any]]],
    strategies: dict[str, int] | None = None,
) -> Path:
    """A run directory: work_orders/ (one Parquet file per entry of `files`), holdout/,
    funnel/ (empty) and manifest.json, written last."""
    run_dir = runs_dir / run_id
    (run_dir / "work_orders").mkdir(parents=True)
    (run_dir / "holdout").mkdir()
    (run_dir / "funnel").mkdir()
    for i, rows in enumerate(files):
        pq.write_table(_table(rows, WORK_ORDERS), run_dir / "work_orders" / f"part-{i:05d}.parquet")
    pq.write_table(_table([], HOLDOUT), run_dir / "holdout" / "part-00000.parquet")
    rows = [r for f in files for r in f]
    versions = strategies or {r["strategy_id"]: r["strategy_version"] for r in rows}
    manifest = RunManifest(
        run_id=run_id,
        period="2026-11",
        snapshot_date=dt.date(2026, 11, 1),
        created_at=ISSUED,
        strategies=tuple(
            StrategyRef(id=s, version=v, path=f"strategies/{s}.yaml", sha256="0" * 64)
            for s, v in sorted(versions.items())
        ),
        policy_sha256="0" * 64,
        counts={"work_orders": len(rows), "holdout": 0, "funnel": 0},
    )
    (run_dir / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    return run_dir
