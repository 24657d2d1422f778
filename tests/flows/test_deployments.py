"""The deployments against a real Prefect server whose database is PostgreSQL, as in
production: registered with their schedules by `cube flows serve`, a cycle triggered like
an operator would, run to COMPLETED (and recorded in PostgreSQL), and the artifacts an
operator reads are there."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cube.cli.flows import app
from tests.flows.conftest import (
    PrefectServer,
    artifacts_of,
    stop,
    sync_client,
    table_rows,
    with_subflows,
)

RUN_SECONDS = 420
SERVE_SECONDS = 120
SUBSCRIBERS = 500
# A rank expression instead of a model score: the served cycle skips model training
# (too few labels in 500 generated lines), so matching reads no p_* tag.
STRATEGY = """\
id: benefits-club-plus-flows-2026q4
name: Benefits club Plus by SMS, flows test, 2026 Q4
owner: P1
status: active
version: 1
active: {{from: {start}, to: {end}}}
cube: {{business_line: benefits, scenario: silent users, lifecycle: any,
       direction: silent_activation}}
segment: not opted_out_ever
offers:
  - product: ME-PLUS
    rank: "0.3"
touchpoints: {{allowed: [sms]}}
holdout: 0.1
priority: 40
order_ttl_days: 14
scripts: {{sms: "Join Benefits club Plus."}}
"""
EXPECTED = {
    "cycle/on-demand": None,
    "evaluation/hourly": "15 * * * *",
    "match/daily": "0 5 * * *",
    "tags/daily": "0 2 * * *",
}


def wait_for_deployments(serve: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    """Deployments by flow/name once `serve` has registered all of them."""
    deadline = time.monotonic() + SERVE_SECONDS
    while time.monotonic() < deadline:
        assert serve.poll() is None, f"serve exited:\n{log.read_text()[-3000:]}"
        with sync_client() as client:
            flows = {f.id: f.name for f in client.read_flows()}
            found = {f"{flows[d.flow_id]}/{d.name}": d for d in client.read_deployments()}
        if len(found) == len(EXPECTED):
            return found
        time.sleep(1)
    raise AssertionError(f"deployments not registered:\n{log.read_text()[-3000:]}")


def wait_final(flow_run_id: Any, log: Path) -> Any:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        with sync_client() as client:
            run = client.read_flow_run(flow_run_id)
        if run.state and run.state.is_final():
            return run
        time.sleep(2)
    raise AssertionError(f"flow run not final in {RUN_SECONDS}s:\n{log.read_text()[-5000:]}")


def recorded_states(server: PrefectServer, flow_run_ids: list[Any]) -> list[str]:
    """The flow runs' states as the server's PostgreSQL database holds them."""
    import psycopg

    dsn = server.database.replace("postgresql+asyncpg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            "SELECT state_type::text FROM flow_run WHERE id = ANY(%s)", [flow_run_ids]
        ).fetchall()
    return sorted(state for (state,) in found)


@pytest.mark.slow
@pytest.mark.spark
def test_served_cycle_runs_to_completion_with_artifacts(
    prefect_pg_server: PrefectServer, prefect_pg_api: str, tmp_path: Path
) -> None:
    strategy = tmp_path / "strategies" / "benefits-club-plus-flows-2026q4.yaml"
    strategy.parent.mkdir()
    # Today, not a fixed date: the store counts orders open against the wall clock.
    today = dt.date.today()
    window = {"start": today - dt.timedelta(days=30), "end": today + dt.timedelta(days=60)}
    strategy.write_text(STRATEGY.format(**window))
    spark_conf = {"spark.driver.memory": "1g", "spark.sql.shuffle.partitions": "2"}
    env = prefect_pg_server.env | {
        "CUBE_HOME": str(tmp_path / "home"),
        "CUBE_SNAPSHOT_DATE": today.isoformat(),
        "CUBE_SPARK_CONF": json.dumps(spark_conf),
    }
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", "from cube.cli.flows import app; app()", "serve"]
    with log.open("w") as out:
        serve = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            deployments = wait_for_deployments(serve, log)
            schedules = {
                name: [s.schedule.cron for s in d.schedules] for name, d in deployments.items()
            }
            assert schedules == {k: [v] if v else [] for k, v in EXPECTED.items()}
            params = {
                "source": "generate",
                "subscribers": SUBSCRIBERS,
                "seed": 11,
                "models": "skip",
                # The gates and their artifact are tested in test_tagging; off here
                # they save a minute of GX scans.
                "quality_gates": False,
                "strategies": [str(strategy.parent)],
            }
            pairs = [f"{name}={json.dumps(value)}" for name, value in params.items()]
            options = [option for pair in pairs for option in ("-p", pair)]
            result = CliRunner().invoke(app, ["run", "cycle", *options, "--no-wait", "--json"])
            assert result.exit_code == 0, result.output
            triggered = json.loads(result.stdout)
            assert (triggered["deployment"], triggered["state"]) == ("cycle/on-demand", "SCHEDULED")
            run = wait_final(triggered["flow_run_id"], log)
        finally:
            stop(serve)
    assert run.state.is_completed(), f"{run.state}\n{log.read_text()[-5000:]}"
    runs = with_subflows(run.id)
    assert sorted(str(r.state.type.value) for r in runs) == ["COMPLETED"] * 4
    assert recorded_states(prefect_pg_server, [r.id for r in runs]) == ["COMPLETED"] * 4
    found = artifacts_of([r.id for r in runs])
    assert {
        "tag-build",
        "strategy-check",
        "match-funnel",
        "work-orders-loaded",
        "evaluation",
    } <= set(found)
    assert "data-quality" not in found
    assert f"{SUBSCRIBERS:,} subscribers" in found["tag-build"].data
    funnel = table_rows(found["match-funnel"])
    assert [(r["strategy"], r["touchpoint"]) for r in funnel] == [
        ("benefits-club-plus-flows-2026q4", "sms")
    ]
    [orders] = table_rows(found["work-orders-loaded"])
    assert orders["touchpoint"] == "sms"
    assert orders["orders_in_run"] == funnel[0]["issued"] > 0
    assert orders["open_in_store"] == orders["orders_in_run"]
    assert "0 error(s)" in found["strategy-check"].data
    [evaluated] = table_rows(found["evaluation"])
    assert (evaluated["touchpoint"], evaluated["issued"]) == ("sms", orders["orders_in_run"])
