"""The store benchmark runs end to end on a tiny run (the real one is `make bench`)."""

from __future__ import annotations

from pathlib import Path

from cube.bench.store import bench_store
from cube.settings import Settings


def _settings(url: str) -> Settings:
    return Settings(database_url=url)


def test_bench_store_loads_and_drains_from_worker_processes(tmp_path: Path) -> None:
    result = bench_store(
        tmp_path, _settings, orders=2000, runs=1, workers=2, seconds=1.0, backends=("sqlite",)
    )
    sqlite = result["sqlite"]
    assert [r["orders"] for r in sqlite["load_runs"]] == [2000]
    (drain,) = sqlite["lease_result_runs"]
    assert drain["queue_depth_before"] == 4000  # the run and its top-up
    assert drain["orders"] > 0
    # Every recorded order left the queue (acceptances may withdraw siblings too).
    assert drain["queue_depth_before"] - drain["queue_depth_after"] >= drain["orders"]
    assert sqlite["lease_result_orders_per_s"] == drain["orders_per_s"] > 0
    assert not list(tmp_path.glob("cube_bench_*.db"))  # databases dropped
