"""The demo end to end on a small operator: two cycles through the real API and simulators.

Model training is tested with the tag build; here the build skips models and two
strategies that need none (a constant rank instead of a model's score) stand in for the
shipped six, so the test spends its time on
what only the demo does: match, load, serve, simulate, feed back, evaluate, twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cube.demo.baseline import baseline_settings
from cube.demo.runner import DEMO_DATE, DemoResult, run_demo
from cube.demo.summary import summarise
from cube.errors import ConfigError
from cube.settings import Settings
from tests.conftest import TEST_SPARK_CONF

SUBSCRIBERS = 3000
STRATEGIES = {
    "demo-5g-upgrade-2026q4.yaml": """
id: demo-5g-upgrade-2026q4
name: 5G upgrade for 4G plans on 5G handsets
owner: P1
status: active
version: 1
active: {from: 2026-10-01, to: 2026-12-31}
cube: {business_line: mobile, scenario: 4G plans, lifecycle: stable, direction: revenue_lift}
segment: not plan_is_5g and handset_is_5g
offers:
  - product: LA-5GUP-S
    rank: "0.3"
touchpoints: {allowed: [outbound_call, sms, internet]}
holdout: 0.1
order_ttl_days: 7
""",
    "demo-club-silent-2026q4.yaml": """
id: demo-club-silent-2026q4
name: Benefits club for silent users
owner: P1
status: active
version: 1
active: {from: 2026-10-01, to: 2026-12-31}
cube: {business_line: benefits, scenario: silent, lifecycle: any, direction: silent_activation}
segment: silent_user
offers:
  - product: ME-PLUS
    rank: "0.2"
touchpoints: {allowed: [sms, internet, store_popup]}
holdout: 0.1
order_ttl_days: 14
""",
}


def demo_settings(home: Path) -> Settings:
    strategies = home.parent / "strategies"
    strategies.mkdir(parents=True, exist_ok=True)
    for name, text in STRATEGIES.items():
        (strategies / name).write_text(text.lstrip())
    return Settings(home=home, strategies_dir=strategies, spark_conf=TEST_SPARK_CONF)


@pytest.fixture(scope="module")
def played(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    home = tmp_path_factory.mktemp("demo") / "home"
    return run_demo(demo_settings(home), subscribers=SUBSCRIBERS, seed=3, models="skip")


def test_two_cycles_run_through_the_api_and_the_second_routes_with_what_the_first_learnt(
    played: DemoResult,
) -> None:
    first, second = played.cycles
    assert (first.run_date.isoformat(), second.run_date.isoformat()) == (
        DEMO_DATE.isoformat(),
        "2026-12-02",
    )
    for cycle in played.cycles:
        assert sum(cycle.orders.values()) > 0
        assert cycle.simulation["totals"]["recorded"] > 0
        assert (cycle.report_dir / "report.html").is_file()
    reports = played.settings.dir("reports") / "evaluation"
    weights = json.loads((reports / "efficiency.json").read_text())
    assert {row["product_category"] for row in weights} == {"light_addon", "membership"}
    manifest = json.loads(
        (played.settings.dir("runs") / second.run_id / "manifest.json").read_text()
    )
    assert manifest["snapshot_date"] == DEMO_DATE.isoformat()


def test_the_counterfactual_plays_cycle_2_without_the_weights_in_a_copy(
    played: DemoResult,
) -> None:
    second, baseline = played.cycles[1], played.baseline
    copy = baseline_settings(played.settings)
    assert baseline.run_date == second.run_date
    assert baseline.run_id != second.run_id  # the weights are part of the run's identity
    assert (copy.dir("runs") / baseline.run_id).is_dir()
    assert not (copy.dir("runs") / second.run_id).exists()
    assert not (played.settings.dir("runs") / baseline.run_id).exists()
    assert sum(baseline.orders.values()) > 0
    # The copy started from cycle 1's state: it holds cycle 1's contacts and its own.
    history = pq.read_table(copy.dir("raw") / "contact_history" / "part-store-export.parquet")
    days = {ts.date().isoformat() for ts in history.column("contact_ts").to_pylist()}
    assert days == {"2026-11-02", "2026-12-02"}


def test_what_the_touchpoints_did_reaches_the_next_cycles_extracts(played: DemoResult) -> None:
    raw = played.settings.dir("raw")
    history = pq.read_table(raw / "contact_history" / "part-store-export.parquet")
    days = {ts.date().isoformat() for ts in history.column("contact_ts").to_pylist()}
    assert days == {"2026-11-02", "2026-12-02"}  # stamped on each cycle's business day
    recorded = sum(c.simulation["totals"]["recorded"] for c in played.cycles)
    assert 0 < history.num_rows <= recorded
    first = played.cycles[0]
    delta = pq.read_table(raw / "holdings" / f"part-simulated-{first.run_id}.parquet")
    accepted = first.simulation["organic"]["provisioned"]
    assert delta.num_rows == first.simulation["organic"]["purchases"] + accepted
    assert accepted == int(first.totals["accepted"])


def test_the_summary_states_the_change_between_the_cycles(played: DemoResult) -> None:
    summary = summarise(played)
    one, two = summary["cycles"]
    assert summary["change"]["conversion"] == {
        "first": one["conversion"],
        "second": two["conversion"],
        "absolute": two["conversion"] - one["conversion"],
        "relative": (two["conversion"] - one["conversion"]) / one["conversion"],
    }
    assert one["accepted"] <= one["contacted"] <= sum(one["orders"].values())
    assert summary["learning"]["roi"]["first"] == summary["baseline"]["roi"]
    assert summary["learning"]["roi"]["second"] == two["roi"]
    with_commission = summary["learning"]["roi_with_commission"]
    assert with_commission["second"] == two["roi_with_commission"]
    # Cost is contact cost; the commission is reported beside it.
    assert two["roi"] == two["revenue"] / two["cost"]
    expected = two["revenue"] / (two["cost"] + two["commission"])
    assert two["roi_with_commission"] == pytest.approx(expected, rel=1e-12)
    assert json.loads(json.dumps(summary)) == summary  # JSON-ready as it is


def test_a_home_with_operator_extracts_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "raw" / "subscribers").mkdir(parents=True)
    with pytest.raises(ConfigError) as caught:
        run_demo(demo_settings(home), subscribers=SUBSCRIBERS, seed=3, models="skip")
    assert str(caught.value) == (
        f"{home / 'raw'} holds operator extracts (no generated truth beside them): the demo "
        "would replace them; point CUBE_HOME at an empty directory"
    )
    assert (home / "raw" / "subscribers").is_dir()


def test_a_store_other_than_the_embedded_sqlite_is_refused(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path / "home").model_copy(
        update={"database_url": "postgresql://postgres@127.0.0.1:5432/cube"}
    )
    with pytest.raises(ConfigError) as caught:
        run_demo(settings, subscribers=SUBSCRIBERS, seed=3, models="skip")
    assert str(caught.value) == (
        "the demo runs on the embedded SQLite store; unset CUBE_DATABASE_URL (it names another "
        "database) or point CUBE_HOME at an empty directory"
    )
