"""`cube demo`: the main job on embedded defaults, from nothing to two evaluated cycles.

Generate an operator, build tags and models behind the quality gates, then two monthly
cycles: match, load into SQLite, serve the API, let the touchpoint simulators work the
orders over HTTP, evaluate; the second cycle routes with what the first one learned.
Safe to re-run: the demo clears what a previous demo left and replaces its outputs
atomically (see cube.demo.runner).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from cube.cli.output import JSON_HELP, emit, out, progress, stage
from cube.settings import get_settings


def demo(
    subscribers: Annotated[int, typer.Option(min=1000, help="Subscribers to generate.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated operator.")] = 7,
    date: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Business day of the first cycle."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run the whole cube on generated data: user centre, two cycles, evaluation, summary."""
    from cube.demo.runner import DEMO_DATE, run_demo
    from cube.demo.summary import render, summarise

    day = date.date() if date else DEMO_DATE
    result = run_demo(get_settings(), subscribers=subscribers, seed=seed, date=day,
                      stage=stage, progress=progress)  # fmt: skip
    summary: dict[str, Any] = summarise(result)
    emit(summary, as_json, lambda: render(summary, out))
