"""Running checks with GX Core 1.x on Spark DataFrames: ephemeral, quiet, few Spark queries.

One ephemeral context per engine (GX writes nothing to disk). Each table is a
dataframe asset whose whole-dataframe batch is validated against suites built here
(`Batch.validate`: nothing is registered in the context's stores).

GX asks Spark for one aggregate per domain and dependency level, which is cheap; what
costs at scale is the rest, so a table takes up to three passes:

1. table-level and custom checks (row count, drift, freshness, key, references) with
   `BASIC` results: their observed values are the point;
2. column-map checks (nulls, allowed sets, ranges, null shares) with `BOOLEAN_ONLY`:
   with any other format GX plans one sample query per expectation (~300 for the two
   gates), and a passing map check has nothing to report but "0 rows";
3. the failed map checks alone, with `BASIC` and a few unexpected values as examples.

A tiered rule (policy.TIERED) fails in GX on any violation; `grade` then reports a
violating share of at most RARE_SHARE as a warning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from cube.quality.checks import Check
from cube.quality.policy import RARE_SHARE, Severity
from cube.spark import AGGREGATES_PER_PASS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

EXAMPLES = 3
# Checks per GX run: GX computes a run's counts as Spark aggregates (see AGGREGATES_PER_PASS).
CHUNK = AGGREGATES_PER_PASS
_BASIC = {"result_format": "BASIC", "partial_unexpected_count": 0}
_BOOLEAN = {"result_format": "BOOLEAN_ONLY"}
_DETAILS = {"result_format": "BASIC", "partial_unexpected_count": EXAMPLES}
_META_KEY = "cube_check"


@dataclass
class Outcome:
    """What a check found, as the report needs it."""

    success: bool
    severity: Severity
    expectation: str
    observed: Any = None
    unexpected_count: int | None = None
    element_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence GX's deprecation chatter and log noise (CLI output stays readable).

    Warning filters and logger levels are process-wide: enter this once, on the main
    thread, around a whole gate run (never per validation in worker threads).
    """
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


class GxEngine:
    """An ephemeral GX context with one Spark datasource. Not thread-safe: one per thread."""

    def __init__(self) -> None:
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        self.source = self.context.data_sources.add_spark(name="cube", persist=False)
        self._names = itertools.count()

    def run(self, name: str, df: DataFrame, checks: list[Check]) -> list[Outcome]:
        """One outcome per check, in order."""
        asset = self.source.add_dataframe_asset(name=f"{name}-{next(self._names)}")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": df}
        )
        outcomes: dict[int, Outcome] = {}
        table = [i for i, c in enumerate(checks) if not c.column_map]
        column_map = [i for i, c in enumerate(checks) if c.column_map]
        for i, evr in _validate(batch, checks, table, _BASIC).items():
            outcomes[i] = _outcome(checks[i], evr)
        rows = next(
            (o.observed for i, o in outcomes.items() if checks[i].kind == "not_empty"), None
        )
        for i, evr in _validate(batch, checks, column_map, _BOOLEAN).items():
            passed = evr.success and not (evr.exception_info or {}).get("raised_exception")
            outcomes[i] = _passed_map(checks[i], evr, rows) if passed else _outcome(checks[i], evr)
        failed = [i for i in column_map if not outcomes[i].success and outcomes[i].error is None]
        for i, evr in _validate(batch, checks, failed, _DETAILS).items():
            outcomes[i] = grade(checks[i], _outcome(checks[i], evr))
        return [outcomes.get(i) or _missing(c) for i, c in enumerate(checks)]


def _validate(
    batch: Any, checks: list[Check], indices: list[int], result_format: dict[str, Any]
) -> dict[int, Any]:
    """GX results of checks[indices], by check index, validated in suites of <= CHUNK.

    Batch.validate runs a suite without registering it (or its results) in the context.
    """
    results: dict[int, Any] = {}
    for start in range(0, len(indices), CHUNK):
        chunk = indices[start : start + CHUNK]
        expectations = [
            checks[i].expectation.copy(update={"id": None, "meta": {_META_KEY: i}}) for i in chunk
        ]
        suite = gx.ExpectationSuite(name=f"checks-{start}", expectations=expectations)
        result = batch.validate(suite, result_format=result_format)
        results |= {evr.expectation_config.meta[_META_KEY]: evr for evr in result.results}
    return results


def grade(check: Check, outcome: Outcome) -> Outcome:
    """Tiered rules: a failure touching at most RARE_SHARE of the rows is a warning."""
    if outcome.success or not check.tiered or not outcome.element_count:
        return outcome
    share = (outcome.unexpected_count or 0) / outcome.element_count
    if share <= RARE_SHARE:
        outcome.severity = "warning"
    return outcome


def _outcome(check: Check, evr: Any) -> Outcome:
    """GX's result (BASIC or BOOLEAN_ONLY) as an outcome."""
    result = evr.result or {}
    info = evr.exception_info or {}
    error = None
    if info.get("raised_exception"):
        error = str(info.get("exception_message") or "unknown error").splitlines()[0]
    examples = (result.get("partial_unexpected_list") or []) if check.wants_examples else []
    return Outcome(
        success=bool(evr.success) and error is None,
        severity=check.severity,
        expectation=evr.expectation_config.type,
        observed=_plain(result.get("observed_value")),
        unexpected_count=result.get("unexpected_count"),
        element_count=result.get("element_count"),
        examples=_distinct(examples)[:EXAMPLES],
        error=error,
    )


def _passed_map(check: Check, evr: Any, rows: int | None) -> Outcome:
    """A column-map check GX passed: no violating row, unless it allows some (`mostly`)."""
    strict = check.expectation.mostly == 1
    return Outcome(
        success=True,
        severity=check.severity,
        expectation=evr.expectation_config.type,
        unexpected_count=0 if strict else None,
        element_count=rows if strict else None,
    )


def _missing(check: Check) -> Outcome:
    return Outcome(False, check.severity, "", error="GX returned no result")


def _plain(value: Any) -> Any:
    """JSON-safe observed values (GX hands back dates for column max)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _distinct(values: list[Any]) -> list[Any]:
    """Examples without repeats (a duplicated key shows up once per copy)."""
    seen: list[Any] = []
    for value in values:
        plain = _example(value)
        if plain not in seen:
            seen.append(plain)
    return seen


def _example(value: Any) -> Any:
    if isinstance(value, dict):  # compound key from a GX built-in: render as a tuple
        value = tuple(value.values())
    if isinstance(value, tuple | list):
        return "(" + ", ".join(str(_plain(v)) for v in value) + ")"
    return _plain(value)
