"""`make bench`: generation, tag build, and the usage stage against DuckDB.

Results go to var/bench/results.json and a Markdown table on stdout, which is
what docs/benchmarks.md records. Usage: python -m cube.bench [--suite ...].
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from cube.bench.runner import machine, median, repeat, run_child
from cube.settings import PROJECT_ROOT

CUBE = str(Path(sys.executable).with_name("cube"))
AS_OF = dt.date(2026, 11, 1)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cube.bench")
    parser.add_argument(
        "--suite",
        choices=["all", "data", "tags", "usage", "store", "realtime", "matching"],
        default="all",
    )
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000, help="0 skips the big generation")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--match-sizes",
        default="100000,300000,1000000",
        help="Subscriber counts of the matching benchmark (comma-separated).",
    )
    parser.add_argument(
        "--rates", default="200,1000", help="Request rates of the real-time benchmark (per second)."
    )
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "var" / "bench")
    return parser.parse_args()


def data_dirs(work: Path, subscribers: int) -> tuple[Path, Path]:
    base = work / f"data-{subscribers}"
    return base / "raw", base / "truth"


def generate(work: Path, subscribers: int) -> dict[str, Any]:
    raw, truth = data_dirs(work, subscribers)
    run = run_child(
        [
            CUBE,
            "data",
            "generate",
            "--subscribers",
            str(subscribers),
            "--seed",
            "7",
            "--out",
            str(raw),
            "--truth-out",
            str(truth),
            "--as-of",
            AS_OF.isoformat(),
            "--json",
        ]
    )
    if run.returncode != 0:
        raise SystemExit(f"generation of {subscribers} failed (exit {run.returncode})")
    report = json.loads(run.stdout)
    return {
        "subscribers": subscribers,
        "seconds": round(run.seconds, 1),
        "peak_rss_mb": round(run.peak_rss_mb),
        "rows": report.get("rows"),
    }


def ensure_data(work: Path, subscribers: int) -> Path:
    raw, _ = data_dirs(work, subscribers)
    if not (raw / "usage_daily").exists():
        generate(work, subscribers)
    return raw


def tag_build(work: Path, subscribers: int, runs: int) -> dict[str, Any]:
    """End-to-end `cube tags build` in a fresh process each run (Spark start included)."""
    raw = ensure_data(work, subscribers)
    env = {
        "CUBE_HOME": str(work / f"home-{subscribers}"),
        "CUBE_RAW_DIR": str(raw),
        "CUBE_TRUTH_DIR": str(data_dirs(work, subscribers)[1]),
        "CUBE_SNAPSHOT_DATE": AS_OF.isoformat(),
    }
    train = run_child([CUBE, "tags", "build", "--models", "train", "--json"], env)
    if train.returncode != 0:
        raise SystemExit(f"tag build with training failed (exit {train.returncode})")
    times, stages = [], []
    for _ in range(runs):
        run = run_child([CUBE, "tags", "build", "--json"], env)
        if run.returncode != 0:
            raise SystemExit(f"tag build failed (exit {run.returncode})")
        times.append(run.seconds)
        stages.append(json.loads(run.stdout).get("seconds"))
    return {
        "subscribers": subscribers,
        "train_build_seconds": round(train.seconds, 1),
        "runs": [round(t, 1) for t in times],
        "median_seconds": round(median(times), 1),
        "stages_of_median_run": stages[sorted(range(runs), key=lambda i: times[i])[runs // 2]],
    }


def usage_stage(work: Path, subscribers: int, runs: int) -> dict[str, Any]:
    """The usage aggregation by Spark (warm session) and by DuckDB, same files, same output."""
    from cube.bench.usage import compare, run_duckdb, run_spark
    from cube.settings import Settings
    from cube.spark import spark_session

    raw = ensure_data(work, subscribers)
    spark = spark_session(Settings(home=work / "spark-home"))
    spark_out, duck_out = work / "usage-spark", work / "usage-duckdb"
    run_spark(spark, raw, spark_out, AS_OF)  # warm-up: JIT, file listing cache
    run_duckdb(raw, duck_out, AS_OF)
    worst = compare(spark_out, duck_out)  # equal work, or no figures at all
    spark_times = repeat(lambda: run_spark(spark, raw, spark_out, AS_OF), runs)
    duck_times = repeat(lambda: run_duckdb(raw, duck_out, AS_OF), runs)
    spark.stop()
    return {
        "subscribers": subscribers,
        "spark_runs": [round(t, 2) for t in spark_times],
        "duckdb_runs": [round(t, 2) for t in duck_times],
        "spark_median": round(median(spark_times), 2),
        "duckdb_median": round(median(duck_times), 2),
        "ratio": round(median(spark_times) / median(duck_times), 2),
        "max_relative_difference": worst,
    }


def store_suite(work: Path, runs: int) -> dict[str, Any]:
    """Bulk load and lease + result throughput on PostgreSQL and SQLite (cube.bench.store)."""
    from cube.bench.store import bench_store
    from cube.settings import Settings

    return bench_store(
        work / "store",
        lambda url: Settings(home=work / "store-home", database_url=url),
        runs=runs,
    )


def realtime_suite(work: Path, rates: str) -> dict[str, Any]:
    """Real-time offers latency from a separate process over loopback (cube.bench.realtime)."""
    from cube.bench.realtime import bench_realtime
    from cube.settings import Settings

    return bench_realtime(
        work / "realtime",
        lambda url: Settings(home=work / "realtime-home", database_url=url),
        rates=tuple(float(r) for r in rates.split(",") if r),
    )


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Machine: {results['machine']}", ""]
    for name, value in results.items():
        if name != "machine":
            lines.append(f"- **{name}**: `{json.dumps(value)}`")
    return "\n".join(lines)


def main() -> None:
    args = parse()
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine()}
    if args.suite in ("all", "data"):
        results["generate"] = generate(args.work, args.subscribers)
        if args.big:
            results["generate_big"] = generate(args.work, args.big)
    if args.suite in ("all", "usage"):
        results["usage_stage"] = usage_stage(args.work, args.subscribers, max(args.runs, 5))
    if args.suite in ("all", "tags"):
        results["tag_build"] = tag_build(args.work, args.subscribers, args.runs)
    if args.suite in ("all", "matching"):
        from cube.bench.matching import bench_matching

        sizes = [int(n) for n in args.match_sizes.split(",") if n]
        results["matching"] = bench_matching(args.work, sizes, args.runs)
    if args.suite in ("all", "store"):
        results["store"] = store_suite(args.work, args.runs)
    if args.suite in ("all", "realtime"):
        results["realtime"] = realtime_suite(args.work, args.rates)
    out = args.work / f"results-{args.suite}.json"
    out.write_text(json.dumps(results, indent=2))
    print(markdown(results))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
