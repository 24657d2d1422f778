"""Which checks a table gets, given what its schema, history and dimensions allow.

Planning never touches data: it reads the contract or catalogue, the usable columns
(after the schema check), the reference columns available and the row-count history,
and returns the checks to run plus notes on the ones it had to skip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from cube.contract import TABLES, TableSpec
from cube.quality.checks import (
    NETWORK_COLUMN,
    Check,
    contract_value_checks,
    drift_check,
    freshness_check,
    key_checks,
    not_empty_check,
    null_share_check,
    reference_check,
    reference_target,
    tag_value_checks,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from cube.catalogue.spec import TagSpec

Previous = tuple[dt.date, dict[str, int]] | None


def reference_sources(frames: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    """'table.column' -> dimension frame, for every referenced column present in `frames`."""
    sources: dict[str, DataFrame] = {}
    for spec in TABLES:
        for col in spec.columns:
            target = reference_target(col)
            df = frames.get(target[0]) if target is not None else None
            if target is not None and df is not None and target[1] in df.columns:
                sources[".".join(target)] = df
    return sources


def input_checks(
    spec: TableSpec,
    usable: set[str],
    *,
    references: Iterable[str],
    previous: Previous,
    drift: float,
    snapshot_date: dt.date,
    freshness_days: int,
) -> tuple[list[Check], list[str]]:
    """Every contract rule of one raw table; the first check is always `not_empty`."""
    notes: list[str] = []
    checks = [not_empty_check(spec.name), *contract_value_checks(spec, usable)]
    checks += _reference_checks(spec, usable, set(references), notes)
    checks += _drift_checks(spec, previous, drift, notes)
    if spec.date_column is not None and spec.date_column in usable:
        dtype = spec.column(spec.date_column).dtype
        checks.append(
            freshness_check(spec.name, spec.date_column, dtype, snapshot_date, freshness_days)
        )
    return checks, notes


def tag_checks(
    table: str, key: str, specs: list[TagSpec], usable: set[str], present: set[str] | None
) -> tuple[list[Check], list[str]]:
    """Key, domain and null-share rules of the tag table; the first is `not_empty`.

    `present`: networks with rows in the table, None without a network column.
    """
    notes: list[str] = []
    checks = [not_empty_check(table)]
    checks += key_checks(table, (key,)) if key in usable else []
    for spec in (s for s in specs if s.name in usable):
        checks += tag_value_checks(spec, table)
        null_share = null_share_check(spec, table, present)
        if null_share is not None:
            checks.append(null_share)
        elif present is None:
            notes.append(f"{spec.name}: null-share check skipped (no '{NETWORK_COLUMN}' column)")
        else:
            notes.append(
                f"{spec.name}: null-share check skipped (no {'/'.join(spec.networks)} rows)"
            )
    return checks, notes


def _reference_checks(
    spec: TableSpec, usable: set[str], references: set[str], notes: list[str]
) -> list[Check]:
    checks = []
    for col in spec.columns:
        target = reference_target(col)
        if target is None or col.name not in usable:
            continue
        ref = ".".join(target)
        if ref in references:
            checks.append(reference_check(spec.name, col.name, ref))
        else:
            notes.append(f"{col.name}: reference check skipped ({ref} unavailable)")
    return checks


def _drift_checks(
    spec: TableSpec, previous: Previous, drift: float, notes: list[str]
) -> list[Check]:
    """Drift against the latest earlier snapshot; dimension tables are exempt."""
    if spec.dimension:
        return []
    if previous is None:
        notes.append("row-count drift skipped: first snapshot (no earlier row counts)")
        return []
    day, counts = previous
    if not counts.get(spec.name):
        notes.append(f"row-count drift skipped: no row count recorded on {day.isoformat()}")
        return []
    return [drift_check(spec.name, counts[spec.name], day, drift)]
