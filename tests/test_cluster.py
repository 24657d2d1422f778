"""The `cluster` Spark profile, proven: a standalone master and one worker started from the
installed pyspark run the tag build and the match, and every output equals local mode.

The cluster driver runs in a subprocess. A JVM holds one SparkContext whose master cannot
change, and the session-scoped local `spark` fixture (with DataFrames other fixtures cached
on it) must stay usable; stopping and re-creating it would hand those fixtures a dead
session. The subprocess also lets the local run overlap the cluster run on 2 cores.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from cube.runs import RUN_TABLES
from cube.settings import PROJECT_ROOT, Settings
from tests.conftest import AS_OF, TEST_SPARK_CONF

pytestmark = [pytest.mark.slow, pytest.mark.spark]

START_SECONDS = 180
RUN_SECONDS = 600
# The worker offers 1 core and 1 GB: the profile's 4g executors would never be granted.
# 4 shuffle partitions (local tests use 2): equal results across different partitionings.
CLUSTER_CONF = {
    "spark.driver.memory": "1g",
    "spark.executor.memory": "1g",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
MODEL_SCORE = re.compile(r"\bp_[a-z0-9_]+\b")
FLOAT_TOLERANCE = 1e-9
# tags.jobs.metadata sketches distinct counts (HLL, lg_k 12: 1.6 % relative standard error).
HLL_TOLERANCE = 0.05


@dataclass(frozen=True)
class Standalone:
    url: str
    """The master, spark://127.0.0.1:PORT."""
    ui: str
    """The master's web UI (its /json/ reports workers and applications)."""
    root: Path
    """Logs and the worker's work directory."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spark_class(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A Spark daemon in its own process group (so teardown also ends its executors)."""
    binary = Path(env["SPARK_HOME"]) / "bin" / "spark-class"
    with log.open("w") as out:
        return subprocess.Popen(
            [str(binary), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def end_group(process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    """SIGTERM the process group we started, SIGKILL it if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def master_state(ui: str) -> dict[str, Any]:
    return httpx.get(f"{ui}/json/", timeout=2).json()


def tails(root: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(root.glob("*.log")))


def wait_for_worker(ui: str, daemons: list[subprocess.Popen[bytes]], root: Path) -> None:
    """Until the master reports one ALIVE worker; fail with the daemons' logs otherwise."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert all(d.poll() is None for d in daemons), f"a daemon exited:\n{tails(root)}"
        try:
            if master_state(ui).get("aliveworkers") == 1:
                return
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"no worker registered within {START_SECONDS} s:\n{tails(root)}")


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    """A master and a 1-core, 1 GB worker on loopback, logs and scratch under tmp."""
    import pyspark

    root = tmp_path_factory.mktemp("standalone")
    env = {
        **os.environ,
        "SPARK_HOME": str(Path(pyspark.__file__).parent),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOCAL_DIRS": str(root / "local"),
        "SPARK_WORKER_DIR": str(root / "work"),
        "SPARK_DAEMON_MEMORY": "512m",
    }
    port, ui_port, worker_ui = free_port(), free_port(), free_port()
    url, ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}"
    master_args = ["--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)]
    worker_args = ["--host", "127.0.0.1", "--cores", "1", "--memory", "1g"]
    worker_args += ["--webui-port", str(worker_ui), "--work-dir", str(root / "work")]
    daemons = [spark_class(["org.apache.spark.deploy.master.Master", *master_args],
                           root / "master.log", env)]  # fmt: skip
    try:
        daemons.append(spark_class(["org.apache.spark.deploy.worker.Worker", url, *worker_args],
                                   root / "worker.log", env))  # fmt: skip
        wait_for_worker(ui, daemons, root)
        yield Standalone(url=url, ui=ui, root=root)
    finally:
        for daemon in reversed(daemons):
            end_group(daemon)


def model_free_strategies(out: Path) -> Path:
    """The shipped strategies with every model score in a rank replaced by 0.5.

    3,000 generated subscribers give too few labels to train the models (the training
    gate refuses them), so both builds skip model tags; segments, products, touchpoints,
    holdouts, limits and the contact policy stay as shipped.
    """
    out.mkdir(parents=True)
    for path in sorted((PROJECT_ROOT / "strategies").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for offer in doc["offers"]:
            offer["rank"] = MODEL_SCORE.sub("0.5", str(offer.get("rank", "0.5")))
        (out / path.name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def build_and_match(settings: Settings, spark: Any) -> str:
    """The tag build, then the match of the strategies in settings; the run id."""
    from cube.matching.engine import run_match
    from cube.products import load_products
    from cube.strategy.check import compile_strategies
    from tags.jobs.build import build_tags

    build_tags(settings, spark=spark, validate=False, models="skip")
    products = load_products(settings.dir("raw"))
    strategies = compile_strategies(settings=settings, products=products)
    return run_match(spark, settings, strategies, run_date=settings.snapshot_date).run_id


def drive() -> None:
    """The cluster driver (run in a subprocess): everything from CUBE_* variables."""
    from cube.settings import get_settings
    from cube.spark import spark_session

    settings = get_settings()
    spark = spark_session(settings)
    run_id = build_and_match(settings, spark)
    print(json.dumps({"master": spark.sparkContext.master, "run_id": run_id}))
    spark.stop()


def start_driver(standalone: Standalone, settings: Settings, out: Path) -> subprocess.Popen[bytes]:
    """`drive()` in a subprocess through the cluster profile; output to `out`.{log,json}."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUBE_")}
    env |= {
        "CUBE_HOME": str(settings.home),
        "CUBE_RAW_DIR": str(settings.dir("raw")),
        "CUBE_STRATEGIES_DIR": str(settings.strategies_dir),
        "CUBE_SNAPSHOT_DATE": settings.snapshot_date.isoformat(),
        "CUBE_SPARK_PROFILE": "cluster",
        "CUBE_SPARK_MASTER_URL": standalone.url,
        "CUBE_SPARK_CONF": json.dumps(CLUSTER_CONF),
    }
    command = [sys.executable, "-c", "from tests.test_cluster import drive; drive()"]
    with out.with_suffix(".json").open("w") as stdout, out.with_suffix(".log").open("w") as log:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=log)


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two JSON-like values differ: floats within FLOAT_TOLERANCE, the rest exactly."""
    if isinstance(a, float) and isinstance(b, float):
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=0, abs_tol=FLOAT_TOLERANCE
        )
        return [] if same else [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} != {len(b)} items"]
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def rows(path: Path, key: tuple[str, ...]) -> list[dict[str, Any]]:
    """A Parquet table's rows in key order."""
    import pyarrow.parquet as pq

    found = pq.read_table(path).to_pylist()
    return sorted(found, key=lambda row: tuple(row[k] for k in key))


def outputs(settings: Settings, run_id: str) -> dict[str, Any]:
    """Everything the build and the match wrote, as comparable values."""
    warehouse, run = settings.dir("warehouse"), settings.dir("runs") / run_id
    date = AS_OF.isoformat()
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["created_at"]
    metadata = json.loads((warehouse / "catalogue" / f"snapshot_date={date}.json").read_text())
    distinct = {n: s.pop("distinct_count") for n, s in metadata["tags"].items()}
    found = {
        "tags": rows(warehouse / "tags" / f"snapshot_date={date}", ("subscriber_id",)),
        "metadata": metadata,
        "distinct": distinct,
        "manifest": manifest,
    }
    return found | {spec.name: rows(run / spec.name, spec.key) for spec in RUN_TABLES}


def test_cluster_profile_builds_and_matches_like_local_mode(
    spark: Any, operator_home: Path, standalone: Standalone, tmp_path: Path
) -> None:
    common = {
        "raw_dir": operator_home / "raw",
        "snapshot_date": AS_OF,
        "strategies_dir": model_free_strategies(tmp_path / "strategies"),
    }
    cluster = Settings(home=tmp_path / "cluster", **common)
    local = Settings(home=tmp_path / "local", spark_conf=TEST_SPARK_CONF, **common)
    out = tmp_path / "driver"
    driver = start_driver(standalone, cluster, out)
    try:
        local_run = build_and_match(local, spark)  # meanwhile, on the cluster
        driver.wait(timeout=RUN_SECONDS)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    log = out.with_suffix(".log").read_text()
    assert driver.returncode == 0, f"{log[-5000:]}\n{tails(standalone.root)}"
    reported = json.loads(out.with_suffix(".json").read_text().strip().splitlines()[-1])
    assert reported == {"master": standalone.url, "run_id": local_run}
    state = master_state(standalone.ui)
    apps = [a["name"] for a in state["activeapps"] + state["completedapps"]]
    assert apps == ["strategy-cube"]
    assert len(list((standalone.root / "work").glob("app-*/*/stderr"))) == 1  # one executor
    expected, got = outputs(local, local_run), outputs(cluster, local_run)
    counts = expected["manifest"]["counts"]
    assert len(expected["tags"]) == 3000
    assert counts["work_orders"] > 0 and counts["holdout"] > 0
    assert len({r["touchpoint"] for r in expected["work_orders"]}) > 1
    # Distinct counts are HLL estimates whose value depends on how the rows were split
    # into partitions (local 2, cluster 4); everything else is deterministic.
    estimates, cluster_estimates = expected.pop("distinct"), got.pop("distinct")
    assert estimates.keys() == cluster_estimates.keys()
    pairs = {n: (a, cluster_estimates[n]) for n, a in estimates.items()}
    off = {
        n: pair for n, pair in pairs.items() if abs(pair[0] - pair[1]) > HLL_TOLERANCE * max(pair)
    }
    assert off == {}
    assert differences(expected, got)[:10] == []
