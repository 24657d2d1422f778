"""The run's tables (cube/runs.py is the contract) and writing a run atomically.

Work orders are the issued candidates with their explanation (formula, factors,
stages passed, contact window), rendered script and expiry; the holdout table is
every consented candidate the holdout kept out, with the product it would have
got; the funnel counts distinct subscribers per strategy x touchpoint x city at
each stage. A run directory is written under a temporary name, manifest last, and
renamed into place; re-running the same inputs replaces the run of the same id.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from cube.atomic import swap_in
from cube.matching.candidates import AFTER_CONSENT, ISSUED
from cube.matching.plan import MatchPlan
from cube.runs import FUNNEL, FUNNEL_STAGES, HOLDOUT, WORK_ORDERS, RunManifest, TableSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

FORMULA = "score = propensity x value x lever x routing_weight"
SPARK_TYPES = {
    "string": "string",
    "int32": "int",
    "int64": "bigint",
    "double": "double",
    "float": "float",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


def issued_at(run_date: dt.date) -> dt.datetime:
    """Orders are issued for the business day: its first instant, UTC."""
    return dt.datetime(run_date.year, run_date.month, run_date.day, tzinfo=dt.UTC)


def conform(frame: DataFrame, spec: TableSpec) -> DataFrame:
    """Exactly the contract's columns, in order, with its types."""
    from pyspark.sql import functions as F

    return frame.select(*(F.col(c.name).cast(SPARK_TYPES[c.dtype]) for c in spec.columns))


def work_orders(candidates: DataFrame, plan: MatchPlan, run_id: str) -> DataFrame:
    """One row per issued candidate, per the WORK_ORDERS contract."""
    from pyspark.sql import functions as F

    issued = candidates.where(F.col("reached") == F.lit(ISSUED))
    start = F.lit(issued_at(plan.run_date))
    parts = ["subscriber_id", "strategy_id", "product_id", "touchpoint"]
    key = F.concat_ws("|", F.lit(run_id), *(F.col(p).cast("string") for p in parts))
    dtypes = {f.name: f.dataType.typeName() for f in candidates.schema.fields}
    frame = issued.select(
        "*",
        F.substring(F.sha2(key, 256), 1, 24).alias("order_id"),
        F.lit(run_id).alias("run_id"),
        F.col("grid_id").alias("region_path"),
        _explanation(plan, "fallback_from" in dtypes).alias("explanation"),
        _script(plan, dtypes).alias("script"),
        start.alias("issued_at"),
        F.timestamp_add("DAY", F.col("ttl_days"), start).alias("expires_at"),
    )
    return conform(frame, WORK_ORDERS)


def _explanation(plan: MatchPlan, fallback: bool) -> Column:
    """The order's score formula and factors, funnel stages, contact window and rank; with
    `fallback`, the touchpoints a full capacity or its strategy's limit displaced it from
    (null if none)."""
    from pyspark.sql import functions as F

    factors = F.struct(
        "propensity",
        "propensity_source",
        "value",
        "monthly_value",
        F.lit(plan.policy.value_months).alias("value_months"),
        "commission",
        "lever",
        "priority",
        "routing_weight",
        "contact_cost",
        "score",
    )
    return F.to_json(
        F.struct(
            F.lit(FORMULA).alias("formula"),
            F.lit(f"monthly_value x {plan.policy.value_months} - commission").alias(
                "value_formula"
            ),
            F.lit("priority / 50").alias("lever_formula"),
            factors.alias("factors"),
            F.array(*(F.lit(s) for s in FUNNEL_STAGES)).alias("stages"),
            _contact_window(plan).alias("contact_window"),
            F.col("rank"),
            *([F.col("fallback_from")] if fallback else []),
        )
    )


def _contact_window(plan: MatchPlan) -> Column:
    """Quiet hours of the order's touchpoint as the local window it may be served in."""
    from pyspark.sql import functions as F

    window: Column | None = None
    for touchpoint, quiet in sorted(plan.policy.quiet_hours.items()):
        value = F.struct(
            F.lit(quiet.end.strftime("%H:%M")).alias("from"),
            F.lit(quiet.start.strftime("%H:%M")).alias("to"),
            F.lit(plan.policy.timezone).alias("timezone"),
        )
        branch = F.col("touchpoint") == F.lit(touchpoint)
        window = F.when(branch, value) if window is None else window.when(branch, value)
    return window if window is not None else F.lit(None)


