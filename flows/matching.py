"""The match flow: check the strategies, match them on the tag snapshot, load the work orders.

A strategy error fails the run at once (its diagnostics are an artifact, rendered like
`cube strategies check`), and so does an unknown `region` (before any task); matching
and loading retry transient failures. Artifacts:
the strategy check, the match funnel per strategy and touchpoint, the work orders
loaded per touchpoint next to the store's open queue, and a link to the run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from cube.errors import DiagnosticError
from cube.matching.region import check_region
from cube.settings import Settings
from flows import artifacts
from flows.parameters import settings_for, strategy_paths
from flows.retry import TRANSIENT_RETRY
from flows.stages import log_stage

if TYPE_CHECKING:
    from cube.matching.engine import RunSummary
    from cube.store.model import LoadReport
    from cube.strategy.compiled import CompiledStrategy


@task(name="check strategies", cache_policy=NO_CACHE, **TRANSIENT_RETRY)
def check(settings: Settings, paths: list[Path] | None) -> list[CompiledStrategy]:
    """Every error and warning of the strategy files; any error fails the run here."""
    from cube.products import load_products
    from cube.strategy.check import check_strategies, compile_strategies

    products = load_products(settings.dir("raw"))
    report = check_strategies(paths, settings=settings, products=products, data=False)
    rendered = [d.render() for d in report.diagnostics] + [n.render() for n in report.notes]
    artifacts.publish_strategy_check(rendered, report.summary())
    if not report.ok:
        raise DiagnosticError(d for d in report.diagnostics if d.severity == "error")
    return compile_strategies(paths, settings=settings, products=products)


@task(name="match", cache_policy=NO_CACHE, **TRANSIENT_RETRY)
def match(
    settings: Settings,
    strategies: list[CompiledStrategy],
    run_date: dt.date,
    region: str | None = None,
) -> RunSummary:
    """Match the active strategies in one pass (only under `region` if given) and write the
    run; publish its funnel."""
    from cube.matching.engine import run_match
    from cube.spark import spark_session

    with log_stage("start spark"):
        spark = spark_session(settings)
    summary = run_match(
        spark, settings, strategies, run_date=run_date, region=region, on_stage=log_stage
    )
    artifacts.publish_run(summary.path, summary.run_id)
    return summary


@task(name="load work orders", cache_policy=NO_CACHE, **TRANSIENT_RETRY)
def load(settings: Settings, run_dir: Path) -> LoadReport:
    """Load the run into the store (idempotent, one transaction); publish orders per touchpoint."""
    from cube.products import load_products
    from cube.store.model import Principal
    from cube.store.store import open_store

    raw = settings.dir("raw")
    conflicts = load_products(raw).conflicts if (raw / "products").exists() else None
    store = open_store(settings)
    try:
        store.migrate()
        with log_stage(f"load {run_dir.name}") as info:
            report = store.load_run(run_dir, conflicts)
            info["detail"] = f"{report.orders:,} orders"
        queue = store.queue_depth(Principal(key_id="prefect-flow", name="flows", admin=True))
    finally:
        store.close()
    artifacts.publish_load(report, artifacts.touchpoint_orders(run_dir), queue)
    return report


@flow(name="match", log_prints=True)
def match_flow(
    run_date: dt.date | None = None,
    raw_dir: str | None = None,
    strategies: list[str] | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """Match the strategies on the latest tag snapshot and load the work orders.

    run_date: the day the run is for (default: CUBE_SNAPSHOT_DATE, else today).
    strategies: strategy files or directories (default: the strategies/ directory).
    region: a region path such as P1.C03: match only the subscribers under it (default:
        everywhere); an unknown region fails the run before any task.
    """
    settings = settings_for(raw_dir=raw_dir, snapshot_date=run_date)
    region = region or None
    if region is not None:
        check_region(region, settings.dir("raw"))  # a misspelt region fails before any task
    compiled = check(settings, strategy_paths(strategies))
    summary = match(settings, compiled, settings.snapshot_date, region)
    loaded = load(settings, summary.path)
    return {
        "run_id": summary.run_id,
        "region": region,
        "path": str(summary.path),
        "counts": dict(summary.manifest.counts),
        "loaded": loaded.loaded,
        "orders": loaded.orders,
    }
