"""A match run end to end: inputs, plan, candidates through every stage, the run written.

`candidates` is the whole matching computation as one DataFrame (every candidate
with the stage it reached and why it stopped); `cube match`, forecast, coverage,
explain and the benchmark all read it, so they agree by construction. A region scope
(cube.matching.region) only narrows the tag table read; every stage after it is the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.errors import InputError
from cube.matching import candidates as cand
from cube.matching import frames, stages
from cube.matching.fallback import with_fallback
from cube.matching.outputs import funnel_table, holdout_table, work_orders, write_run
from cube.matching.plan import MatchPlan, build_plan, efficiency_file, is_active, load_efficiency
from cube.matching.policy import ContactPolicy, load_policy
from cube.matching.region import check_region, in_region
from cube.products import load_products
from cube.runs import RunManifest, StrategyRef
from cube.settings import Settings
from cube.strategy.compiled import CompiledStrategy

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

Stage = Callable[[str], AbstractContextManager[dict[str, Any]]]
RAW_TABLES = ("consent", "holdings", "contact_history")


@dataclass(frozen=True)
class MatchInputs:
    """The tag table and the raw extracts matching reads."""

    tags: DataFrame
    consent: DataFrame
    holdings: DataFrame
    history: DataFrame
    snapshot_date: dt.date


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    path: Path
    manifest: RunManifest


def read_inputs(
    spark: SparkSession,
    settings: Settings,
    snapshot_date: dt.date | None = None,
    region: str | None = None,
) -> MatchInputs:
    """The published tag snapshot (latest when None) and the raw extracts; with `region`,
    only the subscribers under it (an unknown region is an InputError)."""
    from tags.jobs.publish import load_snapshot, resolve_snapshot

    if region is not None:
        check_region(region, settings.dir("raw"))
    warehouse = settings.dir("warehouse")
    date = resolve_snapshot(warehouse, snapshot_date)
    raw = {}
    for name in RAW_TABLES:
        path = settings.dir("raw") / name
        if not path.exists():
            raise InputError(f"{path}: missing (run `cube data generate` or set CUBE_RAW_DIR)")
        raw[name] = spark.read.parquet(str(path))
    return MatchInputs(
        tags=in_region(load_snapshot(spark, warehouse, date), region),
        consent=raw["consent"],
        holdings=raw["holdings"],
        history=raw["contact_history"],
        snapshot_date=date,
    )


def make_plan(
    settings: Settings,
    strategies: Sequence[CompiledStrategy],
    run_date: dt.date,
    policy: ContactPolicy | None = None,
) -> MatchPlan:
    """The plan over `strategies` with the configured policy, products, models, weights."""
    from cube.catalogue import Catalogue

    if policy is None:
        policy, _ = load_policy(settings.policy_file)
    return build_plan(
        strategies,
        run_date=run_date,
        policy=policy,
        products=load_products(settings.dir("raw")),
        models=Catalogue.load().models.values(),
        efficiency=load_efficiency(efficiency_file(settings.dir("reports"))),
    )


def check_columns(tags: DataFrame, plan: MatchPlan, carry: Sequence[str] = ()) -> None:
    """Every tag the plan reads must be in the snapshot (model scores may have been skipped)."""
    have = set(tags.columns)
    missing = [n for n in [*cand.ID_COLUMNS, *cand.needed_tags(plan), *carry] if n not in have]
    if missing:
        raise InputError(
            "tag snapshot lacks column(s) " + ", ".join(missing) + " (model scores come from "
            "`cube tags build --models score`)"
        )


def candidates(
    inputs: MatchInputs,
    plan: MatchPlan,
    *,
    naive: bool = False,
    carry: Sequence[str] = (),
    persist: bool = True,
    cached: list[DataFrame] | None = None,
) -> DataFrame:
    """Every candidate through every stage. `naive` is the benchmark's baseline, the way a
    strategy at a time is matched: one query per strategy (its own scan of the tag table
    and its own joins with the facts, run and kept on its own), then the union of their
    candidates through the same stages.

    With `persist`, the frames read more than once are stored (cube.matching.frames):
    the per-subscriber stages, the naive baseline's per-strategy candidates, and what the
    fallback rounds keep (cube.matching.fallback.with_fallback). The rounds and every
    table written from the result read them instead of recomputing the joins and
    windows. Frames stored here are appended to `cached`, for the caller to release
    (`frames.release`) once written.
    """
    spark = inputs.tags.sparkSession
    carry = sorted({*cand.script_tags(plan), *carry})
    check_columns(inputs.tags, plan, carry)
    offers = cand.offer_table(spark, plan)
    kept = cached if cached is not None else []
    if naive:
        parts = []
        for strategy in plan.strategies:
            facts = cand.subscriber_facts(inputs.consent, inputs.holdings, inputs.history, plan)
            scanned = cand.scan(inputs.tags, plan, [strategy], carry)
            part = cand.expand(scanned, facts, offers, plan)
            if persist:
                # Run on its own: in one plan, Spark would share the scans and joins
                # that are identical across strategies, which a query per strategy does not.
                part = frames.store(part)
                kept.append(part)
            parts.append(part)
        expanded = parts[0]
        for part in parts[1:]:
            expanded = expanded.unionByName(part)
    else:
        facts = cand.subscriber_facts(inputs.consent, inputs.holdings, inputs.history, plan)
        expanded = cand.expand(cand.scan(inputs.tags, plan, None, carry), facts, offers, plan)
    # One shuffle by subscriber serves every per-subscriber window after it (routing's
    # subscriber x strategy included), here and in each fallback round's replay.
    expanded = expanded.repartition("subscriber_id")
    staged = stages.apply_caps(stages.arbitrate(stages.route(expanded), plan), plan)
    if not persist:
        return cand.widen(with_fallback(staged, plan), offers)
    staged = frames.store(staged)
    kept.append(staged)
    return cand.widen(with_fallback(staged, plan, kept), offers)


def run_id_for(
    plan: MatchPlan,
    snapshot_date: dt.date,
    policy_sha: str,
    strategies: Sequence[CompiledStrategy],
    region: str | None = None,
) -> str:
    """Deterministic: the same inputs on the same day give the same run (and order ids).

    A region run is `<YYYYMMDD>-<region>-<hash>`, the region also in the hash, so it never
    shares an id (nor order ids) with the whole run or another region's run of the day.
    """
    parts: dict[str, Any] = {
        "run_date": plan.run_date.isoformat(),
        "snapshot": snapshot_date.isoformat(),
        "policy": policy_sha,
        "strategies": sorted((s.id, s.strategy.version, s.sha256) for s in strategies),
        "efficiency": plan.efficiency.rows(),
    }
    if region is not None:
        parts["region"] = region
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    scope = f"{region}-" if region is not None else ""
    return f"{plan.run_date:%Y%m%d}-{scope}{digest[:10]}"


def run_match(
    spark: SparkSession,
    settings: Settings,
    strategies: Sequence[CompiledStrategy],
    *,
    run_date: dt.date,
    snapshot_date: dt.date | None = None,
    region: str | None = None,
    on_stage: Stage | None = None,
) -> RunSummary:
    """Match the active strategies on `run_date` and write the run; with `region` (a region
    path such as P1.C03), only the subscribers under it."""
    stage = on_stage or (lambda name: nullcontext({}))
    if region is not None:
        check_region(region, settings.dir("raw"))  # before any Spark work
    with stage("plan") as info:
        policy, policy_sha = load_policy(settings.policy_file)
        active = [s for s in strategies if is_active(s, run_date)]
        plan = make_plan(settings, active, run_date, policy)
        info["detail"] = f"{len(active)} active of {len(strategies)} strategies"
    with stage("inputs") as info:
        inputs = read_inputs(spark, settings, snapshot_date, region)
        where = f", region {region}" if region is not None else ""
        info["detail"] = f"tag snapshot {inputs.snapshot_date}{where}"
    run_id = run_id_for(plan, inputs.snapshot_date, policy_sha, active, region)
    manifest = RunManifest(
        run_id=run_id,
        period=plan.period,
        snapshot_date=inputs.snapshot_date,
        created_at=dt.datetime.now(dt.UTC),
        strategies=tuple(
            StrategyRef(id=s.id, version=s.strategy.version, path=str(s.path), sha256=s.sha256)
            for s in sorted(active, key=lambda s: s.id)
        ),
        policy_sha256=policy_sha,
        counts={},
    )
    with stage("match and write") as info:
        cached: list[DataFrame] = []
        try:
            written = tables(inputs, plan, run_id, cached)
            path, counts = write_run(written, manifest, settings.dir("runs"))
        finally:
            frames.release(cached)
        info["detail"] = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    final = RunManifest.model_validate_json((path / "manifest.json").read_text())
    return RunSummary(run_id=run_id, path=path, manifest=final)


def tables(
    inputs: MatchInputs, plan: MatchPlan, run_id: str, cached: list[DataFrame] | None = None
) -> dict[str, DataFrame]:
    """The run's three tables, from one candidates computation (stored into `cached`)."""
    if not plan.strategies:
        return _empty_tables(inputs.tags.sparkSession)
    found = candidates(inputs, plan, cached=cached)
    return {
        "work_orders": work_orders(found, plan, run_id),
        "holdout": holdout_table(found, plan, run_id),
        "funnel": funnel_table(found, run_id),
    }


def _empty_tables(spark: SparkSession) -> dict[str, DataFrame]:
    from pyspark.sql import types as T

    from cube.matching.outputs import SPARK_TYPES
    from cube.runs import RUN_TABLES

    out = {}
    for spec in RUN_TABLES:
        fields = [
            T.StructField(c.name, T._parse_datatype_string(SPARK_TYPES[c.dtype]))
            for c in spec.columns
        ]
        out[spec.name] = spark.createDataFrame([], T.StructType(fields))
    return out
