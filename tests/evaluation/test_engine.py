"""End to end: a run loaded into a real SQLite store, outcomes posted, then evaluated."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from cube.errors import InputError
from cube.evaluation.engine import evaluate_run
from cube.evaluation.report import history
from cube.matching.plan import efficiency_file, load_efficiency
from tests.evaluation.conftest import RUN_ID, World

AS_OF = dt.date(2026, 12, 1)


@pytest.fixture
def evaluated(world: World) -> pd.DataFrame:
    result = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    return result.metrics.set_index(["level", "strategy_id", "touchpoint", "drill"])


def test_funnel_counts_every_order_state(evaluated: pd.DataFrame) -> None:
    call = evaluated.loc[("touchpoint", "s-boost", "outbound_call", "")]
    funnel = ("issued", "delivered", "contacted", "accepted", "declined", "opted_out",
              "unreachable", "expired", "withdrawn", "dead_lettered", "pending",
              "attempted")  # fmt: skip
    # 10 leased: 2 accepted, 1 declined, 1 contacted (reached), 1 no answer; 5 lapsed leases.
    assert [int(call[c]) for c in funnel] == [10, 10, 4, 2, 1, 0, 1, 5, 0, 0, 0, 5]
    sms = evaluated.loc[("touchpoint", "s-boost", "sms", "")]
    assert [int(sms[c]) for c in ("contacted", "accepted", "opted_out", "unreachable")] == [
        2,
        1,
        1,
        1,
    ]


def test_conversion_and_uplift_follow_the_conversion_definition(evaluated: pd.DataFrame) -> None:
    call = evaluated.loc[("touchpoint", "s-boost", "outbound_call", "")]
    assert call["conversion"] == 0.5  # 2 accepted of 4 reached
    # Take-up: subscribers 1 and 2 accepted, 5 bought on its own within 30 days.
    assert (call["converted"], call["takeup"]) == (3, 0.3)
    # Holdout: 21 bought in the window; 22 held it before, 23 bought after the window.
    assert (call["holdout_n"], call["holdout_converted"]) == (10, 1)
    assert round(call["uplift"], 4) == 0.2
    assert call["uplift_low"] < 0.2 < call["uplift_high"]
    assert pd.isna(call["significant"])  # 10 per arm is under min_arm_size


def test_money_value_components_and_policy_score(evaluated: pd.DataFrame) -> None:
    call = evaluated.loc[("touchpoint", "s-boost", "outbound_call", "")]
    # revenue 2 x 10 CNY x 12 months; cost 5 attempts x 1.08; commission 2 x 3 CNY
    assert (call["revenue"], round(call["cost"], 2)) == (240.0, 5.4)
    assert round(call["roi"], 4) == round(240 / 5.4, 4)
    assert round(call["value"], 2) == 234.6
    assert (call["commission_paid"], round(call["cost_with_commission"], 2)) == (6.0, 11.4)
    assert round(call["roi_with_commission"], 4) == round(240 / 11.4, 4)
    # publicity 4 x 0.05; service 2 queries x 1.08 + 2 transactions x 3; marketing 2 x 3
    parts = [round(call[c], 2) for c in ("publicity_value", "service_value", "marketing_value")]
    assert parts == [0.2, 8.16, 6.0]
    assert round(call["touchpoint_value"], 2) == round(0.2 + 8.16 + 6.0 - 5.4, 2)
    # profit (240 - 11.4) / 2 = 114.3 per acquisition (score 1), break-even 11.4 / 20 =
    # 0.57 months (1), churn 1 of 2 (0.5), no key business (0): (0.4 + 0.3 + 0.2 x 0.5) / 1.0
    assert round(call["profit_per_acquisition"], 2) == 114.3
    assert round(call["break_even_months"], 2) == 0.57
    assert round(call["policy_score"], 6) == 80.0


def test_drills_by_region_product_category_and_cell(evaluated: pd.DataFrame) -> None:
    levels = evaluated.reset_index()
    sms = levels[(levels["strategy_id"] == "s-boost") & (levels["touchpoint"] == "sms")]
    drills = {lvl: sorted(sms.loc[sms["level"] == lvl, "drill"]) for lvl in
              ("province", "city", "county", "grid", "product", "category", "cell")}  # fmt: skip
    assert drills == {
        "province": ["P1"],
        "city": ["P1.C02"],
        "county": ["P1.C02.K005"],
        "grid": ["P1.C02.K005.G0050"],
        "product": ["LA-BOOST"],
        "category": ["light_addon"],
        "cell": ["unknown"],  # no tag snapshot in this world
    }
    # The city's holdout is the strategy's held-out subscribers in that city only.
    city = evaluated.loc[("city", "s-boost", "sms", "P1.C02")]
    assert (city["holdout_n"], city["holdout_converted"]) == (5, 0)


def test_files_are_written_and_the_next_match_reads_the_weights(world: World) -> None:
    result = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    names = sorted(p.name for p in result.path.iterdir())
    assert names == [
        "coverage.csv", "coverage.parquet", "metrics.csv", "metrics.parquet", "posteriors.csv",
        "posteriors.parquet", "report.html", "summary.json",
    ]  # fmt: skip
    assert len(pd.read_csv(result.path / "metrics.csv")) == len(result.metrics)
    weights = load_efficiency(efficiency_file(world.settings.dir("reports")))
    assert set(weights.by_category) == {("light_addon", "outbound_call"), ("light_addon", "sms"),
                                        ("home_broadband", "store_popup")}  # fmt: skip
    assert weights.by_strategy == {}
    assert all(0.2 <= w <= 3.0 for w in weights.by_category.values())
    again = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    assert again.summary["efficiency"] == result.summary["efficiency"]  # seeded by the run id
    leftovers = [p.name for p in result.path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_summary_and_history_compare_like_with_like(world: World) -> None:
    result = evaluate_run(world.settings, RUN_ID, store=world.store, as_of=AS_OF, notify=False)
    saved = json.loads((result.path / "summary.json").read_text())
    assert saved["run_date"] == "2026-11-01" and saved["window_end"] == "2026-12-01"
    assert [s["strategy_id"] for s in saved["strategies"]] == ["s-boost", "s-fibre"]
    assert saved["strategies"][0]["design"] is None  # the strategy file is not there
    rows = history(world.settings.dir("reports"), category="light_addon")
    assert [(r["product_category"], r["touchpoint"], r["accepted"]) for r in rows] == [
        ("light_addon", "outbound_call", 2),
        ("light_addon", "sms", 1),
    ]
    assert math.isclose(rows[0]["conversion"], 0.5)


def test_unknown_run_is_a_clear_error(world: World) -> None:
    with pytest.raises(InputError) as caught:
        evaluate_run(world.settings, "no-such-run", store=world.store, as_of=AS_OF)
    runs = world.settings.dir("runs")
    assert str(caught.value) == f"run 'no-such-run': no such directory ({runs / 'no-such-run'})"
