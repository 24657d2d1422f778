"""What the evaluation knows besides outcomes: each strategy's design (from the strategy
file the run used), its forecast (if one was saved) and the data-quality warnings of the
run's snapshot.

Design: the file at the manifest's path, read only if its sha256 still matches the
manifest (otherwise the design is reported as unavailable, never a newer version's).
Forecast: `<reports>/forecasts/<strategy_id>.json`, the output of
`cube strategies forecast FILE --json` saved before launch (orders, acceptances,
revenue, cost and ROI per touchpoint). Without one the forecast columns stay empty.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cube.errors import InputError
from cube.runs import RunManifest, StrategyRef

DESIGN_FIELDS = ("name", "owner", "status", "cube", "segment", "holdout", "priority", "budget")
FORECAST_FIELDS = ("orders", "acceptances", "revenue", "cost", "roi")


def design(ref: StrategyRef) -> dict[str, Any]:
    """The design summary of one strategy as the run used it."""
    path = Path(ref.path)
    base: dict[str, Any] = {"strategy_id": ref.id, "version": ref.version, "path": ref.path}
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != ref.sha256:
        return base | {"design": None, "note": "strategy file missing or changed since the run"}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    summary = {k: data.get(k) for k in DESIGN_FIELDS}
    summary["products"] = [o.get("product") for o in data.get("offers", [])]
    summary["touchpoints"] = list((data.get("touchpoints") or {}).get("allowed", []))
    return base | {"design": json.loads(json.dumps(summary, default=str))}


def designs(manifest: RunManifest) -> list[dict[str, Any]]:
    return [design(ref) for ref in manifest.strategies]


def budgets(found: list[dict[str, Any]]) -> dict[str, float | None]:
    return {d["strategy_id"]: (d["design"] or {}).get("budget") for d in found}


def forecasts_dir(reports_dir: Path) -> Path:
    return reports_dir / "forecasts"


def read_forecasts(directory: Path, strategy_ids: list[str]) -> pd.DataFrame:
    """strategy_id, touchpoint ('all' for the total) and forecast_* columns."""
    rows = []
    for strategy_id in strategy_ids:
        path = directory / f"{strategy_id}.json"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            parts = [*data["touchpoints"], data["total"] | {"touchpoint": "all"}]
            for part in parts:
                rows.append(
                    {"strategy_id": strategy_id, "touchpoint": part["touchpoint"]}
                    | {f"forecast_{k}": _field(part, k) for k in FORECAST_FIELDS}
                )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}: not a forecast (cube strategies forecast --json): {exc}"
            ) from None
    columns = ["strategy_id", "touchpoint", *(f"forecast_{k}" for k in FORECAST_FIELDS)]
    return pd.DataFrame(rows, columns=columns)


def _field(part: dict[str, Any], name: str) -> Any:
    """A forecast figure; a forecast without `commission` priced cost with the commission
    (before cost meant contact cost only), so its cost and ROI do not compare and stay empty."""
    if name in ("cost", "roi") and "commission" not in part:
        return None
    return part.get(name)


def add_forecast(metrics: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Forecast columns on strategy and touchpoint rows, and actual / forecast ratios."""
    level_ok = metrics["level"].isin(["strategy", "touchpoint"])
    merged = metrics.merge(forecast, on=["strategy_id", "touchpoint"], how="left")
    for column in forecast.columns[2:]:
        merged[column] = merged[column].astype(float).where(level_ok.to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["accepted_vs_forecast"] = merged["accepted"] / merged["forecast_acceptances"]
        merged["revenue_vs_forecast"] = merged["revenue"] / merged["forecast_revenue"]
    return merged.replace([np.inf, -np.inf], np.nan)


def dq_warnings(reports_dir: Path, snapshot_date: Any) -> float:
    """Failed warning-level data-quality checks of the run's snapshot (NaN: no report)."""
    directory = reports_dir / "dq" / str(snapshot_date)
    found = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not found:
        return float("nan")
    total = 0
    for path in found:
        try:
            total += int(json.loads(path.read_text(encoding="utf-8"))["counts"]["warnings"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a data-quality report: {exc}") from None
    return float(total)
