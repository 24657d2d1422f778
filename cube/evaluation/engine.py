"""Evaluate one match run end to end: outcomes, metrics, feedback, alerts, files.

`evaluate_run` reads the run, the store and the extracts, computes the metrics table,
learns routing weights from this and the previous evaluated runs, checks the alert
rules, writes `<reports>/evaluation/<run_id>/` atomically (tables, summary and the
HTML report), then the efficiency file the next match reads, and finally posts any
breaches to the webhook (a failed post is reported in the result and in the report, it
never undoes the evaluation).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cube.atomic import write_text_atomic
from cube.errors import InputError
from cube.evaluation import alerts, design, feedback, html, pagedata, report
from cube.evaluation.config import config_dir, load_evaluation_config
from cube.evaluation.files import write_tables
from cube.evaluation.metrics import add_budget, compute
from cube.evaluation.outcomes import Cycle, load_cycle
from cube.settings import Settings

if TYPE_CHECKING:
    from cube.store import Store


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation produced."""

    summary: dict[str, Any]
    metrics: pd.DataFrame
    posteriors: pd.DataFrame
    path: Path


def run_dir_for(settings: Settings, run: str) -> Path:
    """A run id under the runs directory, or a run directory path."""
    path = Path(run)
    return path if path.is_dir() else settings.dir("runs") / run


def evaluate_run(
    settings: Settings,
    run: str,
    *,
    store: Store | None,
    as_of: dt.date | None = None,
    notify: bool = True,
) -> Evaluation:
    """Evaluate `run` (id or directory) as of `as_of` (default: the settings' snapshot date)."""
    from cube.matching.plan import efficiency_file
    from cube.products import load_products

    run_dir = run_dir_for(settings, run)
    if not run_dir.is_dir():
        raise InputError(f"run '{run}': no such directory ({run_dir})")
    config = load_evaluation_config(config_dir(settings) / "evaluation.yaml", settings.policy_file)
    rules = alerts.load_rules(config_dir(settings) / "alerts.yaml")
    cycle = load_cycle(
        run_dir,
        raw_dir=settings.dir("raw"),
        warehouse_dir=settings.dir("warehouse"),
        products=load_products(settings.dir("raw")),
        store=store,
        as_of=as_of or settings.snapshot_date,
        window_days=config.conversion_window_days,
    )
    reports = settings.dir("reports")
    designs = design.designs(cycle.manifest)
    metrics = enrich(compute(cycle, config), cycle, designs, reports)
    counts = feedback.category_counts([*previous(reports, cycle, config), metrics])
    posteriors = feedback.posteriors(counts, config.feedback, cycle.run_id, config.cost_per_contact)
    weights = feedback.category_weights(posteriors)
    breaches = alerts.evaluate(rules, metrics)
    summary = summarise(cycle, metrics, designs, breaches, weights)
    path = report.evaluation_dir(reports) / cycle.run_id
    coverage = pagedata.coverage_table(cycle.treated)
    trends = pagedata.trend_frames(reports, cycle.run_id, summary["run_date"], metrics)

    def page() -> str:
        return html.render(summary, metrics, coverage, posteriors, trends)

    texts = {"summary.json": _json(summary), report.REPORT_FILE: page()}
    tables = {"metrics": metrics, "posteriors": posteriors, "coverage": coverage}
    write_tables(path, tables, texts)
    feedback.write_weights(efficiency_file(reports), weights)
    if notify and breaches:
        payload = {"run_id": cycle.run_id, "as_of": cycle.as_of.isoformat(), "breaches": breaches}
        summary["webhook"] = alerts.send(rules.webhook, payload)
        write_text_atomic(path / "summary.json", _json(summary))
        write_text_atomic(path / report.REPORT_FILE, page())
    return Evaluation(summary=summary, metrics=metrics, posteriors=posteriors, path=path)


def enrich(
    metrics: pd.DataFrame, cycle: Cycle, designs: list[dict[str, Any]], reports: Path
) -> pd.DataFrame:
    """Budget use, forecast and the snapshot's data-quality warnings (on the run row)."""
    metrics = add_budget(metrics, design.budgets(designs))
    ids = [ref.id for ref in cycle.manifest.strategies]
    forecast = design.read_forecasts(design.forecasts_dir(reports), ids)
    metrics = design.add_forecast(metrics, forecast)
    warnings = design.dq_warnings(reports, cycle.manifest.snapshot_date)
    return metrics.assign(dq_warnings=metrics["level"].eq("run").map({True: warnings}))


def previous(reports: Path, cycle: Cycle, config: Any) -> list[pd.DataFrame]:
    """Metrics of the latest evaluated runs before this one (lookback_runs - 1 of them)."""
    earlier = [
        s
        for s in report.summaries(reports)
        if s["run_id"] != cycle.run_id and s["run_date"] <= cycle.run_date.isoformat()
    ]
    keep = earlier[max(len(earlier) - (config.feedback.lookback_runs - 1), 0) :]
    return [report.read_metrics(reports, s["run_id"]) for s in keep]


def summarise(
    cycle: Cycle,
    metrics: pd.DataFrame,
    designs: list[dict[str, Any]],
    breaches: list[dict[str, Any]],
    weights: list[dict[str, Any]],
) -> dict[str, Any]:
    total = metrics[metrics["level"] == "run"]
    return {
        "run_id": cycle.run_id,
        "period": cycle.manifest.period,
        "run_date": cycle.run_date.isoformat(),
        "window_end": cycle.window_end.isoformat(),
        "as_of": cycle.as_of.isoformat(),
        "evaluated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "totals": report.records(total, report.HEADLINE)[0] if len(total) else None,
        "strategies": report.strategy_results(metrics, designs),
        "alerts": breaches,
        "efficiency": weights,
        "webhook": None,
    }


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
