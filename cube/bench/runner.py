"""Timing helpers: repeated runs, medians, child processes with their peak memory."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: wall time, peak resident memory, output."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str


def run_child(argv: list[str], env: Mapping[str, str] | None = None) -> ChildRun:
    """Run a command and measure it; peak RSS is the child's own (os.wait4 rusage)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    # Linux reports ru_maxrss in KiB.
    return ChildRun(seconds, usage.ru_maxrss / 1024, proc.returncode, stdout)


def repeat(fn: Callable[[], object], runs: int) -> list[float]:
    """Wall seconds of `runs` calls of fn."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "python": sys.version.split()[0],
        "java": java.splitlines()[0] if java else "missing",
        "os": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }
