"""`cube data` commands: generate operator data, describe the data contract."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from cube.cli.output import JSON_HELP, emit, err, out, progress
from cube.errors import InputError
from cube.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def generate(
    subscribers: Annotated[int, typer.Option(help="Number of subscribers (>= 1).")],
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the contract tables (default: CUBE_RAW_DIR)."),
    ] = None,
    truth_dir: Annotated[
        Path | None,
        typer.Option(
            "--truth-out", help="Directory for the hidden truth (default: CUBE_TRUTH_DIR)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="Snapshot date YYYY-MM-DD (default: CUBE_SNAPSHOT_DATE)."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(help="Subscribers per chunk (memory against speed).")
    ] = 250_000,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Generate a synthetic operator's warehouse extracts and their hidden ground truth."""
    from cube.data.generator import generate as run

    settings = get_settings()
    snapshot = _parse_date(as_of) if as_of is not None else settings.snapshot_date
    if subscribers < 1:
        raise InputError(f"--subscribers must be at least 1, got {subscribers}")
    with progress("subscribers", total=subscribers) as advance:
        report = run(
            out_dir or settings.dir("raw"),
            truth_dir or settings.dir("truth"),
            subscribers=subscribers,
            seed=seed,
            as_of=snapshot,
            chunk_size=chunk_size,
            on_progress=advance,
        )

    def human() -> None:
        for name, table in report.tables.items():
            out.print(f"{name:<20} {table.rows:>12,} rows  {table.files:>4} files")
        out.print(
            f"{report.subscribers:,} subscribers ({report.own_subscribers:,} own-network) "
            f"as of {report.as_of} in {report.seconds:.1f}s, peak {report.peak_rss_mb:.0f} MB"
        )
        out.print(f"tables: {report.raw_dir}\ntruth:  {report.truth_dir}")

    emit(report.model_dump(mode="json"), as_json, human)


@app.command()
def contract(
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    markdown: Annotated[
        bool, typer.Option(help="Print docs/data-contract.md (the rendered contract).")
    ] = False,
) -> None:
    """Describe the input data contract: every table, column, type and rule."""
    from cube.contract import TABLES
    from cube.data.contract_doc import contract_dict, render_markdown, rules

    if markdown and as_json:
        raise InputError("choose one of --json and --markdown")
    if markdown:
        sys.stdout.write(render_markdown())
        return

    def human() -> None:
        for spec in TABLES:
            out.print(f"[bold]{spec.name}[/bold]  {spec.grain}; key {', '.join(spec.key)}")
            for col in spec.columns:
                null = "null" if col.nullable else "    "
                out.print(f"  {col.name:<24} {col.dtype:<9} {null}  {rules(col, quote='')}")
        err.print("Full description: docs/data-contract.md (cube data contract --markdown)")

    emit(contract_dict(), as_json, human)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of: '{text}' is not a date (YYYY-MM-DD)") from None
