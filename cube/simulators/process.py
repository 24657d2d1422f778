"""The body of one simulator process: load the world, play the hours, wait, close out.

The parent talks to it over a pipe: the child says `paused` when its hours are done;
the parent lets every lease of the run lapse, says `go`; the child posts its late
results, serves what came back, and sends its report.
"""

from __future__ import annotations

import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cube.simulators.batch import BatchSystem
from cube.simulators.config import BATCH_TOUCHPOINTS, SimConfig, SystemSpec
from cube.simulators.realtime import RealtimeSystem
from cube.simulators.system import System
from cube.simulators.world import load_world


def make_system(spec: SystemSpec, config: SimConfig, world: Any, api_url: str) -> System:
    kind = BatchSystem if spec.touchpoint in BATCH_TOUCHPOINTS else RealtimeSystem
    return kind(spec, config, world, api_url)


def run_system(
    spec: SystemSpec, config: SimConfig, api_url: str, raw_dir: Path, truth_dir: Path,
    skip_holdings: str, conn: Connection,
) -> None:  # fmt: skip
    """Process entry point; every failure goes back to the parent as ('error', text)."""
    system = None
    try:
        world = load_world(raw_dir, truth_dir, config.invalid_number_rate, skip_holdings)
        system = make_system(spec, config, world, api_url)
        for hour in range(config.hours):
            system.hour(hour)
        conn.send(("paused", None))
        if conn.recv() != "go":
            return
        system.close_out()
        report = system.report
        conn.send(("report", (report.to_dict(), sorted(report.accepted_pairs))))
    except Exception as exc:  # noqa: BLE001 - the parent reports it, naming the system
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        conn.send(("error", f"{spec.name}: {detail}"))
    finally:
        if system is not None:
            system.close()
        conn.close()
