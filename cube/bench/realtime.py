"""Real-time offers benchmark: latency of `cube serve` on PostgreSQL at a fixed request rate.

`bench_realtime` loads a run of store pop-up and internet orders (1M by default, two
per subscriber) into a fresh PostgreSQL database, starts `cube serve` as its own
process, and drives it over loopback from another process (cube.bench.loadgen, open
loop) at each rate in turn: random subscribers' offers, and one request in 100 going
on to show an offer and post its outcome; each rate is held for a short warm-up
first, after a VACUUM of the loaded queue. It reports p50 / p90 / p99 per rate and per
request kind, every non-200 status, and the queue depth (open orders) before and
after, since the figures mean little without it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.bench.orders import write_bench_run
from cube.bench.store import (
    PG_SERVER,
    BenchDatabase,
    migrated_store,
    queue_depth,
)

if TYPE_CHECKING:
    from cube.settings import Settings

# Two real-time touchpoints: each subscriber has one store pop-up and one app offer.
REALTIME_OFFERS = (
    ("store_popup", "PPHONE", "s-phone"),
    ("store_popup", "PBROADBAND", "s-bb"),
    ("internet", "PVIDEO", "s-video"),
    ("internet", "PMUSIC", "s-music"),
)
CUBE = str(Path(sys.executable).with_name("cube"))
WARM_UP_S = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    """`cube serve` in its own process; returns once /healthz answers."""
    argv = [CUBE, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=sink, stderr=sink)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"cube serve exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"cube serve did not answer /healthz within 60 s; see {log}")


def drive(
    port: int, token: str, rate: float, seconds: float, subscribers: int, seed: int
) -> dict[str, Any]:
    """One open-loop run of the load generator in its own process."""
    argv = [
        sys.executable,
        "-m",
        "cube.bench.loadgen",
        "--port",
        str(port),
        "--token",
        token,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--subscribers",
        str(subscribers),
        "--seed",
        str(seed),
    ]
    run = subprocess.run(argv, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"load generator failed (exit {run.returncode}): {run.stderr[-2000:]}")
    return json.loads(run.stdout)


def vacuum(url: str) -> None:
    """VACUUM the freshly loaded queue, as operations would after a daily load: left to
    autovacuum, the 1M inserted rows get vacuumed in the middle of the measurement and
    its CPU shows up as a burst of slow requests."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) work_orders")


def bench_realtime(
    work: Path,
    settings_factory: Callable[[str], Settings],
    *,
    orders: int = 1_000_000,
    rates: tuple[float, ...] = (200.0, 1000.0),
    seconds: float = 20.0,
    workers: int = 2,
    pg_server: str = PG_SERVER,
) -> dict[str, Any]:
    """Latency per rate against a server holding `orders` open real-time orders."""
    from cube.products import ConflictGraph

    work.mkdir(parents=True, exist_ok=True)
    run_dir = write_bench_run(
        work / "store-runs", f"bench-rt-{orders}", orders, offers=REALTIME_OFFERS
    )
    database = BenchDatabase("postgresql", work, pg_server)
    server = None
    try:
        settings = settings_factory(database.url)
        store = migrated_store(settings)
        try:
            store.load_run(run_dir, ConflictGraph([]))
            vacuum(database.url)
            token = store.create_key("bench-rt", ["store_popup", "internet"], ["P1"]).token
            depth_before = queue_depth(store)
        finally:
            store.close()
        env = {
            "CUBE_HOME": str(settings.home),
            "CUBE_DATABASE_URL": database.url,
            # The per-key limit protects production from one runaway client; here the
            # single bench key is the whole load.
            "CUBE_API_RATE_PER_SECOND": "1000000",
            "CUBE_API_RATE_BURST": "1000000",
        }
        port = free_port()
        server = start_server(env, port, workers, work / "serve.log")
        subscribers = orders // 2
        figures = []
        for i, rate in enumerate(rates):
            # Steady state at this rate: the server's pools have grown to it and its
            # statements are prepared; the warm-up's own figures are kept alongside.
            warm = drive(port, token, rate, WARM_UP_S, subscribers, seed=2 * i)
            run = drive(port, token, rate, seconds, subscribers, seed=2 * i + 1)
            figures.append({**run, "warm_up": warm["all"]})
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        after = migrated_store(settings_factory(database.url))
        try:
            depth_after = queue_depth(after)
        finally:
            after.close()
            database.drop()
    return {
        "orders": orders,
        "server_workers": workers,
        "queue_depth_before": depth_before,
        "queue_depth_after": depth_after,
        "seconds_per_rate": seconds,
        "rates": figures,
    }
