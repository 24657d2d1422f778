"""The evaluation report's figures, prepared from the metrics table for the charts.

Every chart input is derived from what the evaluation already computed (the metrics
table, its treated units for the cube coverage, and the metrics of earlier evaluated
runs for the trends); nothing is recomputed differently from the metrics files, so
the report and the Parquet/CSV always agree. Sums are taken over counts first and
rates derived from the sums, as in `cube.evaluation.metrics`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cube.contract import PRODUCT_CATEGORIES, TOUCHPOINTS
from cube.evaluation.report import clean, read_metrics, summaries

SUMMED = (
    "issued",
    "delivered",
    "attempted",
    "contacted",
    "accepted",
    "declined",
    "opted_out",
    "unreachable",
    "expired",
    "withdrawn",
    "superseded",
    "dead_lettered",
    "pending",
    "unloaded",
    "revenue",
    "cost",
)
REGION_LEVELS = ("county", "city", "province")  # deepest first; the first that fits is used
MAX_REGIONS = 30
TREND_CYCLES = 12
COVERAGE_KEYS = ["cell", "product_category", "touchpoint"]


def ordered(values: Any, canonical: tuple[str, ...]) -> list[str]:
    """`values` in the canonical order, unknown ones after it, sorted."""
    present = {str(v) for v in values}
    return [v for v in canonical if v in present] + sorted(present - set(canonical))


def _ratio(top: float, bottom: float) -> float | None:
    return float(top) / float(bottom) if bottom else None


def per_touchpoint(metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """Touchpoint-level rows summed over strategies: funnel, final states, ROI, value."""
    rows = metrics[metrics["level"] == "touchpoint"]
    if rows.empty:
        return []
    sums = rows.groupby("touchpoint")[list(SUMMED)].sum()
    out = []
    for touchpoint in ordered(sums.index, TOUCHPOINTS):
        row = {k: float(v) for k, v in sums.loc[touchpoint].items()}
        row["undecided"] = row["contacted"] - row["accepted"] - row["declined"] - row["opted_out"]
        row |= {"value": row["revenue"] - row["cost"], "roi": _ratio(row["revenue"], row["cost"])}
        out.append({"touchpoint": touchpoint, **row})
    return out


def uplift_rows(metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """Per strategy: each touchpoint's uplift row, then the strategy overall ('all')."""
    out = []
    pick = metrics[metrics["level"].isin(["touchpoint", "strategy"])]
    for strategy in sorted(pick["strategy_id"].unique()):
        mine = pick[pick["strategy_id"] == strategy].set_index("touchpoint")
        for touchpoint in [*ordered(mine.index.drop("all", errors="ignore"), TOUCHPOINTS), "all"]:
            if touchpoint not in mine.index:
                continue
            row = mine.loc[touchpoint]
            out.append(
                {
                    "strategy_id": strategy,
                    "touchpoint": touchpoint,
                    "uplift": clean(row["uplift"]),
                    "low": clean(row["uplift_low"]),
                    "high": clean(row["uplift_high"]),
                    "significant": clean(row["significant"]),
                    "issued": int(row["issued"]),
                    "holdout_n": int(row["holdout_n"]),
                }
            )
    return out


def region_level(metrics: pd.DataFrame) -> str:
    """The deepest region level with at most MAX_REGIONS regions (province otherwise)."""
    for level in REGION_LEVELS:
        if metrics.loc[metrics["level"] == level, "drill"].nunique() <= MAX_REGIONS:
            return level
    return "province"


def region_cells(metrics: pd.DataFrame) -> tuple[str, list[str], list[str], dict[Any, Any]]:
    """(level, regions, touchpoints, {(region, touchpoint): (conversion, text, tooltip)}):
    conversion = accepted / reached per region x touchpoint, summed over strategies; the
    MAX_REGIONS regions with most contacts when a whole province level is bigger."""
    level = region_level(metrics)
    rows = metrics[metrics["level"] == level]
    sums = rows.groupby(["drill", "touchpoint"])[["contacted", "accepted", "issued"]].sum()
    reach = sums.groupby(level="drill")["contacted"].sum().sort_values(ascending=False)
    regions = sorted(reach.index[:MAX_REGIONS])
    cells = {}
    for (region, touchpoint), row in sums.iterrows():
        if region not in regions or not row["contacted"]:
            continue
        conversion = row["accepted"] / row["contacted"]
        tooltip = (
            f"{region} · {touchpoint}: {int(row['accepted']):,} accepted of "
            f"{int(row['contacted']):,} reached ({conversion:.1%}); "
            f"{int(row['issued']):,} issued"
        )
        cells[(region, touchpoint)] = (conversion, f"{conversion:.0%}", tooltip)
    return level, regions, ordered(rows["touchpoint"], TOUCHPOINTS), cells


