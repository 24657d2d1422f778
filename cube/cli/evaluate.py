"""`cube evaluate`: evaluate a match run's outcomes, and the knowledge base of every run.

`run` writes <reports>/evaluation/<run_id>/ (metrics, posteriors, coverage, summary and
report.html, the self-contained page with the charts, whose path it prints) and the
efficiency weights the next match reads; breaches of the alert rules are listed and
posted to the configured webhook. `history` lists every strategy ever evaluated per
product category and touchpoint, so like is compared with like.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from cube.cli.output import JSON_HELP, date_option, emit, out, ratio, stage
from cube.settings import get_settings

app = typer.Typer(no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


@app.command()
def run(
    run_id: Annotated[str, typer.Argument(help="Run id (under CUBE_RUNS_DIR) or run directory.")],
    as_of: Annotated[
        dt.datetime | None,
        date_option("--as-of", "Evaluation date (default: CUBE_SNAPSHOT_DATE, else today)."),
    ] = None,
    notify: Annotated[
        bool, typer.Option("--notify/--no-notify", help="Post breaches to the webhook.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate a run: funnel, conversion, uplift, ROI, value, policy score, alerts."""
    from cube.cli.store import open_cli_store
    from cube.evaluation.engine import evaluate_run
    from cube.evaluation.report import REPORT_FILE

    settings = get_settings()
    store = open_cli_store()
    try:
        with stage(f"evaluate {run_id}") as info:
            result = evaluate_run(
                settings, run_id, store=store, as_of=as_of.date() if as_of else None, notify=notify
            )
            info["detail"] = f"{len(result.metrics):,} metric rows"
    finally:
        store.close()
    data = result.summary | {"path": str(result.path), "report": str(result.path / REPORT_FILE)}
    emit(data, as_json, lambda: _show_run(data))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _interval(row: dict[str, Any], name: str) -> str:
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    if row[name] is None or low is None:
        return "-"
    return (
        f"{row[name]:+.1%} [{low:+.1%}, {high:+.1%}]"
        if name == "uplift"
        else (f"{row[name]:.1%} [{low:.1%}, {high:.1%}]")
    )


def _show_run(data: dict[str, Any]) -> None:
    out.print(f"run {data['run_id']} of {data['run_date']}, evaluated as of {data['as_of']}")
    table = Table(title_justify="left")
    headers = ("strategy", "touchpoint", "issued", "contacted", "accepted", "conversion [95%]",
               "uplift [95%]", "sig", "ROI", "value", "score")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header in headers[:2] else "right")
    for strategy in data["strategies"]:
        rows = [*strategy["touchpoints"], (strategy["results"] or {}) | {"touchpoint": "all"}]
        for row in rows:
            if "issued" not in row:
                continue
            table.add_row(
                strategy["strategy_id"],
                row["touchpoint"],
                f"{row['issued']:,}",
                f"{row['contacted']:,}",
                f"{row['accepted']:,}",
                _interval(row, "conversion"),
                _interval(row, "uplift"),
                {True: "yes", False: "no", None: "-"}[row["significant"]],
                ratio(row["roi"]),
                f"{row['value']:,.0f}",
                "-" if row["policy_score"] is None else f"{row['policy_score']:.0f}",
            )
    out.print(table)
    for breach in data["alerts"]:
        out.print(f"  alert [{breach['severity']}] {breach['rule']}: {breach['message']}")
    if data["webhook"]:
        out.print(f"  webhook: {data['webhook']['status']}")
    out.print(f"  written to {data['path']}")
    out.print(f"  report: {data['report']}")


@app.command()
def history(
    category: Annotated[
        str | None, typer.Option("--category", help="Only this product category.")
    ] = None,
    touchpoint: Annotated[
        str | None, typer.Option("--touchpoint", help="Only this touchpoint.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every strategy ever evaluated, per product category and touchpoint, best first."""
    from cube.evaluation.report import history as knowledge_base

    rows = knowledge_base(get_settings().dir("reports"), category, touchpoint)
    emit({"rows": rows}, as_json, lambda: _show_history(rows))


def _show_history(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("no evaluated runs yet (cube evaluate run RUN_ID)")
        return
    table = Table(title_justify="left")
    headers = ("category", "touchpoint", "strategy", "v", "run date", "contacted", "conversion",
               "uplift", "ROI", "score")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header in headers[:5] else "right")
    for r in rows:
        table.add_row(
            r["product_category"],
            r["touchpoint"],
            r["strategy_id"],
            str(r["version"] or "-"),
            r["run_date"],
            f"{r['contacted']:,}",
            _pct(r["conversion"]),
            "-" if r["uplift"] is None else f"{r['uplift']:+.1%}",
            ratio(r["roi"]),
            "-" if r["policy_score"] is None else f"{r['policy_score']:.0f}",
        )
    out.print(table)