def _script(plan: MatchPlan, dtypes: dict[str, str]) -> Column:
    """The strategy's script for the touchpoint, rendered; else the product's name."""
    from pyspark.sql import functions as F

    names = {p: plan.products[p].name for p in {o.product_id for o in plan.offers}}
    fallback: Column | None = None
    for product_id, name in sorted(names.items()):
        branch = F.col("product_id") == F.lit(product_id)
        fallback = F.when(branch, F.lit(name)) if fallback is None else fallback.when(branch, name)
    script: Column | None = None
    for strategy in plan.strategies:
        for touchpoint, template in sorted(strategy.compiled.scripts.items()):
            branch = (F.col("strategy_id") == F.lit(strategy.id)) & (
                F.col("touchpoint") == F.lit(touchpoint)
            )
            text = template.to_column(dtypes)
            script = F.when(branch, text) if script is None else script.when(branch, text)
    if script is None:
        return fallback if fallback is not None else F.lit("")
    return script.otherwise(fallback) if fallback is not None else script


def holdout_table(candidates: DataFrame, plan: MatchPlan, run_id: str) -> DataFrame:
    """Consented candidates the holdout kept out: one row per strategy and subscriber."""
    from pyspark.sql import functions as F

    held = candidates.where(
        (F.col("reached") == F.lit(AFTER_CONSENT)) & (F.col("dropped_by") == F.lit("holdout"))
    )
    best = F.max_by("product_id", F.struct(F.col("score"), F.col("product_id")))
    frame = held.groupBy(
        "subscriber_id", "strategy_id", "strategy_version", "network", "grid_id"
    ).agg(best.alias("product_id"))
    frame = frame.select(
        "*",
        F.lit(run_id).alias("run_id"),
        F.col("grid_id").alias("region_path"),
        F.lit(plan.period).alias("period"),
    )
    return conform(frame, HOLDOUT)


def funnel_table(candidates: DataFrame, run_id: str) -> DataFrame:
    """Distinct subscribers per strategy x touchpoint x city still in at each stage."""
    from pyspark.sql import functions as F

    keys = ["strategy_id", "touchpoint", "city_id"]
    best = candidates.groupBy(*keys, "subscriber_id").agg(F.max("reached").alias("r"))
    counts = [
        F.count_if(F.col("r") >= F.lit(i)).cast("long").alias(stage)
        for i, stage in enumerate(FUNNEL_STAGES)
    ]
    frame = best.groupBy(*keys).agg(*counts).withColumn("run_id", F.lit(run_id))
    return conform(frame, FUNNEL)


def write_run(
    tables: dict[str, DataFrame], manifest: RunManifest, runs_dir: Path
) -> tuple[Path, dict[str, int]]:
    """Write the tables and the manifest under a temporary name, then rename into place."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = runs_dir / f".staging-{manifest.run_id}-{uuid.uuid4().hex[:8]}"
    target = runs_dir / manifest.run_id
    try:
        # The tables are small jobs over the same persisted candidates: written side by
        # side, one table's driver-side planning overlaps another's Spark work.
        with ThreadPoolExecutor(len(tables) or 1) as pool:
            futures = {
                name: pool.submit(_write, frame, staging / name) for name, frame in tables.items()
            }
            counts = {name: future.result() for name, future in futures.items()}
        final = manifest.model_copy(update={"counts": counts})
        (staging / "manifest.json").write_text(final.model_dump_json(indent=2) + "\n")
        swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, counts


def _write(frame: DataFrame, path: Path) -> int:
    """Write one table; rows written, read back from the Parquet footers (no
    recomputation)."""
    frame.write.parquet(str(path))
    return frame.sparkSession.read.parquet(str(path)).count()


def manifest_json(manifest: RunManifest) -> dict[str, object]:
    return json.loads(manifest.model_dump_json())
