"""The evaluation's files and the knowledge base built from them.

Each evaluated run writes `<reports>/evaluation/<run_id>/` in one atomic swap:
metrics.parquet/.csv (every level), posteriors.parquet/.csv (routing feedback),
coverage.parquet/.csv (orders per cube cell x category x touchpoint), summary.json
(design and headline results per strategy, alerts, webhook outcome) and report.html
(the self-contained page with the charts, cube.evaluation.html).
The knowledge base is every summary.json plus its category-level metrics: one row per
run x strategy x touchpoint x product category, so like is compared with like.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from cube import runs
from cube.errors import InputError

HEADLINE = (
    "issued",
    "contacted",
    "accepted",
    "conversion",
    "conversion_low",
    "conversion_high",
    "takeup",
    "holdout_takeup",
    "uplift",
    "uplift_low",
    "uplift_high",
    "significant",
    "revenue",
    "cost",
    "value",
    "roi",
    "commission_paid",
    "roi_with_commission",
    "policy_score",
)


REPORT_FILE = "report.html"
# A run id as a directory name: no separators, never hidden (staging dirs start with '.').
RUN_ID_PATTERN = runs.RUN_ID_PATTERN


def evaluation_dir(reports_dir: Path) -> Path:
    return reports_dir / "evaluation"


def report_file(reports_dir: Path, run_id: str) -> Path | None:
    """The run's HTML report, or None (no such run, not evaluated, or a malformed id)."""
    if not re.match(RUN_ID_PATTERN, run_id):
        return None
    path = evaluation_dir(reports_dir) / run_id / REPORT_FILE
    return path if path.is_file() else None


def reports(reports_dir: Path) -> list[dict[str, Any]]:
    """Every run with an HTML report, newest run date first: its id, dates, alert count."""
    found = []
    root = evaluation_dir(reports_dir)
    for directory in root.iterdir() if root.is_dir() else ():
        if directory.name.startswith(".") or not (directory / REPORT_FILE).is_file():
            continue
        try:
            summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = {}
        found.append(
            {
                "run_id": directory.name,
                "period": summary.get("period"),
                "run_date": summary.get("run_date"),
                "as_of": summary.get("as_of"),
                "evaluated_at": summary.get("evaluated_at"),
                "alerts": len(summary.get("alerts") or []),
            }
        )
    return sorted(found, key=lambda r: (r["run_date"] or "", r["run_id"]), reverse=True)


def clean(value: Any) -> Any:
    """A JSON-safe scalar: NaN and NA become None, numpy numbers plain ones."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    return [{c: clean(row[c]) for c in columns} for _, row in frame.iterrows()]


def strategy_results(metrics: pd.DataFrame, design: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per strategy: its design and headline results, total and per touchpoint."""
    out = []
    for item in design:
        mine = metrics[metrics["strategy_id"] == item["strategy_id"]]
        total = mine[mine["level"] == "strategy"]
        out.append(
            item
            | {
                "results": records(total, HEADLINE)[0] if len(total) else None,
                "touchpoints": records(
                    mine[mine["level"] == "touchpoint"], ("touchpoint", *HEADLINE)
                ),
            }
        )
    return out


def summaries(reports_dir: Path) -> list[dict[str, Any]]:
    """Every evaluated run's summary.json, oldest run first (not the hidden directories an
    evaluation being written or replaced leaves for a moment)."""
    found = []
    for path in sorted(evaluation_dir(reports_dir).glob("[!.]*/summary.json")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise InputError(f"{path}: unreadable evaluation summary: {exc}") from None
    return sorted(found, key=lambda s: (s["run_date"], s["run_id"]))


def read_metrics(reports_dir: Path, run_id: str) -> pd.DataFrame:
    """A run's metrics table, in today's money definitions whenever it was written."""
    path = evaluation_dir(reports_dir) / run_id / "metrics.parquet"
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable metrics: {exc}") from None
    return restated(frame)


def restated(frame: pd.DataFrame) -> pd.DataFrame:
    """Metrics written when cost included the commission (no `cost_with_commission`
    column), restated so trends and the knowledge base compare like with like: cost is
    the contact cost, value and ROI follow, and the old ratio becomes ROI with commission."""
    if "cost_with_commission" in frame.columns or "contact_cost" not in frame.columns:
        return frame
    from cube.evaluation import stats

    out = frame.copy()
    out["cost_with_commission"] = out["cost"]
    out["roi_with_commission"] = out["roi"]
    out["cost"] = out["contact_cost"]
    out["value"] = out["revenue"] - out["cost"]
    out["roi"] = stats.proportion(out["revenue"], out["cost"])
    if "touchpoint_value" in out.columns:
        out["touchpoint_value"] = out["touchpoint_value"] + out["commission_paid"]
    return out


def history(
    reports_dir: Path, category: str | None = None, touchpoint: str | None = None
) -> list[dict[str, Any]]:
    """The knowledge base: every strategy ever evaluated, per touchpoint and product
    category, with its design summary; sorted so like sits next to like."""
    rows = []
    for summary in summaries(reports_dir):
        metrics = read_metrics(reports_dir, summary["run_id"])
        cells = metrics[metrics["level"] == "category"]
        designs = {s["strategy_id"]: s for s in summary["strategies"]}
        for record in records(cells, ("strategy_id", "touchpoint", "drill", *HEADLINE)):
            strategy = designs.get(record["strategy_id"], {})
            design = strategy.get("design") or {}
            rows.append(
                {
                    "run_id": summary["run_id"],
                    "run_date": summary["run_date"],
                    "strategy_id": record.pop("strategy_id"),
                    "version": strategy.get("version"),
                    "name": design.get("name"),
                    "direction": (design.get("cube") or {}).get("direction"),
                    "product_category": record.pop("drill"),
                    **record,
                }
            )
    rows = [
        r
        for r in rows
        if (category is None or r["product_category"] == category)
        and (touchpoint is None or r["touchpoint"] == touchpoint)
    ]
    return sorted(rows, key=_like_with_like)


def _like_with_like(row: dict[str, Any]) -> tuple[Any, ...]:
    conversion = row["conversion"] if row["conversion"] is not None else -1.0
    return (row["product_category"], row["touchpoint"], -conversion, row["run_date"])
