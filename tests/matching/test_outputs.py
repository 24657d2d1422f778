"""The run's tables: funnel through every stage, holdout, work orders, atomic write."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from cube.matching.engine import candidates
from cube.matching.outputs import funnel_table, holdout_table, work_orders, write_run
from cube.matching.plan import holdout_draw
from cube.runs import FUNNEL_STAGES, RunManifest, order_id
from tests.matching import world as w
from tests.matching.conftest import FUNNEL_ID, PERIOD

pytestmark = pytest.mark.spark


def test_funnel_counts_every_stage(funnel_world: dict[str, Any]) -> None:
    rows = funnel_table(funnel_world["found"], "r1").collect()
    counts = {r["strategy_id"]: [r[s] for s in FUNNEL_STAGES] for r in rows}
    assert counts == {FUNNEL_ID: [8, 7, 6, 5, 4, 3, 2], "upgrade": [1, 1, 1, 1, 1, 1, 1]}
    assert {(r["run_id"], r["touchpoint"], r["city_id"]) for r in rows} == {
        ("r1", "outbound_call", "P1.C01"),
        ("r1", "internet", "P1.C01"),
    }


def test_holdout_table_records_who_was_kept_out(funnel_world: dict[str, Any]) -> None:
    *_, h = funnel_world["ids"]
    rows = holdout_table(funnel_world["found"], funnel_world["plan"], "r1").collect()
    assert [r.asDict() for r in rows] == [
        {
            "run_id": "r1",
            "strategy_id": FUNNEL_ID,
            "strategy_version": 1,
            "subscriber_id": h,
            "network": "own",
            "region_path": "P1.C01.K001.G0001",
            "product_id": "LA-5GUP-S",
            "period": PERIOD,
        }
    ]


def test_work_orders_carry_ids_explanation_script_and_expiry(funnel_world: dict[str, Any]) -> None:
    _, b, _, d, e, *_ = funnel_world["ids"]
    rows = work_orders(funnel_world["found"], funnel_world["plan"], "r1").collect()
    orders = {(r["subscriber_id"], r["strategy_id"]): r.asDict() for r in rows}
    assert sorted(orders) == sorted([(b, "upgrade"), (d, FUNNEL_ID), (e, FUNNEL_ID)])
    best = orders[(d, FUNNEL_ID)]
    assert best["order_id"] == order_id("r1", d, FUNNEL_ID, "LA-5GUP-S", "outbound_call")
    assert best["script"] == "Aged 30, fee 58 {5G}"
    assert (best["issued_at"], best["expires_at"]) == (
        dt.datetime(2026, 11, 1),
        dt.datetime(2026, 11, 8),
    )
    explanation = json.loads(best["explanation"])
    assert explanation["formula"] == "score = propensity x value x lever x routing_weight"
    assert explanation["factors"]["propensity_source"] == "model:p_5g_upgrade"
    assert explanation["factors"]["score"] == pytest.approx(0.9 * 115 * 1.0 * 1.0)
    assert explanation["stages"] == list(FUNNEL_STAGES)
    assert explanation["contact_window"] == {
        "from": "09:00",
        "to": "21:00",
        "timezone": "Asia/Shanghai",
    }
    assert orders[(b, "upgrade")]["script"] == "la-5gup-l"  # no script: the product's name


def test_same_inputs_give_the_same_orders(funnel_world: dict[str, Any]) -> None:
    again = candidates(funnel_world["inputs"], funnel_world["plan"])
    first = work_orders(funnel_world["found"], funnel_world["plan"], "r1").collect()
    second = work_orders(again, funnel_world["plan"], "r1").collect()
    assert sorted(first) == sorted(second)


def test_holdout_share_is_deterministic_per_period(spark: Any) -> None:
    held = w.strategy(FUNNEL_ID, allowed=("sms",), holdout=0.2)
    tags = [w.tags_row(i) for i in range(1, 401)]
    rows = w.run(w.inputs(spark, tags), w.plan([held]))
    out = {r["subscriber_id"] for r in rows if r["dropped_by"] == "holdout"}
    assert out == {i for i in range(1, 401) if holdout_draw(i, FUNNEL_ID, PERIOD) < 0.2}
    assert 60 <= len(out) <= 100
    december = w.run(w.inputs(spark, tags), w.plan([held], run_date=dt.date(2026, 12, 1)))
    assert {r["subscriber_id"] for r in december if r["dropped_by"] == "holdout"} != out


def test_run_is_written_whole_and_replaced_on_rerun(
    funnel_world: dict[str, Any], tmp_path: Path
) -> None:
    found, match_plan = funnel_world["found"], funnel_world["plan"]
    tables = {
        "work_orders": work_orders(found, match_plan, "r1"),
        "holdout": holdout_table(found, match_plan, "r1"),
        "funnel": funnel_table(found, "r1"),
    }
    manifest = RunManifest(
        run_id="r1",
        period=PERIOD,
        snapshot_date=dt.date(2026, 11, 1),
        created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        strategies=(),
        policy_sha256="0" * 64,
        counts={},
    )
    path, counts = write_run(tables, manifest, tmp_path)
    assert counts == {"work_orders": 3, "holdout": 1, "funnel": 2}
    write_run(tables, manifest, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r1"]
    assert sorted(p.name for p in path.iterdir()) == [
        "funnel",
        "holdout",
        "manifest.json",
        "work_orders",
    ]
    saved = RunManifest.model_validate_json((path / "manifest.json").read_text())
    assert saved.counts == counts
