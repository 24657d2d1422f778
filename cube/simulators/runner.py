"""Run every system of a keys file as its own process against the API, then the shops.

`simulate` starts one process per system (spawned: no state shared with the caller),
waits until all have played their hours, lets every short lease lapse (`lapse`: by
default a wall-clock wait for the server's clock; tests move a fake clock instead),
releases the closing phase, collects the reports, and finally writes the organic
purchases of the run's units as a holdings delta.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cube.simulators.client import SimulatorError
from cube.simulators.config import KeysFile, SimConfig
from cube.simulators.organic import delta_name, organic_purchases, provisioned, write_delta
from cube.simulators.process import run_system
from cube.simulators.world import load_world

TIMEOUT_SECONDS = 3600.0


def wait_wall(seconds: int) -> None:
    """Let leases of `seconds` lapse on a server that runs on the wall clock."""
    time.sleep(seconds + 0.5)


def simulate(
    api_url: str,
    keys: KeysFile,
    config: SimConfig,
    raw_dir: Path,
    truth_dir: Path,
    *,
    run_dir: Path | None = None,
    lapse: Callable[[int], None] = wait_wall,
) -> dict[str, Any]:
    """Play one cycle; the JSON-ready report: per system, totals, organic purchases."""
    skip = delta_name(run_dir.name) if run_dir is not None else ""
    ctx = mp.get_context("spawn")
    started = []
    for spec in keys.systems:
        parent, child = ctx.Pipe()
        args = (spec, config, api_url, raw_dir, truth_dir, skip, child)
        process = ctx.Process(target=run_system, args=args, name=f"sim-{spec.name}")
        process.start()
        child.close()
        started.append((spec.name, process, parent))
    try:
        _expect(started, "paused")
        lapse(config.short_lease_seconds)
        for _, _, conn in started:
            conn.send("go")
        payloads = _expect(started, "report")
    finally:
        for _, process, conn in started:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
            conn.close()
    reports = [p[0] for p in payloads]
    accepted = {(int(s), str(p)) for _, pairs in payloads for s, p in pairs}
    result: dict[str, Any] = {"systems": reports, "totals": _totals(reports)}
    if run_dir is not None:
        result["organic"] = _organic(run_dir, raw_dir, truth_dir, config, accepted, skip)
    return result


def _expect(started: list[tuple[str, Any, Any]], kind: str) -> list[Any]:
    """Each process's next message, which must be `kind`; an error in any stops the run."""
    payloads = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    for name, process, conn in started:
        while not conn.poll(0.2):
            if not process.is_alive() and not conn.poll(0):
                raise _died(name, process, kind)
            if time.monotonic() > deadline:
                raise SimulatorError(f"simulator {name} did not finish in {TIMEOUT_SECONDS}s")
        try:
            got, payload = conn.recv()
        except EOFError:  # the process closed its end: it died before saying anything
            process.join(timeout=5)
            raise _died(name, process, kind) from None
        if got == "error":
            for _, other, _ in started:
                other.terminate()
            raise SimulatorError(f"simulator failed: {payload}")
        payloads.append(payload)
    return payloads


def _died(name: str, process: Any, kind: str) -> SimulatorError:
    return SimulatorError(f"simulator {name} exited ({process.exitcode}) without sending '{kind}'")


def _totals(reports: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for report in reports:
        for name, n in report["counts"].items():
            totals[name] = totals.get(name, 0) + n
    return totals


def _organic(
    run_dir: Path, raw_dir: Path, truth_dir: Path, config: SimConfig,
    accepted: set[tuple[int, str]], skip: str,
) -> dict[str, Any]:  # fmt: skip
    world = load_world(raw_dir, truth_dir, skip_holdings=skip)
    rows = organic_purchases(run_dir, world, config.seed, accepted, config.organic_days)
    path = write_delta(raw_dir / "holdings", run_dir.name, rows + provisioned(run_dir, accepted))
    return {"purchases": len(rows), "provisioned": len(accepted), "holdings_file": str(path)}
