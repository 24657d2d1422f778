"""Eligibility, consent, routing, other-network reach and scoring on hand-made tag rows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.matching import world as w

pytestmark = pytest.mark.spark

VIDEO = w.strategy("video-5g", priority=60)
PORT_IN = w.strategy(
    "port-in",
    segment="p_port_in > 0.2",
    offers=(("PI-SWITCH5G", None),),
    allowed=("internet", "outbound_call"),
)


@pytest.fixture(scope="module")
def eligibility(spark: Any) -> tuple[list[dict[str, Any]], Any, Any]:
    """1 all consent; 2 no call consent; 3 do-not-disturb; 4 holds the product;
    5 rival's subscriber interested in porting in; 6 outside every segment."""
    match_inputs = w.inputs(
        spark,
        [
            w.tags_row(1),
            w.tags_row(2),
            w.tags_row(3),
            w.tags_row(4),
            w.tags_row(5, network="other", p_port_in=0.5, grid_id="P1.C02.K002.G0002"),
            w.tags_row(6, heavy_video_user=False),
        ],
        consent=[
            w.consent_row(1),
            w.consent_row(2, off=("outbound_call",)),
            w.consent_row(3, dnd=True),
            w.consent_row(4),
            w.consent_row(5),
            w.consent_row(6),
        ],
        holdings=[(4, "LA-5GUP-S")],
    )
    match_plan = w.plan([VIDEO, PORT_IN])
    return w.run(match_inputs, match_plan), match_inputs, match_plan


def test_orders_go_to_eligible_consenting_subscribers(eligibility: Any) -> None:
    rows, _, _ = eligibility
    assert w.issued(rows) == [
        (1, "video-5g", "LA-5GUP-S", "outbound_call"),
        (2, "video-5g", "LA-5GUP-S", "sms"),
        (5, "port-in", "PI-SWITCH5G", "outbound_call"),
    ]


def test_each_candidate_says_why_it_stopped(eligibility: Any) -> None:
    rows, _, _ = eligibility
    assert w.drops(rows) == {
        (1, "video-5g", "LA-5GUP-S", "outbound_call"): None,
        (1, "video-5g", "LA-5GUP-S", "sms"): "routing",
        (2, "video-5g", "LA-5GUP-S", "outbound_call"): "consent",
        (2, "video-5g", "LA-5GUP-S", "sms"): None,
        (3, "video-5g", "LA-5GUP-S", "outbound_call"): "consent",
        (3, "video-5g", "LA-5GUP-S", "sms"): "consent",
        (5, "port-in", "PI-SWITCH5G", "outbound_call"): None,
    }


def test_held_products_and_unreachable_touchpoints_are_not_candidates(eligibility: Any) -> None:
    rows, _, _ = eligibility
    assert {r["subscriber_id"] for r in rows} == {1, 2, 3, 5}
    # The internet entry does not reach rivals' subscribers (policy), so no candidate there.
    assert [r["touchpoint"] for r in rows if r["subscriber_id"] == 5] == ["outbound_call"]


def test_score_is_propensity_value_lever_routing(eligibility: Any) -> None:
    rows, _, _ = eligibility
    call = next(r for r in rows if r["subscriber_id"] == 1 and r["touchpoint"] == "outbound_call")
    sms = next(r for r in rows if r["subscriber_id"] == 1 and r["touchpoint"] == "sms")
    # p_5g_upgrade 0.5; value 10 x 12 - 5 = 115; lever 60 / 50; call serves light add-ons.
    assert (call["propensity"], call["value"], call["lever"], call["routing_weight"]) == (
        0.5,
        115.0,
        1.2,
        1.0,
    )
    assert call["score"] == pytest.approx(69.0)
    assert sms["routing_weight"] == 0.5 and sms["score"] == pytest.approx(34.5)
    port_in = next(r for r in rows if r["subscriber_id"] == 5)
    # Rival's subscriber: the port-in model; value 99 x 12 - 200 = 988.
    assert port_in["propensity_source"] == "model:p_port_in"
    assert port_in["score"] == pytest.approx(0.5 * 988 * 1.0 * 0.5)


def test_naive_per_strategy_queries_give_the_same_candidates(eligibility: Any) -> None:
    rows, match_inputs, match_plan = eligibility
    assert w.run(match_inputs, match_plan, naive=True) == rows


def test_rank_expression_overrides_the_model_and_is_clipped(spark: Any) -> None:
    ranked = w.strategy(
        "ranked",
        segment="age_years > 0",
        offers=(("LA-5GUP-S", "age_years / 10"), ("CO-MUSIC", "p_content * 2")),
        allowed=("internet",),
    )
    rows = w.run(w.inputs(spark, [w.tags_row(1, age_years=5)]), w.plan([ranked]))
    by_product = {r["product_id"]: (r["propensity"], r["propensity_source"]) for r in rows}
    assert by_product == {"LA-5GUP-S": (0.5, "rank"), "CO-MUSIC": (0.6, "rank")}
    rows = w.run(w.inputs(spark, [w.tags_row(1, age_years=40)]), w.plan([ranked]))
    assert {r["product_id"]: r["propensity"] for r in rows}["LA-5GUP-S"] == 1.0


def test_fixed_order_routes_to_the_first_consented_touchpoint(spark: Any) -> None:
    fixed = w.strategy(
        "fixed",
        allowed=("outbound_call", "sms", "internet"),
        choose="fixed",
        order=("sms", "outbound_call"),
    )
    match_inputs = w.inputs(
        spark,
        [w.tags_row(1), w.tags_row(2)],
        consent=[w.consent_row(1), w.consent_row(2, off=("sms",))],
    )
    rows = w.run(match_inputs, w.plan([fixed]))
    assert w.issued(rows) == [
        (1, "fixed", "LA-5GUP-S", "sms"),
        (2, "fixed", "LA-5GUP-S", "outbound_call"),
    ]
