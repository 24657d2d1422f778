"""The real-time benchmark runs end to end on a tiny run (the real one is `make bench`):
a `cube serve` process on PostgreSQL, driven by the load generator's process."""

from __future__ import annotations

from pathlib import Path

from cube.bench.realtime import bench_realtime
from cube.settings import Settings
from tests.store.conftest import _pg_admin


def test_bench_realtime_measures_offers_and_outcomes_at_each_rate(tmp_path: Path) -> None:
    before = _bench_databases()
    result = bench_realtime(
        tmp_path,
        lambda url: Settings(home=tmp_path / "home", database_url=url),
        orders=2000,
        rates=(50.0,),
        seconds=2.0,
    )
    (run,) = result["rates"]
    assert (result["queue_depth_before"], run["target_rate"], run["requests"]) == (2000, 50.0, 100)
    assert run["offers"]["status"] == {"200": 100}
    # One slot in 100 shows its first offer and posts the outcome.
    assert run["impression"]["n"] == run["result"]["n"] == 1
    assert result["queue_depth_after"] == 1998  # one outcome in the warm-up, one in the run
    assert run["failures"] == {}
    assert 0 < run["offers"]["p50"] <= run["offers"]["p99"] <= run["offers"]["max"]
    assert _bench_databases() == before  # its database was dropped


def _bench_databases() -> set[str]:
    with _pg_admin() as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'cube_bench_%'")
        return {r[0] for r in rows}
