"""One marketing cycle of the demo: match, load, serve, simulate, feed back, evaluate.

The API runs in this process (uvicorn in a thread) over the demo's SQLite store, and
the touchpoint simulators are separate processes speaking HTTP to it with their own
scoped keys. The store's clock starts at 08:00 of the run's business day and then
runs at wall-clock speed, so a demo pinned to a date inside the example strategies'
validity behaves the same whatever day it is run: orders are leased before they
expire, contacts are stamped on the cycle's day, and the next cycle's contact caps
see them.

After the simulated day the operator's side is played as an operator's ETL would:
the store's contact history is written where the next contact-history extract would
show it, and the simulators have already written accepted offers and shop purchases
to the holdings delta. The evaluation then runs as of the end of the conversion
window, so shop purchases spread over the window count for both arms.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from cube.evaluation.engine import Evaluation
    from cube.matching.engine import RunSummary, Stage
    from cube.products import ProductCatalogue
    from cube.store import Store

STORE_EXPORT = "part-store-export.parquet"
DAY_STARTS_AT = 8  # hour (UTC) at which the simulated business day opens
# Working hours the touchpoints play per cycle: six keep the three simulated days of the
# default demo (cycle 1, cycle 2 and its counterfactual) inside its ten-minute budget.
DAY_HOURS = 6


@dataclass(frozen=True)
class CycleResult:
    """What one cycle issued, what the touchpoints did, and what the evaluation measured."""

    index: int
    run_id: str
    run_date: dt.date
    orders: dict[str, int]
    holdout: int
    simulation: dict[str, Any]
    totals: dict[str, Any]
    by_touchpoint: list[dict[str, Any]]
    report_dir: Path


class SimulatedClock:
    """Wall-clock time shifted so that it reads `start` when created."""

    def __init__(self, start: dt.datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._origin)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, DAY_STARTS_AT, tzinfo=dt.UTC)


def run_cycle(
    spark: SparkSession,
    settings: Settings,
    *,
    index: int,
    run_date: dt.date,
    keys_file: Path,
    seed: int,
    stage: Stage,
    label: str | None = None,
) -> CycleResult:
    """Play cycle `index` on `run_date` end to end; every step reports as a stage
    (named by `label`, default "cycle <index>")."""
    from cube.evaluation.config import config_dir, load_evaluation_config
    from cube.products import load_products

    prefix = f"{label or f'cycle {index}'}:"
    products = load_products(settings.dir("raw"))
    matched = match(spark, settings, products, run_date, stage, prefix)
    store = open_demo_store(settings, day_start(run_date))
    try:
        with stage(f"{prefix} load work orders into the store") as info:
            # The conflict graph lets an acceptance withdraw conflicting sibling orders.
            loaded = store.load_run(matched.path, products.conflicts)
            info["detail"] = f"{loaded.orders:,} orders"
        simulation = simulate(settings, store, matched.path, keys_file, seed, stage, prefix)
        with stage(f"{prefix} contact history back to the extracts") as info:
            info["detail"] = f"{export_contacts(store, settings.dir('raw')):,} contacts"
        window = load_evaluation_config(
            config_dir(settings) / "evaluation.yaml", settings.policy_file
        )
        as_of = run_date + dt.timedelta(days=window.conversion_window_days)
        with stage(f"{prefix} evaluate as of {as_of}") as info:
            evaluation = evaluate(settings, store, matched.run_id, as_of)
            info["detail"] = str(evaluation.path)
    finally:
        store.close()
    return result(index, matched, run_date, simulation, evaluation)


def match(
    spark: SparkSession,
    settings: Settings,
    products: ProductCatalogue,
    run_date: dt.date,
    stage: Stage,
    prefix: str,
) -> RunSummary:
    """Check and compile the strategies (any error stops the demo), then match them."""
    from cube.matching.engine import run_match
    from cube.strategy.check import compile_strategies

    with stage(f"{prefix} check strategies") as info:
        compiled = compile_strategies(settings=settings, products=products)
        info["detail"] = f"{len(compiled)} strategies"

    def prefixed(name: str) -> Any:
        return stage(f"{prefix} match: {name}")

    return run_match(spark, settings, compiled, run_date=run_date, on_stage=prefixed)


def open_demo_store(settings: Settings, start: dt.datetime) -> Store:
    """The settings' store with the contact policy's caps, on the cycle's clock."""
    from cube.store.caps import caps_from_policy
    from cube.store.store import open_store

    store = open_store(
        settings,
        clock=SimulatedClock(start),
        caps=caps_from_policy(settings.policy_file),
        lease_seconds=settings.store_lease_seconds,
        max_attempts=settings.store_max_attempts,
    )
    store.migrate()
    return store


def simulate(
    settings: Settings,
    store: Store,
    run_dir: Path,
    keys_file: Path,
    seed: int,
    stage: Stage,
    prefix: str,
) -> dict[str, Any]:
    """Serve the API over `store` and play the touchpoints' day against it."""
    from api.app import create_app
    from api.inprocess import serving
    from cube.simulators.config import SimConfig, load_keys
    from cube.simulators.runner import simulate as play

    config = SimConfig(seed=seed, start=store.clock(), hours=DAY_HOURS)
    keys = load_keys(keys_file)
    with stage(f"{prefix} touchpoints work the day over HTTP") as info:
        with serving(create_app(settings, store=store)) as url:
            report = play(url, keys, config, settings.dir("raw"), settings.dir("truth"),
                          run_dir=run_dir)  # fmt: skip
        totals = report["totals"]
        info["detail"] = (
            f"{totals['recorded']:,} results, {totals['offers_shown']:,} offers shown, "
            f"{report['organic']['purchases']:,} shop purchases"
        )
    return report


def export_contacts(store: Store, raw_dir: Path) -> int:
    """Write every contact the store recorded into the contact-history extract."""
    from cube.store.admin import write_parquet

    history = store.contact_history()
    write_parquet(history, raw_dir / "contact_history" / STORE_EXPORT)
    return history.num_rows


def evaluate(settings: Settings, store: Store, run_id: str, as_of: dt.date) -> Evaluation:
    from cube.evaluation.engine import evaluate_run

    return evaluate_run(settings, run_id, store=store, as_of=as_of, notify=False)


def result(
    index: int,
    matched: RunSummary,
    run_date: dt.date,
    simulation: dict[str, Any],
    evaluation: Evaluation,
) -> CycleResult:
    """The cycle's figures: orders per touchpoint, run totals, per-touchpoint metrics."""
    metrics = evaluation.metrics
    rows = metrics[metrics["level"] == "touchpoint"].groupby("touchpoint")
    columns = ["issued", "contacted", "accepted", "revenue", "cost"]
    by_touchpoint = [
        {"touchpoint": tp, **{c: float(frame[c].sum()) for c in columns}} for tp, frame in rows
    ]
    orders = {row["touchpoint"]: int(row["issued"]) for row in by_touchpoint}
    return CycleResult(
        index=index,
        run_id=matched.run_id,
        run_date=run_date,
        orders=orders,
        holdout=int(matched.manifest.counts.get("holdout", 0)),
        simulation=simulation,
        totals=evaluation.summary["totals"] or {},
        by_touchpoint=by_touchpoint,
        report_dir=evaluation.path,
    )
