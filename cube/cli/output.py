"""How commands report: `--json` for machines, readable text and progress for people.

Progress and stage lines go to stderr so `--json` output on stdout stays parseable.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JSON_HELP = "Print machine-readable JSON on stdout."


def date_option(name: str, help: str) -> Any:
    """A `--<name> YYYY-MM-DD` option (typer parses it as a datetime; use `.date()`)."""
    import typer

    return typer.Option(name, formats=["%Y-%m-%d"], help=help)


def ratio(value: float | None) -> str:
    """A ratio (ROI and the like) to two decimals; '-' when there is none."""
    return "-" if value is None else f"{value:.2f}"


def emit(data: Any, as_json: bool, human: Callable[[], None] | None = None) -> None:
    """Print `data` as JSON, or call `human` to render it for a person."""
    if as_json or human is None:
        sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        human()


@contextmanager
def stage(name: str) -> Iterator[dict[str, Any]]:
    """A stage line on stderr: name, then its result and duration when it ends.

    The yielded dict takes a `detail` the caller fills (e.g. row counts).
    """
    info: dict[str, Any] = {}
    err.print(f"[bold]>[/bold] {name} ...")
    started = time.perf_counter()
    yield info
    took = time.perf_counter() - started
    detail = f" {info['detail']}" if info.get("detail") else ""
    err.print(f"  [green]done[/green] {name}{detail} ({took:.1f}s)")


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal, periodic stage lines elsewhere; yields `advance(n)`."""
    if err.is_terminal:
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)
        return
    done = 0
    started = time.perf_counter()
    last = 0.0

    def advance(n: int = 1) -> None:
        nonlocal done, last
        done += n
        now = time.perf_counter()
        if now - last >= 2.0 or (total is not None and done >= total):
            last = now
            of = f"/{total}" if total is not None else ""
            err.print(f"  {description}: {done}{of} ({now - started:.0f}s)")

    yield advance
