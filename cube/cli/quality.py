"""`cube quality` commands: run the data-quality gate on the raw extracts by hand.

Great Expectations and Spark are imported inside the command, so `cube --help` and
the other commands stay fast.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cube.cli.output import JSON_HELP, date_option, emit, out, stage
from cube.settings import get_settings

if TYPE_CHECKING:
    from cube.quality.report import QualityReport

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    snapshot_date: Annotated[
        dt.datetime | None,
        date_option(
            "--snapshot-date", "Business date checked (default: CUBE_SNAPSHOT_DATE, else today)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run the input gate on the raw extracts (CUBE_RAW_DIR); exit 1 on a critical failure.

    The report is saved under <reports>/dq/<date>/inputs.json (and .md) either way.
    """
    from cube.quality.gate import check_inputs
    from cube.quality.reader import read_raw
    from cube.spark import spark_session

    settings = get_settings()
    date = snapshot_date.date() if snapshot_date else settings.snapshot_date
    with stage("start spark"):
        spark = spark_session(settings)
    with stage("read raw extracts") as info:
        frames = read_raw(spark, settings.dir("raw"))
        info["detail"] = f"{len(frames)} tables from {settings.dir('raw')}"
    with stage("check inputs") as info:
        report = check_inputs(frames, settings=settings, snapshot_date=date)
        info["detail"] = f"{report.counts.passed} checks passed"
    emit(report.model_dump(mode="json"), as_json, lambda: show(report))


def show(report: QualityReport) -> None:
    """The verdict, one line per table, then every warning."""
    c = report.counts
    verdict = "[green]passed[/green]" if report.success else "[red]FAILED[/red]"
    out.print(
        f"{report.stage} {report.snapshot_date}: {verdict} - {c.passed} passed, "
        f"{c.warnings} warning(s), {c.critical} critical ({report.duration_s:.1f}s)"
    )
    for table in report.tables.values():
        rows = "-" if table.rows is None else f"{table.rows:,}"
        k = table.counts
        out.print(
            f"  {table.table:<20} {rows:>12} rows  {k.warnings:>3} warn  {k.critical:>3} crit"
        )
    for result in report.warnings():
        out.print(f"[yellow]warning[/yellow] {escape(result.message or '')}")
    out.print(f"report: {report.report_path}", markup=False)
