"""The quality report: what every gate run checked, found and decided, saved as JSON + Markdown.

The JSON is the record (machines, the API, later comparisons); the Markdown next to it
is the same content for a person. Both are written atomically (temp file + rename) so
a crashed or concurrent run never leaves half a report where a reader looks.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cube.atomic import write_text_atomic
from cube.quality.policy import CheckKind, Severity
from cube.settings import Settings

Stage = Literal["inputs", "tags"]
Observed = str | int | float | bool | None


class CheckResult(BaseModel):
    """One evaluated check (the effective outcome when a check runs as two severity tiers)."""

    model_config = ConfigDict(extra="forbid")

    table: str
    column: str | None = None
    check: CheckKind
    expectation: str = Field(description="GX expectation type that evaluated it.")
    severity: Severity
    success: bool
    observed_value: Observed = None
    unexpected_count: int | None = None
    unexpected_share: float | None = Field(
        default=None, description="Failing rows / rows checked (0..1)."
    )
    examples: list[Observed] = Field(default_factory=list)
    message: str | None = Field(default=None, description="One-line summary of a failure.")


class Counts(BaseModel):
    """How many checks passed, failed as warnings, failed as critical."""

    model_config = ConfigDict(extra="forbid")

    passed: int = 0
    warnings: int = 0
    critical: int = 0

    @classmethod
    def of(cls, results: list[CheckResult]) -> Counts:
        return cls(
            passed=sum(r.success for r in results),
            warnings=sum(not r.success and r.severity == "warning" for r in results),
            critical=sum(not r.success and r.severity == "critical" for r in results),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            passed=self.passed + other.passed,
            warnings=self.warnings + other.warnings,
            critical=self.critical + other.critical,
        )


class TableReport(BaseModel):
    """Everything checked on one table."""

    model_config = ConfigDict(extra="forbid")

    table: str
    rows: int | None = None
    results: list[CheckResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Checks skipped, and why.")
    counts: Counts = Field(default_factory=Counts)


class QualityReport(BaseModel):
    """The outcome of one gate run."""

    model_config = ConfigDict(extra="forbid")

    stage: Stage
    snapshot_date: dt.date
    created_at: dt.datetime
    duration_s: float
    success: bool
    counts: Counts
    tables: dict[str, TableReport]
    report_path: str | None = None

    @classmethod
    def build(
        cls, stage: Stage, snapshot_date: dt.date, tables: list[TableReport], duration_s: float
    ) -> QualityReport:
        """Assemble per-table reports; counts and success follow from the results."""
        for table in tables:
            table.counts = Counts.of(table.results)
        total = sum((t.counts for t in tables), Counts())
        return cls(
            stage=stage,
            snapshot_date=snapshot_date,
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            duration_s=round(duration_s, 2),
            success=total.critical == 0,
            counts=total,
            tables={t.table: t for t in tables},
        )

    def failures(self) -> list[CheckResult]:
        """Critical failures: these stop the build."""
        return [r for t in self.tables.values() for r in t.results if _fails(r, "critical")]

    def warnings(self) -> list[CheckResult]:
        return [r for t in self.tables.values() for r in t.results if _fails(r, "warning")]


def _fails(result: CheckResult, severity: Severity) -> bool:
    return not result.success and result.severity == severity


def report_dir(settings: Settings, snapshot_date: dt.date) -> Path:
    return settings.dir("reports") / "dq" / snapshot_date.isoformat()


def save_report(report: QualityReport, settings: Settings) -> Path:
    """Write <reports>/dq/<date>/<stage>.json and .md atomically; sets `report_path`."""
    directory = report_dir(settings, report.snapshot_date)
    path = directory / f"{report.stage}.json"
    report.report_path = str(path)
    write_text_atomic(path, report.model_dump_json(indent=2) + "\n")
    write_text_atomic(path.with_suffix(".md"), render_markdown(report))
    return path


def render_markdown(report: QualityReport) -> str:
    """The report for a person: verdict, failures, warnings, then per-table detail."""
    status = "PASSED" if report.success else "FAILED"
    c = report.counts
    lines = [
        f"# Data quality: {report.stage} {report.snapshot_date} ({status})",
        "",
        f"{c.passed} passed, {c.warnings} warning(s), {c.critical} critical failure(s) "
        f"in {report.duration_s:.1f}s; created {report.created_at.isoformat()}.",
        "",
    ]
    for title, results in (
        ("Critical failures", report.failures()),
        ("Warnings", report.warnings()),
    ):
        if results:
            lines += [f"## {title}", "", *(f"- {r.message}" for r in results), ""]
    lines += [
        "## Tables",
        "",
        "| table | rows | passed | warnings | critical |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in report.tables.values():
        rows = "-" if t.rows is None else f"{t.rows:,}"
        k = t.counts
        lines.append(f"| {t.table} | {rows} | {k.passed} | {k.warnings} | {k.critical} |")
    notes = [f"- {name}: {note}" for name, t in report.tables.items() for note in t.notes]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"
