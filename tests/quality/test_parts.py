"""The gate's parts without Spark: policy, messages, schema, history, reports, errors."""

from __future__ import annotations

import datetime as dt
import json

import great_expectations.expectations as gxe
import pytest

from cube.contract import table
from cube.quality import history
from cube.quality.checks import Check, drift_check, freshness_bound, value_checks
from cube.quality.engine import Outcome, grade
from cube.quality.gate import DataQualityError
from cube.quality.messages import share_text
from cube.quality.report import (
    CheckResult,
    QualityReport,
    TableReport,
    render_markdown,
    save_report,
)
from cube.quality.schema import Expected, compare, contract_columns

AS_OF = dt.date(2026, 11, 1)


def failed(table: str, message: str, severity: str = "critical") -> CheckResult:
    return CheckResult(
        table=table,
        check="key_unique",
        expectation="expect_key_to_be_unique",
        severity=severity,  # type: ignore[arg-type]
        success=False,
        message=message,
    )


@pytest.mark.parametrize(
    ("count", "total", "text"),
    [(12, 3000, "0.40%"), (1, 12_000_000, "<0.01%"), (0, 10, "0.00%"), (3, 0, "n/a")],
)
def test_share_text_never_rounds_a_failure_to_zero(count, total, text):
    assert share_text(count, total) == text


@pytest.mark.parametrize(
    ("column", "snapshot", "oldest"),
    [
        ("usage_date", dt.date(2026, 11, 1), dt.date(2026, 10, 30)),
        ("bill_month", dt.date(2026, 11, 1), dt.date(2026, 9, 1)),  # October may be pending
        ("bill_month", dt.date(2026, 11, 5), dt.date(2026, 10, 1)),
    ],
)
def test_freshness_bound_daily_and_monthly(column, snapshot, oldest):
    assert freshness_bound(column, snapshot, 2) == oldest


def test_drift_bounds_are_the_allowed_relative_change():
    check = drift_check("subscribers", 3000, AS_OF, 0.2)

    assert (check.expectation.min_value, check.expectation.max_value) == (2400, 3600)
    assert check.severity == "critical"
    assert drift_check("usage_daily", 3000, AS_OF, 0.2).severity == "warning"


def test_tiered_failures_are_graded_by_share():
    (in_set,) = value_checks("t", "c", nullable=True, allowed=("a",), low=None, high=None)

    def outcome(count: int) -> Outcome:
        return Outcome(False, "critical", "expect_column_values_to_be_in_set", None, count, 1000)

    assert grade(in_set, outcome(10)).severity == "warning"  # 1.0%
    assert grade(in_set, outcome(11)).severity == "critical"
    key = Check(
        "t", "id", "key_unique", "unique", expectation=gxe.ExpectColumnValuesToBeUnique(column="id")
    )
    assert grade(key, outcome(1)).severity == "critical"  # keys are never tiered


def test_schema_compare_missing_mistyped_and_optional():
    spec = table("plans")
    types = ("string", "string", "string", "double", "bigint", "boolean")
    actual = {c.name: t for c, t in zip(spec.columns, types, strict=True)}
    del actual["plan_name"]

    results, usable = compare("plans", contract_columns(spec), actual)

    assert [(r.message, r.severity) for r in results if not r.success] == [
        ("plans: missing column 'plan_name'", "critical"),
        ("plans.monthly_fee: column type string (expect double)", "critical"),
        ("plans.voice_min: column type bigint (expect int32)", "warning"),
    ]
    assert usable == {"plan_id", "data_gb", "voice_min", "is_5g"}
    tag_results, _ = compare("tags", [Expected("x", "int", frozenset({"int"}))], {}, optional={"x"})
    assert [(r.check, r.severity) for r in tag_results if not r.success] == [
        ("tag_present", "warning")
    ]


def test_previous_counts_is_the_latest_earlier_snapshot(settings):
    history.record_counts(settings, dt.date(2026, 10, 30), {"subscribers": 10})
    history.record_counts(settings, dt.date(2026, 10, 31), {"subscribers": 11})
    history.record_counts(settings, AS_OF, {"subscribers": 12})
    (history.counts_dir(settings) / "notes.json").write_text("{}")

    assert history.previous_counts(settings, AS_OF) == (dt.date(2026, 10, 31), {"subscribers": 11})
    assert history.previous_counts(settings, dt.date(2026, 10, 30)) is None


def test_report_saves_json_and_markdown_and_the_error_names_every_failure(settings):
    tables = [
        TableReport(
            table="subscribers",
            rows=3000,
            results=[
                failed(
                    "subscribers", "subscribers.subscriber_id: 12 of 3000 rows (0.40%) duplicated"
                ),
                failed("subscribers", "subscribers.status: rare", severity="warning"),
            ],
            notes=["row-count drift skipped: first snapshot (no earlier row counts)"],
        )
    ]
    report = QualityReport.build("inputs", AS_OF, tables, 1.234)
    path = save_report(report, settings)

    assert (report.success, report.counts.critical, report.counts.warnings) == (False, 1, 1)
    assert json.loads(path.read_text())["report_path"] == str(path)
    markdown = render_markdown(report)
    assert "# Data quality: inputs 2026-11-01 (FAILED)" in markdown
    assert "## Critical failures\n\n- subscribers.subscriber_id: 12 of 3000" in markdown
    assert "- subscribers: row-count drift skipped" in markdown
    error = DataQualityError(report)
    assert str(error) == (
        "data-quality gate 'inputs' failed for 2026-11-01: 1 critical failure(s)\n"
        "  subscribers.subscriber_id: 12 of 3000 rows (0.40%) duplicated\n"
        f"report: {path}"
    )
    assert error.to_dict()["failures"][0]["column"] is None
