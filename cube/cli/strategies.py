"""`cube strategies` commands: check strategy files, export their JSON Schema.

Matching adds forecast, coverage and explain to this app (cube/cli/__init__.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cube.cli import match
from cube.cli.output import JSON_HELP, emit, out
from cube.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Strategy files or directories (default: CUBE_STRATEGIES_DIR)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    no_data: Annotated[
        bool, typer.Option("--no-data", help="Skip the checks on the tag snapshot (no Spark).")
    ] = False,
) -> None:
    """Check strategy files: every problem of every file in one run; exit 1 on any error.

    Errors: YAML, unknown keys, tags, products and touchpoints, types, duplicate ids,
    windows, placeholders, holdout. Warnings: expired but active, naming rule, segment
    size and conflicting overlaps on the latest tag snapshot. See docs/strategy-dsl.md.
    """
    from cube.strategy.check import check_strategies

    report = check_strategies(
        paths or None, settings=get_settings(), data=not no_data, strict=strict
    )

    def human() -> None:
        for diagnostic in report.diagnostics:
            out.print(diagnostic.render(), markup=False, emoji=False)
        for note in report.notes:
            out.print(note.render(), markup=False, emoji=False)
        out.print(report.summary(), markup=False, emoji=False)

    emit(report.to_dict(), as_json, human)
    if not report.ok:
        raise typer.Exit(1)


@app.command("schema")
def schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the schema to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of strategy files (or write it with --out)."""
    from cube.strategy.schema import render_schema, write_schema

    if out_file is None:
        sys.stdout.write(render_schema())
        return
    write_schema(out_file)
    out.print(f"wrote {out_file}", markup=False, emoji=False)


# Forecast, coverage and explain run the matching engine (cube.cli.match holds them).
app.command("forecast")(match.forecast)
app.command("coverage")(match.coverage)
app.command("explain")(match.explain)
