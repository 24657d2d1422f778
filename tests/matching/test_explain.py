"""Explain, forecast and coverage read the same candidates as the run."""

from __future__ import annotations

from typing import Any

import pytest

from cube.matching.explain import explain_subscriber, segment_verdict
from cube.matching.forecast import coverage, forecast_strategy
from cube.matching.plan import holdout_draw
from tests.matching import world as w
from tests.matching.conftest import FUNNEL_ID, PERIOD


def test_first_failing_segment_clause_is_named() -> None:
    [strategy] = w.plan(
        [w.strategy("s", "heavy_video_user and age_years > 40\n  and p_content > 0.1")]
    ).strategies
    row = w.tags_row(1, age_years=30)
    assert segment_verdict(strategy, row) == {"clause": "age_years > 40", "value": False}
    assert segment_verdict(strategy, w.tags_row(1, age_years=None)) == {
        "clause": "age_years > 40",
        "value": None,
    }
    assert segment_verdict(strategy, w.tags_row(1, age_years=41)) is None


@pytest.mark.spark
def test_explain_names_the_stage_that_dropped_each_strategy(funnel_world: dict[str, Any]) -> None:
    a, b, c, d, e, f, g, h = funnel_world["ids"]
    tags, found, plan = funnel_world["inputs"].tags, funnel_world["found"], funnel_world["plan"]

    def verdicts(subscriber: int) -> dict[str, tuple[str, str | None]]:
        report = explain_subscriber(tags, found, plan, subscriber)
        return {
            v["strategy_id"]: (
                v["stage"] if v["verdict"] == "dropped" else "order",
                v.get("reason"),
            )
            for v in report["strategies"]
        }

    no_segment = ("segment", None)
    assert verdicts(a) == {FUNNEL_ID: ("consent", "consent"), "upgrade": no_segment}
    assert verdicts(b) == {FUNNEL_ID: ("arbitration", "conflict"), "upgrade": ("order", None)}
    assert verdicts(c)[FUNNEL_ID] == ("caps", "cap:outbound_call")
    assert verdicts(d)[FUNNEL_ID] == ("order", None)
    assert verdicts(f)[FUNNEL_ID] == ("budget", "limit")
    assert verdicts(g)[FUNNEL_ID] == ("capacity", "capacity:outbound_call@P1.C01")
    held = explain_subscriber(tags, found, plan, h)["strategies"][0]
    assert (held["stage"], held["holdout_draw"]) == (
        "holdout",
        round(holdout_draw(h, FUNNEL_ID, PERIOD), 6),
    )
    upgrade = explain_subscriber(tags, found, plan, a)["strategies"][1]
    assert (upgrade["clause"], upgrade["value"]) == ("age_years == 99", False)
    order = explain_subscriber(tags, found, plan, d)["strategies"][0]["order"]
    assert (order["product_id"], order["touchpoint"], order["rank"]) == (
        "LA-5GUP-S",
        "outbound_call",
        1,
    )


@pytest.mark.spark
def test_forecast_adds_up_orders_acceptances_revenue_and_cost(
    funnel_world: dict[str, Any],
) -> None:
    report = forecast_strategy(funnel_world["found"], funnel_world["plan"], FUNNEL_ID)
    # Orders to d (p 0.9) and e (p 0.8) by call: revenue 1.7 x 10 x 12; cost 2 calls x 1.0;
    # commission 1.7 acceptances x 5.
    money = {
        "acceptances": 1.7,
        "revenue": 204.0,
        "cost": 2.0,
        "commission": 8.5,
        "roi": 102.0,
        "roi_with_commission": round(204 / 10.5, 3),
    }
    assert report["audience"] == 8
    assert report["touchpoints"] == [{"touchpoint": "outbound_call", "orders": 2, **money}]
    assert report["total"] == {"orders": 2, **money}
    assert report["capacity"] == [
        {
            "touchpoint": "outbound_call",
            "city_id": "P1.C01",
            "orders": 2,
            "all_orders": 2,
            "capacity": 3,
            "share": round(2 / 3, 4),
        }
    ]


@pytest.mark.spark
def test_coverage_counts_cells_and_white_space(funnel_world: dict[str, Any]) -> None:
    report = coverage(funnel_world["inputs"].tags, funnel_world["found"])
    assert (report["subscribers"], report["reached"], report["share_reached"]) == (8, 3, 0.375)
    assert report["cells"] == [
        {
            "lifecycle_stage": "stable",
            "value_band": "medium",
            "product_category": "light_addon",
            "touchpoint": "internet",
            "subscribers": 1,
            "orders": 1,
        },
        {
            "lifecycle_stage": "stable",
            "value_band": "medium",
            "product_category": "light_addon",
            "touchpoint": "outbound_call",
            "subscribers": 2,
            "orders": 2,
        },
    ]
    assert report["white_space"]["segments"] == []
    assert len(report["white_space"]["category_touchpoint"]) == 8 * 4 - 2
