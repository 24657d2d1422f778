"""Work-order store benchmark: bulk load, and lease + result throughput from other processes.

`bench_store` measures, per backend (PostgreSQL and SQLite):

- **load**: `Store.load_run` of a generated match run (>= 1M orders by default) into a
  fresh, migrated database, median of `runs` loads, in orders per second;
- **lease + result**: `workers` separate processes (multiprocessing, spawn), each with
  its own in-process `Store` and its own API key, leasing `batch` orders and posting a
  result for every one, as fast as they can for `seconds`; median of `runs`, in orders
  per second (an order counts once its result is recorded), with the queue depth (open,
  unexpired orders) measured before and after each run.

The run directory is generated once (cube.bench.orders) and reused.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.bench.orders import BATCH_OFFERS, write_bench_run
from cube.bench.runner import median

if TYPE_CHECKING:
    from cube.settings import Settings
    from cube.store import CapPolicy, Store

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
BACKENDS = ("postgresql", "sqlite")
# Half the acceptances withdraw the subscriber's order on the other touchpoint.
_CONFLICTS = (("P5G-UP", "PDATA"),)
# How touchpoints answer (per 100 results): mostly no decision, a few accept, rare opt-out.
_OUTCOMES = ("contacted",) * 40 + ("no_answer",) * 30 + ("declined",) * 22
_OUTCOMES += ("accepted",) * 5 + ("invalid_number",) * 2 + ("opted_out",)


# -- databases ----------------------------------------------------------------------------------


class BenchDatabase:
    """A fresh database of one backend for one measurement; `drop` removes it."""

    def __init__(self, backend: str, work: Path, pg_server: str) -> None:
        self.backend = backend
        self.pg_server = pg_server
        self.name = f"cube_bench_{secrets.token_hex(4)}"
        if backend == "sqlite":
            self.path = work / f"{self.name}.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self._admin(f"CREATE DATABASE {self.name}")
            self.url = f"{pg_server}/{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_server}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def settle(self) -> None:
        """Let the server finish writing what earlier work left behind (PostgreSQL: a
        CHECKPOINT), so a measurement starts from a quiet server. Without it a load's
        WAL triggers a checkpoint that runs through the next load measured: back to back,
        the second and third of three 1M-order loads took 10.5 s against 9.1 s for the
        first. A load's own checkpoint still counts in its time."""
        if self.backend == "postgresql":
            self._admin("CHECKPOINT")

    def drop(self) -> None:
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def migrated_store(settings: Settings, **options: Any) -> Store:
    from cube.store import open_store

    store = open_store(settings, **options)
    store.migrate()
    return store


def queue_depth(store: Store) -> int:
    from cube.store import Principal

    admin = Principal(key_id="bench-admin", admin=True)
    return sum(store.queue_depth(admin).values())


# -- measurements -------------------------------------------------------------------------------


def bench_load(settings: Settings, run_dir: Path) -> dict[str, Any]:
    """One load of `run_dir` into the (fresh) database the settings name."""
    from cube.products import ConflictGraph

    store = migrated_store(settings)
    try:
        started = time.perf_counter()
        report = store.load_run(run_dir, ConflictGraph(_CONFLICTS))
        seconds = time.perf_counter() - started
    finally:
        store.close()
    return {
        "orders": report.orders,
        "seconds": round(seconds, 2),
        "orders_per_s": round(report.orders / seconds),
    }


def bench_caps() -> CapPolicy:
    """The frequency caps of the shipped contact policy, as the API builds them, without
    its quiet hours: the bench measures throughput on the real clock, whatever the hour."""
    from cube.settings import Settings
    from cube.store.caps import caps_from_policy

    return caps_from_policy(Settings().policy_file).model_copy(update={"quiet_hours": {}})


