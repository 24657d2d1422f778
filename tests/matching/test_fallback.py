"""Touchpoint fallback: offers displaced by a full touchpoint try the next one with room."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from cube.matching import frames
from cube.matching.outputs import work_orders
from tests.matching import world as w

pytestmark = pytest.mark.spark

CALL = "capacity:outbound_call@P1.C01"


def _world(spark: Any, **routing: Any) -> tuple[Any, Any]:
    """Two calls and one SMS a day; calls preferred (light add-on affinity)."""
    base = w.policy().routing.model_dump()
    contact_policy = w.policy(
        capacity={"outbound_call": {"daily": 2}, "sms": {"daily": 1}},
        frequency_caps=[{"touchpoint": "sms", "max": 1, "days": 30}],
        routing={**base, **routing},
    )
    tags = [
        w.tags_row(1, p_5g_upgrade=0.6),
        w.tags_row(2, p_5g_upgrade=0.9),
        w.tags_row(3, p_5g_upgrade=0.7),  # no SMS consent
        w.tags_row(4, p_5g_upgrade=0.8),
        w.tags_row(5, p_5g_upgrade=0.65),
        w.tags_row(6, p_5g_upgrade=0.55),  # SMS cap used up by history
    ]
    consent = [w.consent_row(i) for i in (1, 2, 4, 5, 6)] + [w.consent_row(3, off=("sms",))]
    history = [w.contact(6, "sms", dt.date(2026, 10, 20))]
    match_inputs = w.inputs(spark, tags, consent=consent, history=history)
    return match_inputs, w.plan([w.strategy("video-5g")], contact_policy)


def test_displaced_offers_fall_back_to_the_next_touchpoint_with_room(spark: Any) -> None:
    match_inputs, match_plan = _world(spark)
    rows = w.run(match_inputs, match_plan)
    assert len(rows) == len(w.drops(rows)) == 12  # each candidate once after two rounds
    assert w.issued(rows) == [
        (2, "video-5g", "LA-5GUP-S", "outbound_call"),
        (4, "video-5g", "LA-5GUP-S", "outbound_call"),
        (5, "video-5g", "LA-5GUP-S", "sms"),
    ]
    assert {(k[0], k[3]): v for k, v in w.drops(rows).items() if v not in (None, "routing")} == {
        (1, "outbound_call"): CALL,
        (1, "sms"): "capacity:sms@P1.C01",  # second round: 5 scored higher for the one SMS
        (3, "outbound_call"): CALL,
        (3, "sms"): "consent",
        (5, "outbound_call"): CALL,
        (6, "outbound_call"): CALL,
        (6, "sms"): "cap:sms",
    }
    orders = work_orders(
        w.candidates(match_inputs, match_plan, persist=False), match_plan, "R1"
    ).collect()
    explained = {o["subscriber_id"]: json.loads(o["explanation"]) for o in orders}
    assert explained[5]["fallback_from"] == ["outbound_call"]
    assert "fallback_from" not in explained[2]  # only orders that fell back name it


def test_without_fallback_displaced_offers_are_dropped(spark: Any) -> None:
    match_inputs, match_plan = _world(spark, fallback=False)
    rows = w.run(match_inputs, match_plan)
    assert w.issued(rows) == [
        (2, "video-5g", "LA-5GUP-S", "outbound_call"),
        (4, "video-5g", "LA-5GUP-S", "outbound_call"),
    ]
    assert {k[0] for k, v in w.drops(rows).items() if v == CALL} == {1, 3, 5, 6}


def test_offers_over_a_strategy_limit_fall_back_with_the_stage_they_reached(spark: Any) -> None:
    """No capacity anywhere: the strategy's own limit of two calls displaces the rest."""
    tags = [w.tags_row(i, p_5g_upgrade=p) for i, p in ((1, 0.6), (2, 0.9), (3, 0.7), (4, 0.8))]
    consent = [w.consent_row(i) for i in (1, 2, 4)] + [w.consent_row(3, off=("sms",))]
    limited = w.strategy("video-5g", limits={"outbound_call": 2})
    match_inputs = w.inputs(spark, tags, consent=consent)
    rows = w.run(match_inputs, w.plan([limited], w.policy()))
    assert w.issued(rows) == [
        (1, "video-5g", "LA-5GUP-S", "sms"),
        (2, "video-5g", "LA-5GUP-S", "outbound_call"),
        (4, "video-5g", "LA-5GUP-S", "outbound_call"),
    ]
    displaced = {(r["subscriber_id"], r["touchpoint"]): (r["reached"], r["dropped_by"])
                 for r in rows if r["dropped_by"] not in (None, "routing")}  # fmt: skip
    assert displaced == {
        (1, "outbound_call"): (5, "limit"),  # passed capacity, stopped at the limit
        (3, "outbound_call"): (5, "limit"),
        (3, "sms"): (0, "consent"),
    }


def test_without_fallback_offers_over_a_limit_are_dropped(spark: Any) -> None:
    tags = [w.tags_row(i, p_5g_upgrade=p) for i, p in ((1, 0.6), (2, 0.9), (4, 0.8))]
    limited = w.strategy("video-5g", limits={"outbound_call": 2})
    base = w.policy().routing.model_dump()
    no_fallback = w.policy(routing={**base, "fallback": False})
    rows = w.run(w.inputs(spark, tags), w.plan([limited], no_fallback))
    assert [r[0] for r in w.issued(rows)] == [2, 4]
    assert w.drops(rows)[(1, "video-5g", "LA-5GUP-S", "outbound_call")] == "limit"


def test_the_rounds_keep_only_the_frames_the_result_reads(spark: Any) -> None:
    """Two rounds: each round's rows, result and barred pairs replace the last, which are
    released; what is left stored (the staged candidates, the last replay, the last
    result, the barred pairs and the last, empty, displacement) is what the run's tables
    read, the stored result equals the one computed without storing, and releasing the
    kept frames frees every block they held."""
    match_inputs, match_plan = _world(spark)

    def stored() -> set[int]:
        """Ids of the RDDs Spark keeps blocks of (other tests' may come and go)."""
        return {int(i) for i in spark.sparkContext._jsc.getPersistentRDDs().keySet()}

    kept: list[Any] = []
    found = w.candidates(match_inputs, match_plan, cached=kept)
    key = ("subscriber_id", "strategy_id", "product_id", "touchpoint")
    rows = sorted((r.asDict() for r in found.collect()), key=lambda r: [r[k] for k in key])
    assert len(kept) == 5
    ids = {frames.stored_id(f) for f in kept}
    assert len(ids) == 5
    assert ids <= stored()
    frames.release(kept)
    assert ids & stored() == set()
    assert rows == w.run(match_inputs, match_plan)
