"""Arbitration, frequency caps, refusal pause, capacity, limits and budget, best first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.matching import world as w

pytestmark = pytest.mark.spark

D = dt.date


def test_arbitration_keeps_priority_order_and_rejects_conflict_family_and_excess(
    spark: Any,
) -> None:
    strategies = [
        w.strategy("content", "p_content > 0.1", (("CO-VIDEO", None),), ("internet",), priority=80),
        w.strategy("video-5g", priority=60),
        w.strategy("video-5g-b", "age_years between 45 and 55", priority=55),
        w.strategy("data", "age_years < 35", (("LA-DATA10G", None),), priority=40),
        w.strategy("travel", "age_years >= 65", (("SC-TRAVEL", None),), ("sms",), priority=20),
    ]
    match_inputs = w.inputs(
        spark,
        [w.tags_row(1, age_years=30), w.tags_row(2, age_years=70), w.tags_row(3, age_years=50)],
    )
    rows = w.run(match_inputs, w.plan(strategies, w.policy(max_offers_per_subscriber=2)))
    kept = {
        (r["subscriber_id"], r["strategy_id"]): r["dropped_by"]
        for r in rows
        if r["reached"] >= 2 and r["dropped_by"] != "routing"
    }
    assert kept == {
        (1, "content"): None,
        (1, "video-5g"): None,
        (1, "data"): "conflict",  # LA-DATA10G excludes CO-VIDEO, offered first
        (2, "content"): None,
        (2, "video-5g"): None,
        (2, "travel"): "max_offers",
        (3, "content"): None,
        (3, "video-5g"): None,
        (3, "video-5g-b"): "family",  # a second 5g_upgrade offer
    }
    ranks = {(r["subscriber_id"], r["strategy_id"]): r["rank"] for r in rows if r["rank"]}
    assert ranks[(1, "content")] == 1 and ranks[(1, "video-5g")] == 2


def test_caps_count_history_and_this_runs_better_orders(spark: Any) -> None:
    contact_policy = w.policy(
        frequency_caps=[
            {"touchpoint": "outbound_call", "max": 1, "days": 7},
            {"touchpoint": "all", "max": 2, "days": 30},
        ],
        refusal_pause={"refusals": 2, "days": 30},
    )
    strategies = [
        w.strategy("video-5g", allowed=("outbound_call",), priority=60),
        w.strategy(
            "music", "age_years >= 60", (("CO-MUSIC", None),), ("outbound_call",), priority=30
        ),
    ]
    history = [
        w.contact(1, "outbound_call", D(2026, 10, 29)),  # inside 7 days: no call left
        w.contact(2, "outbound_call", D(2026, 10, 25)),  # 8 days ago: outside the window
        w.contact(3, "sms", D(2026, 10, 20), "declined"),
        w.contact(3, "internet", D(2026, 10, 10), "opted_out"),  # second refusal: paused
        w.contact(4, "sms", D(2026, 10, 15)),
        w.contact(4, "sms", D(2026, 10, 20)),  # 2 contacts in 30 days: all-touchpoint cap
        w.contact(6, "sms", D(2026, 9, 20), "declined"),  # refusal outside 30 days
        w.contact(6, "sms", D(2026, 10, 20), "declined"),
    ]
    tags = [w.tags_row(i, age_years=30) for i in (1, 2, 3, 4, 6)] + [w.tags_row(5, age_years=65)]
    rows = w.run(w.inputs(spark, tags, history=history), w.plan(strategies, contact_policy))
    assert w.issued(rows) == [
        (2, "video-5g", "LA-5GUP-S", "outbound_call"),
        (5, "video-5g", "LA-5GUP-S", "outbound_call"),
        (6, "video-5g", "LA-5GUP-S", "outbound_call"),
    ]
    assert {k: v for k, v in w.drops(rows).items() if v} == {
        (1, "video-5g", "LA-5GUP-S", "outbound_call"): "cap:outbound_call",
        (3, "video-5g", "LA-5GUP-S", "outbound_call"): "refusal_pause",
        (4, "video-5g", "LA-5GUP-S", "outbound_call"): "cap:all",
        (5, "music", "CO-MUSIC", "outbound_call"): "cap:outbound_call",
    }


def test_capacity_limits_and_budget_fill_best_score_first(spark: Any) -> None:
    contact_policy = w.policy(
        capacity={"outbound_call": {"daily": 2, "cities": {"P1.C02": {"daily": 1}}}}
    )
    strategies = [
        w.strategy("video-5g", allowed=("outbound_call",)),
        w.strategy(
            "travel",
            "age_years >= 60",
            (("SC-TRAVEL", None),),
            ("sms",),
            limits={"sms": 3},
            budget=0.25,  # 0.1 per SMS: two orders
        ),
    ]
    c02 = {"city_id": "P1.C02", "grid_id": "P1.C02.K002.G0002"}
    tags = [
        w.tags_row(1, p_5g_upgrade=0.6),
        w.tags_row(2, p_5g_upgrade=0.9),
        w.tags_row(3, p_5g_upgrade=0.7),
        w.tags_row(4, p_5g_upgrade=0.8),
        w.tags_row(5, p_5g_upgrade=0.4, **c02),
        w.tags_row(6, p_5g_upgrade=0.5, **c02),
        *(w.tags_row(i, heavy_video_user=False, age_years=61) for i in range(7, 12)),
    ]
    rows = w.run(w.inputs(spark, tags), w.plan(strategies, contact_policy))
    assert w.issued(rows) == [
        (2, "video-5g", "LA-5GUP-S", "outbound_call"),
        (4, "video-5g", "LA-5GUP-S", "outbound_call"),
        (6, "video-5g", "LA-5GUP-S", "outbound_call"),
        (7, "travel", "SC-TRAVEL", "sms"),
        (8, "travel", "SC-TRAVEL", "sms"),
    ]
    assert {k[0]: v for k, v in w.drops(rows).items() if v} == {
        1: "capacity:outbound_call@P1.C01",
        3: "capacity:outbound_call@P1.C01",
        5: "capacity:outbound_call@P1.C02",
        9: "budget",
        10: "limit",
        11: "limit",
    }
