"""Suites as code: GX expectations derived from the data contract and the tag catalogue.

Nothing here lists columns by hand. Each `Check` is one rule (e.g. "grid_id values
exist in regions") with the GX expectation that evaluates it, its severity (GX's own
`severity` field) and the words used when it fails. A tiered rule (policy.TIERED) is
a critical expectation that the engine grades down to a warning when few rows fail.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from cube.contract import TABLES_BY_NAME, ColumnSpec, TableSpec
from cube.quality.expectations import ExpectColumnValuesToBeInReference, ExpectKeyToBeUnique
from cube.quality.policy import (
    FIXED,
    TAG_NULL_SHARE,
    TIERED,
    CheckKind,
    Severity,
    drift_severity,
    freshness_severity,
)

if TYPE_CHECKING:
    from cube.catalogue.spec import TagSpec

NETWORK_COLUMN = "network"
COLUMN_MAP: frozenset[str] = frozenset(
    {"key_not_null", "not_null", "in_set", "non_negative", "in_range", "null_share"}
)


@dataclass
class Check:
    """One rule on one table (or column) and the GX expectation that evaluates it."""

    table: str
    column: str | None
    kind: CheckKind
    expect: str
    problem: str = ""
    population: str = "rows"
    expectation: Any = None  # the gxe.Expectation; always set by the builders below
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return "warning" if self.expectation.severity.value == "warning" else "critical"

    @property
    def tiered(self) -> bool:
        return self.kind in TIERED

    @property
    def where(self) -> str:
        return self.table if self.column is None else f"{self.table}.{self.column}"

    @property
    def column_map(self) -> bool:
        """Row-by-row rules on one column (GX column map expectations)."""
        return self.kind in COLUMN_MAP

    @property
    def wants_examples(self) -> bool:
        """Rules whose failing values help a person (not nulls, not table-level counts)."""
        return self.kind in ("key_unique", "reference", "in_set", "non_negative", "in_range")


def _make(kind: CheckKind, cls: type[gxe.Expectation], **kwargs: Any) -> Any:
    """The expectation for `kind` at its fixed severity; tiered rules are critical in GX
    and graded down to a warning by the engine when the violating share is small."""
    return cls(severity=FIXED.get(kind, "critical"), **kwargs)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def key_checks(table: str, key: tuple[str, ...]) -> list[Check]:
    """Key columns not null, and unique (compound for multi-column keys)."""
    checks = [
        Check(
            table,
            col,
            "key_not_null",
            "not null",
            "null",
            expectation=_make("key_not_null", gxe.ExpectColumnValuesToNotBeNull, column=col),
        )
        for col in key
    ]
    exp = _make("key_unique", ExpectKeyToBeUnique, key=list(key))
    where = key[0] if len(key) == 1 else f"({', '.join(key)})"
    checks.append(Check(table, where, "key_unique", "unique", "duplicated", expectation=exp))
    return checks


def value_checks(
    table: str,
    column: str,
    *,
    nullable: bool,
    allowed: tuple[str, ...] | None,
    low: float | None,
    high: float | None,
) -> list[Check]:
    """Not-null, allowed-set and range rules of one column (contract column or tag)."""
    checks: list[Check] = []
    if not nullable:
        exp = _make("not_null", gxe.ExpectColumnValuesToNotBeNull, column=column)
        checks.append(Check(table, column, "not_null", "not null", "null", expectation=exp))
    if allowed is not None:
        exp = _make(
            "in_set", gxe.ExpectColumnValuesToBeInSet, column=column, value_set=list(allowed)
        )
        expect = f"one of {', '.join(allowed)}"
        checks.append(Check(table, column, "in_set", expect, "not allowed", expectation=exp))
    if low == 0 and high is None:
        exp = _make("non_negative", gxe.ExpectColumnValuesToBeBetween, column=column, min_value=0)
        checks.append(Check(table, column, "non_negative", ">= 0", "negative", expectation=exp))
    elif low is not None or high is not None:
        exp = _make(
            "in_range",
            gxe.ExpectColumnValuesToBeBetween,
            column=column,
            min_value=low,
            max_value=high,
        )
        checks.append(
            Check(table, column, "in_range", _range(low, high), "out of range", expectation=exp)
        )
    return checks


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {_num(low)} and {_num(high)}"
    return f">= {_num(low)}" if low is not None else f"<= {_num(high)}"  # type: ignore[arg-type]


def reference_target(col: ColumnSpec) -> tuple[str, str] | None:
    """(table, column) a column must join to, when that table is a small dimension.

    References into fact tables (subscriber_id) are not checked: an anti-join of every
    fact table against a million subscribers would double the gate's cost, and the tag
    build joins on subscribers anyway (orphans simply drop out).
    """
    if col.references is None:
        return None
    ref_table, ref_col = col.references.split(".", 1)
    spec = TABLES_BY_NAME.get(ref_table)
    return (ref_table, ref_col) if spec is not None and spec.dimension else None


def reference_check(table: str, column: str, ref: str) -> Check:
    """Values exist in the dimension column `ref` ('table.column'), via a broadcast join."""
    exp = _make("reference", ExpectColumnValuesToBeInReference, column=column, reference=ref)
    return Check(table, column, "reference", f"in {ref}", "unknown", expectation=exp)


def contract_value_checks(spec: TableSpec, usable: set[str]) -> list[Check]:
    """Key, not-null, allowed and range rules of a contract table's usable columns."""
    checks = key_checks(spec.name, spec.key) if set(spec.key) <= usable else []
    for col in spec.columns:
        if col.name not in usable:
            continue
        nullable = col.nullable or col.name in spec.key  # keys are covered by key_not_null
        checks += value_checks(
            spec.name, col.name, nullable=nullable, allowed=col.allowed, low=col.min, high=col.max
        )
    return checks


