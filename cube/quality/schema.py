"""Schema checks, decided from the DataFrame schema alone (no Spark job, no GX).

They run before GX so a missing or mistyped column is reported precisely
(`usage_daily: missing column 'data_mb'`) and the value checks that would need it
are left out instead of crashing the suite.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from cube.contract import TableSpec
from cube.quality.policy import FIXED, CheckKind, type_severity
from cube.quality.report import CheckResult

# Contract dtype -> the Spark types that match it exactly.
CONTRACT_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"string"}),
    "int32": frozenset({"int"}),
    "int64": frozenset({"bigint"}),
    "float": frozenset({"float"}),
    "double": frozenset({"double"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "timestamp": frozenset({"timestamp", "timestamp_ntz"}),
}
# Tag dtype -> exact Spark types (an `int` tag may be int or bigint).
TAG_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"string"}),
    "int": frozenset({"int", "bigint"}),
    "double": frozenset({"double"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
}
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")


@dataclass(frozen=True)
class Expected:
    """A column a frame must have, with the Spark types that satisfy it."""

    name: str
    dtype: str
    types: frozenset[str]


def kind_of(spark_type: str) -> str:
    """Type family of a Spark simpleString: numeric, string, boolean, date, timestamp."""
    base = spark_type.split("(", 1)[0]
    if base in _NUMERIC:
        return "numeric"
    if base in ("string", "varchar", "char"):
        return "string"
    if base.startswith("timestamp"):
        return "timestamp"
    return base


def contract_columns(spec: TableSpec) -> list[Expected]:
    return [Expected(c.name, c.dtype, CONTRACT_TYPES[c.dtype]) for c in spec.columns]


def compare(
    table: str,
    expected: Iterable[Expected],
    actual: Mapping[str, str],
    *,
    optional: Collection[str] = (),
) -> tuple[list[CheckResult], set[str]]:
    """Results for missing and mistyped columns, and the columns value checks may use.

    Columns named in `optional` are tags: a missing one is a warning (`tag_present`),
    since a build may select part of the catalogue.
    """
    results: list[CheckResult] = []
    usable: set[str] = set()
    missing: set[str] = set()
    mistyped = 0
    for col in expected:
        if col.name not in actual:
            kind = "tag_present" if col.name in optional else "column_present"
            missing.add(kind)
            results.append(_missing(table, col.name, kind))
            continue
        spark_type = actual[col.name]
        if spark_type in col.types:
            usable.add(col.name)
            continue
        mistyped += 1
        result = _mistyped(table, col, spark_type)
        results.append(result)
        if result.severity == "warning":
            usable.add(col.name)
    kinds = ["column_present", *(["tag_present"] if optional else [])]
    results += [_passed(table, kind, len(usable)) for kind in kinds if kind not in missing]
    if not mistyped:
        results.append(_passed(table, "column_type", len(usable)))
    return results, usable


def _missing(table: str, column: str, kind: CheckKind) -> CheckResult:
    what = "tag column" if kind == "tag_present" else "column"
    return CheckResult(
        table=table,
        column=column,
        check=kind,
        expectation="expect_column_to_exist",
        severity=FIXED[kind],
        success=False,
        message=f"{table}: missing {what} '{column}'",
    )


def _mistyped(table: str, col: Expected, spark_type: str) -> CheckResult:
    expected_kind = kind_of(next(iter(col.types)))
    return CheckResult(
        table=table,
        column=col.name,
        check="column_type",
        expectation="expect_column_values_to_be_of_type",
        severity=type_severity(kind_of(spark_type), expected_kind),
        success=False,
        observed_value=spark_type,
        message=f"{table}.{col.name}: column type {spark_type} (expect {col.dtype})",
    )


def _passed(table: str, kind: CheckKind, columns: int) -> CheckResult:
    """One passing entry per rule and table (not one per column: the report stays short)."""
    expectation = (
        "expect_column_values_to_be_of_type" if kind == "column_type" else "expect_column_to_exist"
    )
    return CheckResult(
        table=table,
        check=kind,
        expectation=expectation,
        severity=FIXED.get(kind, "critical"),
        success=True,
        observed_value=columns,
    )
