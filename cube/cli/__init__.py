"""The `cube` command line: one CLI over the engine. Every reporting command has --json."""

from __future__ import annotations

import json
import sys

import typer

from cube.cli import (
    data,
    demo,
    evaluate,
    flows,
    keys,
    match,
    models,
    quality,
    serve,
    simulate,
    store,
    strategies,
    tags,
)
from cube.cli.output import err
from cube.errors import CubeError, DiagnosticError

app = typer.Typer(
    name="cube",
    help="Strategy Cube: precision-marketing orchestration for telecom operators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data.app, name="data", help="Operator data: generate, describe the contract.")
app.add_typer(tags.app, name="tags", help="Tag catalogue: build, list, graph.")
app.add_typer(models.app, name="models", help="Propensity models: list the registry, retrain.")
app.add_typer(quality.app, name="quality", help="Data quality: run the input gate by hand.")
app.add_typer(
    strategies.app, name="strategies", help="Strategy files: check, schema, forecast, explain."
)
app.add_typer(
    store.app, name="store", help="Work-order store: migrate, load runs, status, export feedback."
)
app.add_typer(
    evaluate.app, name="evaluate", help="Evaluation centre: evaluate a run; history of strategies."
)
app.add_typer(
    simulate.app, name="simulate", help="Touchpoint simulators: site keys, a cycle against the API."
)
app.add_typer(flows.app, name="flows", help="Prefect deployments of the cycle: list, serve, run.")
app.add_typer(keys.app, name="keys", help="API keys for touchpoint systems: create, list, revoke.")
app.command(name="demo")(demo.demo)
app.command(name="match", help="Match active strategies into a run of work orders.")(match.match)
app.command(name="serve", help="Serve the touchpoint API.")(serve.serve)


def main() -> None:
    """Entry point: user errors print a message (JSON with --json) and exit non-zero."""
    try:
        app()
    except CubeError as exc:
        if "--json" in sys.argv:
            sys.stdout.write(json.dumps(exc.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif isinstance(exc, DiagnosticError):
            for diagnostic in exc.diagnostics:
                err.print(diagnostic.render(), markup=False)
            err.print(f"error: {exc}", markup=False)
        else:
            err.print(f"error: {exc}", markup=False)
        raise SystemExit(exc.exit_code) from None