def not_empty_check(table: str) -> Check:
    exp = _make("not_empty", gxe.ExpectTableRowCountToBeBetween, min_value=1)
    return Check(table, None, "not_empty", "at least 1 row", expectation=exp)


def drift_check(table: str, previous: int, previous_date: dt.date, drift: float) -> Check:
    """Row count within ±drift of the latest earlier snapshot's count."""
    low, high = math.ceil(previous * (1 - drift)), math.floor(previous * (1 + drift))
    severity = drift_severity(table)
    exp = gxe.ExpectTableRowCountToBeBetween(severity=severity, min_value=low, max_value=high)
    params = {"previous": previous, "previous_date": previous_date, "drift": drift}
    expect = f"change within ±{drift:.0%}"
    return Check(table, None, "row_count_drift", expect, expectation=exp, params=params)


def freshness_bound(column: str, snapshot_date: dt.date, days: int) -> dt.date:
    """The oldest acceptable latest date of `column`.

    Daily data: `days` before the snapshot. Monthly data (a `*_month` column holds the
    first day of the month): the month before the one `days` before the snapshot, since
    a month is only extracted once it has ended.
    """
    oldest = snapshot_date - dt.timedelta(days=days)
    if column.endswith("_month"):
        oldest = (oldest.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return oldest


def freshness_check(
    table: str, column: str, dtype: str, snapshot_date: dt.date, days: int
) -> Check:
    """Latest `column` value no older than `freshness_bound`."""
    oldest = freshness_bound(column, snapshot_date, days)
    bound: dt.date = dt.datetime.combine(oldest, dt.time()) if dtype == "timestamp" else oldest
    exp = gxe.ExpectColumnMaxToBeBetween(
        severity=freshness_severity(table), column=column, min_value=bound
    )
    params = {"snapshot_date": snapshot_date}
    expect = f"on or after {oldest.isoformat()}"
    return Check(table, column, "freshness", expect, expectation=exp, params=params)


def tag_value_checks(spec: TagSpec, table: str) -> list[Check]:
    """A tag's allowed values and range (tags may be null: null share is its own rule)."""
    return value_checks(
        table, spec.name, nullable=True, allowed=spec.allowed, low=spec.min, high=spec.max
    )


def null_share_check(spec: TagSpec, table: str, present: set[str] | None) -> Check | None:
    """Null share of a tag among rows of its networks, if that population is present.

    `present` is the set of networks in the tag table, or None when the table has no
    network column (then only tags for every network can be checked).
    """
    networks = set(spec.networks)
    if present is None:
        if networks != {"own", "other"}:
            return None
        condition, label = None, "rows"
    else:
        if not networks & present:
            return None
        every = networks >= present
        condition = None if every else Column(NETWORK_COLUMN).is_in(sorted(networks))
        label = "rows" if every else f"{'+'.join(sorted(networks))} rows"
    exp = gxe.ExpectColumnValuesToNotBeNull(
        severity="warning", column=spec.name, mostly=1 - TAG_NULL_SHARE, row_condition=condition
    )
    expect = f"at most {TAG_NULL_SHARE:.0%} null"
    return Check(
        table,
        spec.name,
        "null_share",
        expect,
        "null",
        population=label,
        expectation=exp,
    )
