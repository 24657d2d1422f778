"""Held products: never offer a product the subscriber holds or one that conflicts with it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cube.matching.engine import candidates
from cube.matching.explain import explain_subscriber
from cube.matching.outputs import funnel_table
from tests.matching import world as w

pytestmark = pytest.mark.spark

VIDEO = w.strategy("video-5g", offers=(("LA-5GUP-S", None),), allowed=("outbound_call", "sms"))
CONTENT = w.strategy(
    "content", "p_content > 0.1", (("CO-VIDEO", None), ("CO-MUSIC", None)), ("internet",)
)
# Conflict graph of the world: LA-5GUP-S - LA-5GUP-L, CO-VIDEO - LA-DATA10G.
HOLDINGS = [
    (2, "LA-5GUP-S"),  # holds the offered product
    (3, "LA-5GUP-L"),  # holds one that excludes it
    (4, "LA-DATA10G"),  # excludes CO-VIDEO, not CO-MUSIC
    (5, "SC-TRAVEL"),  # unrelated
    (6, "LA-DATA10G"),
    (6, "CO-MUSIC"),  # neither content offer is left
]


@pytest.fixture(scope="module")
def held(spark: Any) -> Iterator[dict[str, Any]]:
    inputs = w.inputs(spark, [w.tags_row(i) for i in range(1, 7)], holdings=HOLDINGS)
    plan = w.plan([VIDEO, CONTENT])
    found = candidates(inputs, plan, persist=False).cache()
    rows = sorted(
        (r.asDict() for r in found.collect()),
        key=lambda r: (r["subscriber_id"], r["strategy_id"], r["product_id"], r["touchpoint"]),
    )
    yield {"inputs": inputs, "plan": plan, "found": found, "rows": rows}
    found.unpersist()


def test_held_and_conflicting_products_are_not_offered(held: dict[str, Any]) -> None:
    assert w.issued(held["rows"]) == [
        (1, "content", "CO-VIDEO", "internet"),
        (1, "video-5g", "LA-5GUP-S", "outbound_call"),
        (2, "content", "CO-VIDEO", "internet"),
        (3, "content", "CO-VIDEO", "internet"),
        (4, "content", "CO-MUSIC", "internet"),
        (4, "video-5g", "LA-5GUP-S", "outbound_call"),
        (5, "content", "CO-VIDEO", "internet"),
        (5, "video-5g", "LA-5GUP-S", "outbound_call"),
        (6, "video-5g", "LA-5GUP-S", "outbound_call"),
    ]
    offered = {(r["subscriber_id"], r["product_id"]) for r in held["rows"]}
    ruled_out = {(2, "LA-5GUP-S"), (3, "LA-5GUP-S"), (4, "CO-VIDEO"), (6, "CO-VIDEO")}
    assert offered & (ruled_out | {(6, "CO-MUSIC")}) == set()


def test_the_funnel_does_not_count_them_as_eligible(held: dict[str, Any]) -> None:
    rows = funnel_table(held["found"], "r1").collect()
    eligible = {(r["strategy_id"], r["touchpoint"]): r["eligible"] for r in rows}
    assert eligible == {
        ("video-5g", "outbound_call"): 4,  # 1, 4, 5, 6
        ("video-5g", "sms"): 4,
        ("content", "internet"): 5,  # all but 6
    }


def test_explain_names_the_held_product_and_the_conflict(held: dict[str, Any]) -> None:
    def verdict(subscriber: int, strategy: str) -> dict[str, Any]:
        report = explain_subscriber(
            held["inputs"].tags,
            held["found"],
            held["plan"],
            subscriber,
            holdings=held["inputs"].holdings,
        )
        return next(v for v in report["strategies"] if v["strategy_id"] == strategy)

    assert verdict(2, "video-5g") == {
        "strategy_id": "video-5g",
        "verdict": "dropped",
        "stage": "eligibility",
        "reason": "holdings: LA-5GUP-S already held",
        "held": ["LA-5GUP-S"],
    }
    assert verdict(3, "video-5g")["reason"] == ("holdings: LA-5GUP-S conflicts with held LA-5GUP-L")
    assert verdict(6, "content")["reason"] == (
        "holdings: CO-MUSIC already held; CO-VIDEO conflicts with held LA-DATA10G"
    )
    assert verdict(4, "content")["order"]["product_id"] == "CO-MUSIC"
