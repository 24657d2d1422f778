"""From a check and its GX outcome to a report entry with a one-line, human message.

Messages name table, column, how many rows fail out of how many, what is wrong and
what was expected, e.g.
`subscribers.subscriber_id: 12 of 3000 rows (0.40%) duplicated (expect unique)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cube.quality.checks import Check
from cube.quality.engine import Outcome
from cube.quality.report import CheckResult


def to_result(check: Check, outcome: Outcome) -> CheckResult:
    """The report entry of one check."""
    share = None
    if outcome.unexpected_count is not None and outcome.element_count:
        share = outcome.unexpected_count / outcome.element_count
    return CheckResult(
        table=check.table,
        column=check.column,
        check=check.kind,
        expectation=outcome.expectation,
        severity=outcome.severity,
        success=outcome.success,
        observed_value=outcome.observed,
        unexpected_count=outcome.unexpected_count,
        unexpected_share=share,
        examples=outcome.examples,
        message=None if outcome.success else failure_message(check, outcome),
    )


def failure_message(check: Check, outcome: Outcome) -> str:
    if outcome.error is not None:
        return f"{check.where}: check '{check.kind}' could not run: {outcome.error}"
    if check.kind == "not_empty":
        return f"{check.where}: {outcome.observed} rows (expect {check.expect})"
    if check.kind == "row_count_drift":
        return _drift(check, outcome.observed)
    if check.kind == "freshness":
        return _freshness(check, outcome.observed)
    return _rows(check, outcome)


def _rows(check: Check, outcome: Outcome) -> str:
    """Row-level rules: '<n> of <total> rows (<share>) <problem> (expect ...), e.g. ...'."""
    count, total = outcome.unexpected_count or 0, outcome.element_count or 0
    text = (
        f"{check.where}: {count} of {total} {check.population} ({share_text(count, total)}) "
        f"{check.problem} (expect {check.expect})"
    )
    if outcome.examples:
        text += ", e.g. " + ", ".join(_show(v) for v in outcome.examples)
    return text


def share_text(count: int, total: int) -> str:
    """A percentage that never rounds a real failure down to 0.00%."""
    if not total:
        return "n/a"
    share = count / total
    if 0 < share < 0.0001:
        return "<0.01%"
    return f"{share:.2%}"


def _drift(check: Check, rows: Any) -> str:
    previous: int = check.params["previous"]
    change = (rows - previous) / previous if previous else float("inf")
    when: dt.date = check.params["previous_date"]
    return (
        f"{check.where}: {rows} rows, {change:+.1%} vs {previous} on {when.isoformat()} "
        f"(expect {check.expect})"
    )


def _freshness(check: Check, latest: Any) -> str:
    snapshot: dt.date = check.params["snapshot_date"]
    if latest is None:
        return f"{check.where}: no dated rows (expect {check.expect} of {snapshot.isoformat()})"
    day = dt.date.fromisoformat(str(latest)[:10])
    age = (snapshot - day).days
    return (
        f"{check.where}: latest {day.isoformat()} is {age} days before {snapshot.isoformat()} "
        f"(expect {check.expect})"
    )


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) and not value.startswith("(") else str(value)