def _worker(
    url: str, key_id: str, touchpoint: str, batch: int, barrier: Any, stop_in: float, out: Any
) -> None:
    """One touchpoint system: lease `batch`, post a result for each, until time is up."""
    import random

    from cube.store import Principal, ResultIn
    from cube.store.backend import open_backend
    from cube.store.store import Store

    store = Store(open_backend(url), caps=bench_caps(), lease_seconds=600)
    who = Principal(key_id=key_id, touchpoints=frozenset([touchpoint]), region_prefixes=("P1",))
    rand = random.Random(key_id)
    done = calls = 0
    barrier.wait()
    started = time.perf_counter()
    while time.perf_counter() - started < stop_in:
        lease = store.lease(who, touchpoint, batch)  # type: ignore[arg-type]
        if not lease.orders:
            break
        now = dt.datetime.now(dt.UTC)
        items = [
            ResultIn(
                order_id=o.order_id,
                lease_token=lease.token,
                outcome=rand.choice(_OUTCOMES),  # type: ignore[arg-type]
                idempotency_key=f"{key_id}-{o.order_id}",
                at=now,
            )
            for o in lease.orders
        ]
        answers = store.post_results(who, items)
        done += sum(a.status == "recorded" for a in answers)
        calls += 1
    out.put((done, calls, time.perf_counter() - started))
    store.close()


def bench_lease_results(url: str, workers: int, batch: int, seconds: float) -> dict[str, Any]:
    """`workers` processes leasing and posting results for `seconds`; orders/s overall."""
    context = mp.get_context("spawn")
    barrier = context.Barrier(workers)
    out = context.Queue()
    procs = [
        context.Process(
            target=_worker,
            args=(url, f"bench-{i}", BATCH_OFFERS[i % 2 * 2][0], batch, barrier, seconds, out),
        )
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    reports = _collect(out, procs)
    orders = sum(r[0] for r in reports)
    wall = max(r[2] for r in reports)
    return {
        "orders": orders,
        "batches": sum(r[1] for r in reports),
        "seconds": round(wall, 2),
        "orders_per_s": round(orders / wall),
    }


def _collect(out: Any, procs: list[Any]) -> list[tuple[int, int, float]]:
    """Every worker's report; a worker that dies fails the bench at once."""
    import queue

    reports: list[tuple[int, int, float]] = []
    while len(reports) < len(procs):
        try:
            reports.append(out.get(timeout=1))
        except queue.Empty:
            failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if failed:
                for proc in procs:
                    proc.kill()
                raise SystemExit(f"a lease worker failed (exit {failed[0]})") from None
    for proc in procs:
        proc.join()
    return reports


def bench_backend(
    backend: str,
    work: Path,
    settings_factory: Callable[[str], Settings],
    run_dirs: tuple[Path, Path],
    runs: int,
    workers: int,
    batch: int,
    seconds: float,
    pg_server: str,
) -> dict[str, Any]:
    """Load medians on fresh databases, then lease + result medians on the last one (topped
    up with a second run so the queue stays deep)."""
    loads, drains, databases = [], [], []
    try:
        for _ in range(runs):
            databases.append(BenchDatabase(backend, work, pg_server))
            databases[-1].settle()
            loads.append(bench_load(settings_factory(databases[-1].url), run_dirs[0]))
        settings = settings_factory(databases[-1].url)
        bench_load(settings, run_dirs[1])
        databases[-1].settle()
        store = migrated_store(settings)
        try:
            for _ in range(runs):
                before = queue_depth(store)
                drain = bench_lease_results(databases[-1].url, workers, batch, seconds)
                drains.append(
                    {"queue_depth_before": before, **drain, "queue_depth_after": queue_depth(store)}
                )
        finally:
            store.close()
    finally:
        for database in databases:
            database.drop()
    return {
        "load_runs": loads,
        "load_orders_per_s": median([r["orders_per_s"] for r in loads]),
        "lease_result_runs": drains,
        "lease_result_orders_per_s": median([r["orders_per_s"] for r in drains]),
        "workers": workers,
        "batch": batch,
    }


def bench_store(
    work: Path,
    settings_factory: Callable[[str], Settings],
    *,
    orders: int = 1_000_000,
    runs: int = 3,
    workers: int = 4,
    batch: int = 500,
    seconds: float = 30.0,
    backends: tuple[str, ...] = BACKENDS,
    pg_server: str = PG_SERVER,
) -> dict[str, Any]:
    """The store suite: per backend, bulk load and lease + result throughput (see module)."""
    work.mkdir(parents=True, exist_ok=True)
    runs_dir = work / "store-runs"
    run_dirs = (
        write_bench_run(runs_dir, f"bench-{orders}", orders),
        # Other subscribers, so the top-up's orders are not held back by the caps.
        write_bench_run(runs_dir, f"bench-topup-{orders}", orders, orders // 2 + 1),
    )
    return {
        backend: bench_backend(
            backend, work, settings_factory, run_dirs, runs, workers, batch, seconds, pg_server
        )
        for backend in backends
    }