def coverage_table(treated: pd.DataFrame) -> pd.DataFrame:
    """Issued orders, distinct subscribers and acceptances per cube cell (lifecycle stage
    | value band) x product category x touchpoint: the strategy cube as the run used it."""
    columns = [*COVERAGE_KEYS, "lifecycle_stage", "value_band", "orders", "subscribers", "accepted"]
    if treated.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    grouped = treated.assign(is_accepted=treated["state"].eq("accepted")).groupby(COVERAGE_KEYS)
    table = grouped.agg(
        orders=("order_id", "size"),
        subscribers=("subscriber_id", "nunique"),
        accepted=("is_accepted", "sum"),
    ).reset_index()
    parts = table["cell"].str.split("|", n=1, expand=True).reindex(columns=[0, 1])
    table["lifecycle_stage"] = parts[0]
    table["value_band"] = parts[1].fillna("")
    return table[columns].astype({"orders": "int64", "subscribers": "int64", "accepted": "int64"})


def coverage_cells(coverage: pd.DataFrame) -> dict[str, Any]:
    """Heatmap input: rows category x touchpoint (all of the contract's, so the white space
    shows), columns lifecycle stage > value band (the full grid once the run knows any
    subscriber's cell), values issued orders."""
    from tags.lifecycle import STAGES
    from tags.value import VALUE_BANDS

    if coverage.empty:
        return {"rows": [], "columns": [], "labels": [], "groups": [], "cells": {}, "full": False}
    full = bool((coverage["value_band"] != "").any())
    columns, groups = [], []
    for stage in _every(coverage["lifecycle_stage"], STAGES if full else ()):
        observed = coverage.loc[coverage["lifecycle_stage"] == stage, "value_band"]
        bands = _every(observed, VALUE_BANDS) if stage in STAGES else ordered(observed, ())
        columns += [(stage, band) for band in bands]
        groups.append((stage, len(bands)))
    categories = _every(coverage["product_category"], PRODUCT_CATEGORIES)
    touchpoints = _every(coverage["touchpoint"], TOUCHPOINTS)
    cells = {}
    for rec in coverage.itertuples(index=False):
        tooltip = (
            f"{rec.lifecycle_stage} {rec.value_band} · {rec.product_category} · "
            f"{rec.touchpoint}: {rec.orders:,} orders, {rec.subscribers:,} subscribers, "
            f"{rec.accepted:,} accepted"
        )
        key = (f"{rec.product_category} · {rec.touchpoint}", rec.cell)
        cells[key] = (float(rec.orders), f"{rec.orders:,}", tooltip)
    return {
        "rows": [f"{c} · {t}" for c in categories for t in touchpoints],
        "columns": [f"{s}|{b}" if b else s for s, b in columns],
        "labels": [b or "-" for _, b in columns],
        "groups": groups,
        "cells": cells,
        "full": full,
    }


def _every(values: Any, canonical: tuple[str, ...]) -> list[str]:
    """Every canonical value, then the unknown ones present, sorted."""
    return [*canonical, *sorted({str(v) for v in values} - set(canonical))]


def trend_frames(
    reports: Path, run_id: str, run_date: str, metrics: pd.DataFrame
) -> list[tuple[str, pd.DataFrame]]:
    """(run date, metrics) of up to TREND_CYCLES evaluated runs ending with this one:
    the earlier ones (by run date, not later than this run) read from their files."""
    earlier = [s for s in summaries(reports) if s["run_id"] != run_id and s["run_date"] <= run_date]
    keep = earlier[max(len(earlier) - (TREND_CYCLES - 1), 0) :]
    frames = [(s["run_date"], read_metrics(reports, s["run_id"])) for s in keep]
    return [*frames, (run_date, metrics)]


def trend_series(
    frames: list[tuple[str, pd.DataFrame]],
) -> tuple[list[str], list[tuple[str, str, dict[str, list[Any]]]]]:
    """Cycle labels and, per metric (conversion, ROI), one series per touchpoint and 'all'."""
    labels = _unique([date for date, _ in frames])
    conversion: dict[str, list[Any]] = {}
    roi: dict[str, list[Any]] = {}
    names = ordered(
        {t for _, m in frames for t in m.loc[m["level"] == "touchpoint", "touchpoint"]}, TOUCHPOINTS
    )
    for name in [*names, "all"]:
        conversion[name], roi[name] = [], []
        for _, frame in frames:
            level = "run" if name == "all" else "touchpoint"
            rows = frame[
                (frame["level"] == level) & ((frame["touchpoint"] == name) | (name == "all"))
            ]
            sums = rows[["contacted", "accepted", "revenue", "cost"]].sum()
            conversion[name].append(_ratio(sums["accepted"], sums["contacted"]))
            roi[name].append(_ratio(sums["revenue"], sums["cost"]))
    panels = [("conversion", "accepted / reached", conversion), ("ROI", "revenue / cost", roi)]
    return labels, panels


def _unique(dates: list[str]) -> list[str]:
    """Run dates as cycle labels; a date seen twice gets '#2', '#3'..."""
    seen: dict[str, int] = {}
    out = []
    for date in dates:
        seen[date] = seen.get(date, 0) + 1
        out.append(date if seen[date] == 1 else f"{date} #{seen[date]}")
    return out
