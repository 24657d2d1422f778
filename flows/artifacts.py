"""What an operator reads in the Prefect UI: tables, Markdown and links built from engine output.

Every artifact has a key (the Artifacts page keeps its history run after run) and is
built from what the engine wrote (quality reports, the run's Parquet, the evaluation
summary), so the UI shows the same numbers as the files and the CLI.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

from cube.quality.report import QualityReport, render_markdown, report_dir
from cube.runs import FUNNEL_STAGES
from cube.settings import Settings

QUALITY = "data-quality"
TAG_BUILD = "tag-build"
STRATEGY_CHECK = "strategy-check"
FUNNEL = "match-funnel"
ORDERS = "work-orders-loaded"
EVALUATION = "evaluation"
ALL_KEYS = (QUALITY, TAG_BUILD, STRATEGY_CHECK, FUNNEL, ORDERS, EVALUATION)


def link(path: Path, key: str, text: str) -> None:
    """A link to a file or directory the run wrote (file:// on the machine that ran it)."""
    create_link_artifact(link=path.resolve().as_uri(), link_text=text, key=f"{key}-link")


def quality_reports(settings: Settings, date: dt.date, since: dt.datetime) -> list[QualityReport]:
    """The gate reports of `date` written at or after `since` (this run's, not older ones)."""
    found = []
    for stage in ("inputs", "tags"):
        path = report_dir(settings, date) / f"{stage}.json"
        if path.is_file():
            report = QualityReport.model_validate_json(path.read_text(encoding="utf-8"))
            if report.created_at >= since.replace(microsecond=0):
                found.append(report)
    return found


def quality_rows(reports: list[QualityReport]) -> list[dict[str, Any]]:
    """One row per gate and table: rows checked and checks passed, warned, failed."""
    return [
        {
            "gate": report.stage,
            "table": table.table,
            "rows": table.rows,
            "passed": table.counts.passed,
            "warnings": table.counts.warnings,
            "critical": table.counts.critical,
        }
        for report in reports
        for table in report.tables.values()
    ]


def publish_quality(reports: list[QualityReport]) -> None:
    """The data-quality summary table, each report as Markdown, and a link to the files."""
    if not reports:
        return
    verdict = "FAILED" if any(not r.success for r in reports) else "passed"
    date = reports[0].snapshot_date
    create_table_artifact(
        table=quality_rows(reports),
        key=QUALITY,
        description=f"Data-quality gates of snapshot {date}: {verdict}",
    )
    create_markdown_artifact(
        markdown="\n".join(render_markdown(r) for r in reports),
        key=f"{QUALITY}-report",
        description=f"Failures and warnings of snapshot {date}",
    )
    if reports[0].report_path:
        link(Path(reports[0].report_path).parent, QUALITY, f"quality reports of {date}")


def publish_build(report: Any) -> None:
    """The tag build: snapshot, subscribers, tags, seconds per stage (a BuildReport)."""
    lines = [
        f"# Tag build {report.snapshot}",
        "",
        f"{report.rows:,} subscribers ({_pairs(report.rows_by_network)}), "
        f"{report.tags} tags, models: {report.models}, validated: {report.validated}.",
        "",
        "| stage | seconds |",
        "|---|---:|",
        *(f"| {name} | {seconds:.1f} |" for name, seconds in report.seconds.items()),
        "",
        f"Published to `{report.tags_path}`.",
    ]
    create_markdown_artifact(markdown="\n".join(lines) + "\n", key=TAG_BUILD)


def publish_strategy_check(rendered: list[str], summary: str) -> None:
    """Errors and warnings of the strategy files, rendered like the CLI shows them."""
    body = "\n\n".join(rendered) if rendered else "No errors or warnings."
    markdown = (
        f"# Strategy check\n\n{summary}\n\n```\n{body}\n```\n\n"
        "The data-based audience checks scan the tag table and are not run here: "
        "`cube strategies check` runs them.\n"
    )
    create_markdown_artifact(markdown=markdown, key=STRATEGY_CHECK)


def funnel_rows(run_dir: Path) -> list[dict[str, Any]]:
    """The run's funnel per strategy and touchpoint, cities summed, stages in order."""
    import pyarrow.parquet as pq

    table = pq.read_table(run_dir / "funnel")
    if table.num_rows == 0:
        return []
    grouped = table.group_by(["strategy_id", "touchpoint"]).aggregate(
        [(stage, "sum") for stage in FUNNEL_STAGES]
    )
    rows = [
        {"strategy": r["strategy_id"], "touchpoint": r["touchpoint"]}
        | {stage: r[f"{stage}_sum"] for stage in FUNNEL_STAGES}
        for r in grouped.to_pylist()
    ]
    return sorted(rows, key=lambda r: (r["strategy"], r["touchpoint"]))


def touchpoint_orders(run_dir: Path) -> dict[str, int]:
    """Work orders of the run per touchpoint, read from its Parquet."""
    import pyarrow.parquet as pq

    table = pq.read_table(run_dir / "work_orders", columns=["touchpoint"])
    counts = table.group_by("touchpoint").aggregate([("touchpoint", "count")]).to_pydict()
    return dict(sorted(zip(counts["touchpoint"], counts["touchpoint_count"], strict=True)))


def publish_run(run_dir: Path, run_id: str) -> None:
    """The match funnel table and a link to the run directory."""
    rows = funnel_rows(run_dir)
    create_table_artifact(
        table=rows or [{"note": "no active strategy: nothing matched"}],
        key=FUNNEL,
        description=f"Match funnel of run {run_id}: candidates kept by each stage",
    )
    link(run_dir, FUNNEL, f"run {run_id}")


def publish_load(report: Any, in_run: dict[str, int], queue: dict[str, int]) -> None:
    """Work orders loaded per touchpoint, next to what is waiting in the store now."""
    rows = [
        {"touchpoint": tp, "orders_in_run": in_run.get(tp, 0), "open_in_store": queue.get(tp, 0)}
        for tp in sorted({*in_run, *queue})
    ]
    what = (
        f"loaded {report.orders:,} orders ({report.superseded:,} superseded, "
        f"{report.withdrawn_for_consent:,} withdrawn for consent)"
        if report.loaded
        else "already loaded: nothing changed"
    )
    create_table_artifact(
        table=rows or [{"note": "the run has no work orders"}],
        key=ORDERS,
        description=f"Run {report.run_id}: {what}",
    )


def evaluation_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per strategy and touchpoint: issued, contacted, accepted, conversion, uplift, ROI."""
    rows = []
    for strategy in summary["strategies"]:
        for row in strategy["touchpoints"]:
            rows.append(
                {
                    "strategy": strategy["strategy_id"],
                    "touchpoint": row["touchpoint"],
                    "issued": row["issued"],
                    "contacted": row["contacted"],
                    "accepted": row["accepted"],
                    "conversion": _round(row["conversion"]),
                    "uplift": _round(row["uplift"]),
                    "significant": row["significant"],
                    "roi": _round(row["roi"]),
                }
            )
    return rows


def publish_evaluation(summary: dict[str, Any], path: Path) -> None:
    """Results per strategy and touchpoint, the alerts raised, and a link to the report."""
    alerts = summary.get("alerts") or []
    create_table_artifact(
        table=evaluation_rows(summary) or [{"note": "no strategy in this run"}],
        key=EVALUATION,
        description=f"Run {summary['run_id']} evaluated as of {summary['as_of']}: "
        f"{len(alerts)} alert(s)",
    )
    if alerts:
        lines = [f"- **{a['severity']}** {a['rule']}: {a['message']}" for a in alerts]
        create_markdown_artifact(
            markdown="# Alerts\n\n" + "\n".join(lines) + "\n", key=f"{EVALUATION}-alerts"
        )
    link(path / "report.html", EVALUATION, f"evaluation report of {summary['run_id']}")


def publish_note(key: str, text: str) -> None:
    """A one-paragraph Markdown note (e.g. why a scheduled run had nothing to do)."""
    create_markdown_artifact(markdown=text + "\n", key=key)


def _pairs(values: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in values.items())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
