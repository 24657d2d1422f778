"""Matching benchmark: one pass for all strategies against one query per strategy.

Same inputs (generated data, its tag snapshot, the shipped strategies and policy),
same stages after the scan; the naive approach scans the tag table and joins the
per-subscriber facts once per strategy, then unions and arbitrates. Both write
their work orders as Parquet and the order sets (ids and scores) must be equal,
so the ratio compares equal work. Also timed: `cube match` end to end in a fresh
process (Spark start, strategy check, run written), the issue's 90 s target.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cube.bench.runner import median, repeat, run_child

RUN_ID = "bench"


def _home(work: Path, subscribers: int) -> dict[str, str]:
    """The environment of a size: the tag benchmark's home (reused when already built)."""
    from cube.bench.__main__ import AS_OF, data_dirs, ensure_data

    raw = ensure_data(work, subscribers)
    return {
        "CUBE_HOME": str(work / f"home-{subscribers}"),
        "CUBE_RAW_DIR": str(raw),
        "CUBE_TRUTH_DIR": str(data_dirs(work, subscribers)[1]),
        "CUBE_SNAPSHOT_DATE": AS_OF.isoformat(),
    }


def _ensure_tags(env: dict[str, str]) -> None:
    """A tag snapshot with model scores (one training build the first time)."""
    from cube.bench.__main__ import CUBE

    if (Path(env["CUBE_HOME"]) / "warehouse" / "tags").is_dir():
        return
    built = run_child([CUBE, "tags", "build", "--models", "train", "--json"], env)
    if built.returncode != 0:
        raise SystemExit(f"tag build for the matching benchmark failed (exit {built.returncode})")


def _settings(env: dict[str, str]) -> Any:
    import datetime as dt

    from cube.settings import Settings

    return Settings(
        home=Path(env["CUBE_HOME"]),
        raw_dir=Path(env["CUBE_RAW_DIR"]),
        snapshot_date=dt.date.fromisoformat(env["CUBE_SNAPSHOT_DATE"]),
    )


def _write_orders(spark: Any, settings: Any, plan: Any, out: Path, naive: bool) -> None:
    from cube.matching import frames
    from cube.matching.engine import candidates, read_inputs
    from cube.matching.outputs import work_orders

    shutil.rmtree(out, ignore_errors=True)
    inputs = read_inputs(spark, settings)
    kept: list[Any] = []
    try:
        found = candidates(inputs, plan, naive=naive, cached=kept)
        work_orders(found, plan, RUN_ID).write.parquet(str(out))
    finally:
        frames.release(kept)


def _same_orders(left: Path, right: Path) -> int:
    """Order count; raises if the two runs' orders (ids, scores) differ."""
    import pandas as pd

    columns = ["order_id", "score", "touchpoint", "rank"]
    a = pd.read_parquet(left, columns=columns).sort_values("order_id").reset_index(drop=True)
    b = pd.read_parquet(right, columns=columns).sort_values("order_id").reset_index(drop=True)
    if not a.equals(b):
        raise AssertionError(f"one-pass and naive orders differ: {len(a)} vs {len(b)} rows")
    return len(a)


def bench_size(spark: Any, work: Path, subscribers: int, runs: int) -> dict[str, Any]:
    """One size: warm runs of both approaches, the order check, and `cube match` cold."""
    from cube.bench.__main__ import AS_OF, CUBE
    from cube.matching.engine import make_plan
    from cube.matching.plan import is_active
    from cube.products import load_products
    from cube.strategy.check import compile_strategies

    env = _home(work, subscribers)
    _ensure_tags(env)
    settings = _settings(env)
    strategies = compile_strategies(settings=settings, products=load_products(settings.dir("raw")))
    plan = make_plan(settings, [s for s in strategies if is_active(s, AS_OF)], AS_OF)
    one, naive = work / f"match-{subscribers}-one-pass", work / f"match-{subscribers}-naive"
    _write_orders(spark, settings, plan, one, naive=False)  # warm-up
    one_times = repeat(lambda: _write_orders(spark, settings, plan, one, naive=False), runs)
    naive_times = repeat(lambda: _write_orders(spark, settings, plan, naive, naive=True), runs)
    orders = _same_orders(one, naive)
    cli = run_child([CUBE, "match", "--json"], env)
    if cli.returncode != 0:
        raise SystemExit(f"cube match at {subscribers} failed (exit {cli.returncode})")
    return {
        "subscribers": subscribers,
        "strategies": len(plan.strategies),
        "orders": orders,
        "one_pass_runs": [round(t, 2) for t in one_times],
        "naive_runs": [round(t, 2) for t in naive_times],
        "one_pass_median": round(median(one_times), 2),
        "naive_median": round(median(naive_times), 2),
        "naive_over_one_pass": round(median(naive_times) / median(one_times), 2),
        "cube_match_seconds": round(cli.seconds, 1),
        "cube_match_peak_rss_mb": round(cli.peak_rss_mb),
        "run_counts": json.loads(cli.stdout).get("counts"),
    }


def bench_matching(work: Path, sizes: list[int], runs: int) -> dict[str, Any]:
    """One-pass vs naive matching at each size, on a warm Spark session."""
    from cube.settings import Settings
    from cube.spark import spark_session

    spark = spark_session(Settings(home=work / "spark-home"))
    try:
        results = [bench_size(spark, work, n, runs) for n in sizes]
    finally:
        spark.stop()
    return {"sizes": results}
