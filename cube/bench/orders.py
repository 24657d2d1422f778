"""Generated match runs (cube.runs layout) for the store and real-time benchmarks.

`write_bench_run` writes `orders` work orders with pyarrow, two per subscriber (one
outbound call, one SMS), with ids, region paths, explanations and scripts shaped like
a real run's, and reuses the run when it already exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

# (touchpoint, product, strategy): each subscriber gets one outbound-call and one SMS offer.
BATCH_OFFERS = (
    ("outbound_call", "P5G-UP", "s-5g"),
    ("outbound_call", "PBROADBAND", "s-bb"),
    ("sms", "PDATA", "s-data"),
    ("sms", "PVIDEO", "s-video"),
)
_FILE_ROWS = 250_000


def write_bench_run(
    runs_dir: Path,
    run_id: str,
    orders: int,
    first_subscriber: int = 1,
    offers: tuple[tuple[str, str, str], ...] = BATCH_OFFERS,
) -> Path:
    """A run (cube.runs layout) of `orders` orders, two per subscriber from `first_subscriber`
    on, one per touchpoint of `offers` (two triples each); reused when it exists."""
    run_dir = runs_dir / run_id
    if (run_dir / "manifest.json").exists():
        return run_dir
    import numpy as np
    import pyarrow.parquet as pq

    from cube.runs import HOLDOUT, WORK_ORDERS, RunManifest, StrategyRef

    tmp = runs_dir / f".{run_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "work_orders").mkdir(parents=True)
    rng = np.random.default_rng(first_subscriber)
    issued = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for part, start in enumerate(range(0, orders, _FILE_ROWS)):
        stop = min(orders, start + _FILE_ROWS)
        table = _orders_table(run_id, start, stop, first_subscriber, rng, issued, offers)
        assert table.column_names == [c.name for c in WORK_ORDERS.columns]
        pq.write_table(table, tmp / "work_orders" / f"part-{part:05d}.parquet")
    (tmp / "holdout").mkdir()
    (tmp / "funnel").mkdir()
    pq.write_table(_empty(HOLDOUT), tmp / "holdout" / "part-00000.parquet")
    manifest = RunManifest(
        run_id=run_id,
        period=issued.strftime("%Y-%m"),
        snapshot_date=issued.date(),
        created_at=issued,
        strategies=tuple(
            StrategyRef(id=s, version=1, path=f"strategies/{s}.yaml", sha256="0" * 64)
            for s in sorted({o[2] for o in offers})
        ),
        policy_sha256="0" * 64,
        counts={"work_orders": orders, "holdout": 0, "funnel": 0},
    )
    (tmp / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    tmp.rename(run_dir)
    return run_dir


def _empty(spec: Any) -> Any:
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "double": pa.float64(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([(c.name, types[c.dtype]) for c in spec.columns]).empty_table()


def _orders_table(
    run_id: str,
    start: int,
    stop: int,
    first_subscriber: int,
    rng: Any,
    issued: dt.datetime,
    catalogue: tuple[tuple[str, str, str], ...],
) -> Any:
    """Orders start..stop-1: subscriber i // 2 gets offers k and k + 2 (mod 4), one per
    touchpoint, with k spread over subscribers."""
    import numpy as np
    import pyarrow as pa

    index = np.arange(start, stop)
    subscribers = index // 2 + first_subscriber
    offers = [
        catalogue[(int(s) + int(i) % 2 * 2 + int(s) // 7) % 4]
        for s, i in zip(subscribers, index, strict=True)
    ]
    score = rng.gamma(2.0, 0.5, len(index)).round(6)
    city, county, grid = subscribers % 21, subscribers % 426, subscribers % 9000
    regions = [f"P1.C{c:02d}.K{k:03d}.G{g:04d}" for c, k, g in zip(city, county, grid, strict=True)]
    ids = [
        hashlib.sha256(f"{run_id}|{s}|{o[2]}|{o[1]}|{o[0]}".encode()).hexdigest()[:24]
        for s, o in zip(subscribers, offers, strict=True)
    ]
    explanation = [
        json.dumps({"formula": "propensity*value*lever*routing", "score": float(v), "stages": 6})
        for v in score
    ]
    n = len(index)
    return pa.table(
        {
            "order_id": ids,
            "run_id": [run_id] * n,
            "strategy_id": [o[2] for o in offers],
            "strategy_version": pa.array(np.ones(n, dtype=np.int32)),
            "subscriber_id": pa.array(subscribers.astype(np.int64)),
            "network": ["own"] * n,
            "region_path": regions,
            "product_id": [o[1] for o in offers],
            "product_family": [o[1] + "-family" for o in offers],
            "product_category": ["light_addon"] * n,
            "touchpoint": [o[0] for o in offers],
            "score": pa.array(score),
            "propensity": pa.array(np.full(n, 0.3)),
            "value": pa.array(score / 0.3),
            "lever": pa.array(np.ones(n)),
            "routing_weight": pa.array(np.ones(n)),
            "priority": pa.array(np.full(n, 50, dtype=np.int32)),
            "rank": pa.array((index % 2 + 1).astype(np.int32)),
            "explanation": explanation,
            "script": [f"Dear customer, {o[1]} is ready for you this month." for o in offers],
            "issued_at": pa.array([issued] * n, pa.timestamp("us", tz="UTC")),
            "expires_at": pa.array(
                [issued + dt.timedelta(days=365)] * n, pa.timestamp("us", tz="UTC")
            ),
        }
    )
