"""Engine stages as Prefect log lines, so the UI shows progress inside a long task.

The engine reports its stages through an `on_stage(name)` context manager (the CLI
prints them); here each stage becomes an INFO line when it starts and when it ends,
with the detail the engine filled in (row counts, paths) and its duration.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.logging import get_run_logger


@contextmanager
def log_stage(name: str) -> Iterator[dict[str, Any]]:
    """An `on_stage` for engine calls made inside a Prefect task or flow run."""
    logger = get_run_logger()
    info: dict[str, Any] = {}
    logger.info("%s ...", name)
    started = time.perf_counter()
    yield info
    detail = f" {info['detail']}" if info.get("detail") else ""
    logger.info("done %s%s (%.1fs)", name, detail, time.perf_counter() - started)
