"""Running suites with GX Core 1.x on Spark DataFrames: ephemeral, quiet, few Spark jobs.

One ephemeral context per gate run (nothing is written to disk by GX). Each table is
a dataframe asset with a whole-dataframe batch definition, validated through a
ValidationDefinition. The first pass asks GX for counts only
(`partial_unexpected_count: 0` makes the sample query a LIMIT 0 that Spark answers
without a job; GX bundles the counting metrics of a table into one aggregate per
domain). Only failed checks go through a second, small pass that fetches examples
(the reference expectation brings its own).
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
from great_expectations.data_context.types.base import ProgressBarsConfig

from cube.quality.checks import Check
from cube.quality.policy import Severity

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

EXAMPLES = 3
_COUNTS_ONLY = {"result_format": "BASIC", "partial_unexpected_count": 0}
_WITH_EXAMPLES = {"result_format": "BASIC", "partial_unexpected_count": EXAMPLES}
_META_KEY = "cube_check"


@dataclass
class Outcome:
    """The effective result of one check (the failing tier, if any)."""

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
    """An ephemeral GX context with one Spark datasource; validates frames against checks.

    Not thread-safe: use one engine per thread.
    """

    def __init__(self) -> None:
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_spark(name="cube", persist=False)
        self._names = itertools.count()

    def run(self, name: str, df: DataFrame, checks: list[Check]) -> list[Outcome]:
        """One outcome per check, in order; failed checks that want them get examples."""
        if not checks:
            return []
        results = self._validate(name, df, checks, _COUNTS_ONLY)
        outcomes = [_outcome(check, results.get(i)) for i, check in enumerate(checks)]
        self._add_examples(name, df, checks, outcomes)
        return outcomes

    def _validate(
        self, name: str, df: DataFrame, checks: list[Check], result_format: dict[str, Any]
    ) -> dict[int, Any]:
        """Run the checks' expectations as one suite; GX results by check index."""
        unique = f"{name}-{next(self._names)}"
        expectations = [
            check.expectation.copy(update={"id": None, "meta": {_META_KEY: index}})
            for index, check in enumerate(checks)
        ]
        with quiet():
            suite = gx.ExpectationSuite(name=unique, expectations=expectations)
            suite = self.context.suites.add(suite)
            batch = self.source.add_dataframe_asset(
                name=unique
            ).add_batch_definition_whole_dataframe("whole")
            definition = gx.ValidationDefinition(name=unique, data=batch, suite=suite)
            definition = self.context.validation_definitions.add(definition)
            result = definition.run(batch_parameters={"dataframe": df}, result_format=result_format)
        return {evr.expectation_config.meta[_META_KEY]: evr for evr in result.results}

    def _add_examples(
        self, name: str, df: DataFrame, checks: list[Check], outcomes: list[Outcome]
    ) -> None:
        """Second pass over failed checks only, to show a few offending values."""
        wanted = [
            i
            for i, (check, outcome) in enumerate(zip(checks, outcomes, strict=True))
            if not outcome.success and outcome.error is None and check.wants_examples
        ]
        if not wanted:
            return
        results = self._validate(
            f"{name}-examples", df, [checks[i] for i in wanted], _WITH_EXAMPLES
        )
        for position, index in enumerate(wanted):
            evr = results.get(position)
            values = ((evr.result or {}) if evr is not None else {}).get("partial_unexpected_list")
            outcomes[index].examples = _distinct(values or [])[:EXAMPLES]


def _outcome(check: Check, evr: Any) -> Outcome:
    """GX's result as the report sees it; a tiered check passed by `mostly` while some
    rows still violate it is a warning."""
    if evr is None:
        return Outcome(False, check.severity, "", error="GX returned no result")
    result = evr.result or {}
    info = evr.exception_info or {}
    error = None
    if info.get("raised_exception"):
        error = str(info.get("exception_message") or "unknown error").splitlines()[0]
    success, severity = bool(evr.success) and error is None, check.severity
    unexpected = result.get("unexpected_count")
    if success and check.tiered and unexpected:
        success, severity = False, "warning"
    return Outcome(
        success=success,
        severity=severity,
        expectation=evr.expectation_config.type,
        observed=_plain(result.get("observed_value")),
        unexpected_count=unexpected,
        element_count=result.get("element_count"),
        examples=_distinct(result.get("partial_unexpected_list") or [])[:EXAMPLES],
        error=error,
    )


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
