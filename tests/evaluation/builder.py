"""Small evaluation worlds: raw extracts, a run directory with holdout, and a store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cube.runs import HOLDOUT, WORK_ORDERS, RunManifest, StrategyRef
from tests.store.builder import ISSUED, order

RUN_DATE = ISSUED.date()
# id -> (category, monthly_value, commission)
PRODUCTS = {
    "LA-BOOST": ("light_addon", 10.0, 3.0),
    "HB-FIBRE": ("home_broadband", 50.0, 20.0),
}
TYPES = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def write(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path / "part-00000.parquet")


def write_raw(raw: Path, holdings: list[tuple[int, str, dt.date]], inactive: set[int]) -> None:
    """products, product_exclusions, holdings and subscribers (ids 1-999)."""
    write(
        raw / "products",
        [
            {
                "product_id": p,
                "product_name": p,
                "category": c,
                "family": p,
                "monthly_value": v,
                "commission": k,
                "network_scope": "any",
                "description": p,
            }
            for p, (c, v, k) in PRODUCTS.items()
        ],  # fmt: skip
        pa.schema(
            [
                (n, pa.float64() if n in ("monthly_value", "commission") else pa.string())
                for n in (
                    "product_id",
                    "product_name",
                    "category",
                    "family",
                    "monthly_value",
                    "commission",
                    "network_scope",
                    "description",
                )
            ]
        ),  # fmt: skip
    )
    write(
        raw / "product_exclusions",
        [],
        pa.schema([("product_id", pa.string()), ("excluded_product_id", pa.string())]),
    )
    write(
        raw / "holdings",
        [{"subscriber_id": s, "product_id": p, "start_date": d} for s, p, d in holdings],
        pa.schema(
            [
                ("subscriber_id", pa.int64()),
                ("product_id", pa.string()),
                ("start_date", pa.date32()),
            ]
        ),  # fmt: skip
    )
    write(
        raw / "subscribers",
        [
            {"subscriber_id": s, "status": "suspended" if s in inactive else "active"}
            for s in range(1, 1000)
        ],  # fmt: skip
        pa.schema([("subscriber_id", pa.int64()), ("status", pa.string())]),
    )


def work_order(run_id: str, subscriber: int, strategy: str, product: str, touchpoint: str,
               region: str = "P1.C01.K001.G0001") -> dict[str, Any]:  # fmt: skip
    row = order(
        run_id, subscriber, strategy=strategy, product=product, touchpoint=touchpoint,
        region=region,
    )  # fmt: skip
    return row | {"product_category": PRODUCTS[product][0]}


def write_run(
    runs: Path,
    run_id: str,
    orders: list[dict[str, Any]],
    holdout: list[tuple[str, int, str, str]],
    strategies: dict[str, Path] | None = None,
) -> Path:
    """A run directory; holdout rows are (strategy, subscriber, product, region)."""
    import hashlib

    run_dir = runs / run_id
    write(run_dir / "work_orders", orders, _schema(WORK_ORDERS))
    held = [
        {"run_id": run_id, "strategy_id": s, "strategy_version": 1, "subscriber_id": sub,
         "network": "own", "region_path": region, "product_id": p, "period": "2026-11"}
        for s, sub, p, region in holdout
    ]  # fmt: skip
    write(run_dir / "holdout", held, _schema(HOLDOUT))
    (run_dir / "funnel").mkdir()
    ids = sorted({o["strategy_id"] for o in orders} | {h[0] for h in holdout})
    files = strategies or {}
    refs = tuple(
        StrategyRef(
            id=s,
            version=1,
            path=str(files.get(s, f"strategies/{s}.yaml")),
            sha256=hashlib.sha256(files[s].read_bytes()).hexdigest() if s in files else "0" * 64,
        )
        for s in ids
    )
    manifest = RunManifest(
        run_id=run_id,
        period="2026-11",
        snapshot_date=RUN_DATE,
        created_at=ISSUED,
        strategies=refs,
        policy_sha256="0" * 64,
        counts={"work_orders": len(orders), "holdout": len(held), "funnel": 0},
    )
    (run_dir / "manifest.json").write_text(manifest.model_dump_json(indent=2))
    return run_dir


def _schema(spec: Any) -> pa.Schema:
    return pa.schema([(c.name, TYPES[c.dtype]) for c in spec.columns])
