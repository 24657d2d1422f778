"""Routing feedback: Beta posteriors, seeded Thompson draws, weights per touchpoint x category."""

from __future__ import annotations

import pandas as pd
import pytest

from cube.evaluation.config import Feedback
from cube.evaluation.feedback import (
    category_counts,
    category_weights,
    posteriors,
)

RUNS = 60


def metrics(rows: list[tuple[str, str, str, int, int, int]]) -> pd.DataFrame:
    """Category-level rows: (strategy, touchpoint, category, issued, attempted, accepted)."""
    return pd.DataFrame(
        [{"level": "category", "strategy_id": s, "touchpoint": t, "drill": c, "issued": i,
          "attempted": n, "accepted": a} for s, t, c, i, n, a in rows]
    )  # fmt: skip


def test_posterior_pools_runs_and_strategies_per_touchpoint_and_category() -> None:
    run1 = metrics([("s-a", "sms", "content", 100, 80, 8), ("s-b", "sms", "content", 50, 40, 2)])
    run2 = metrics([("s-a", "sms", "content", 100, 80, 10)])
    found = posteriors(category_counts([run1, run2]), Feedback(), "r1")
    row = found.iloc[0]
    assert (row["alpha"], row["beta"]) == (1 + 20, 20 + 250 - 20)  # per issued order
    assert round(row["mean"], 6) == round(21 / 271, 6)


def test_draws_are_fixed_by_the_run_id() -> None:
    counts = category_counts(
        [metrics([("s-a", "sms", "content", 10, 10, 1), ("s-a", "internet", "content", 10, 10, 2)])]
    )
    first = posteriors(counts, Feedback(), "run-1")["draw"].tolist()
    assert posteriors(counts, Feedback(), "run-1")["draw"].tolist() == first
    assert posteriors(counts, Feedback(), "run-2")["draw"].tolist() != first


@pytest.mark.parametrize(("scale", "low", "high"), [(1, 0.1, 0.5), (100, 0.0, 0.02)])
def test_a_worse_looking_touchpoint_keeps_traffic_while_evidence_is_thin(
    scale: int, low: float, high: float
) -> None:
    """Seen 20 vs 40 orders with 2 vs 6 acceptances, sms still out-draws the call in a fair
    share of runs; with 100 times the evidence it almost never does."""
    counts = category_counts(
        [metrics([("s-a", "sms", "light_addon", 20 * scale, 20 * scale, 2 * scale),
                  ("s-a", "outbound_call", "light_addon", 40 * scale, 40 * scale, 6 * scale)])]
    )  # fmt: skip
    wins = 0
    for i in range(RUNS):
        found = posteriors(counts, Feedback(), f"run-{i}").set_index("touchpoint")
        wins += found.loc["sms", "weight"] > found.loc["outbound_call", "weight"]
    assert low <= wins / RUNS <= high


def test_weights_are_clipped_and_written_per_touchpoint_and_category() -> None:
    counts = category_counts(
        [metrics([("s-a", "sms", "content", 1000, 300, 1), ("s-a", "internet", "content", 1000,
                   100, 300), ("s-b", "sms", "scenario", 1000, 100, 100)])]
    )  # fmt: skip
    post = posteriors(counts, Feedback(min_weight=0.2, max_weight=3.0), "r")
    indexed = post.set_index(["touchpoint", "product_category"])
    assert indexed.loc[("sms", "content"), "weight"] == 0.2  # clipped from about 0.007
    internet = round(float(indexed.loc[("internet", "content"), "weight"]), 6)
    assert 1.9 < internet <= 2.0  # the other of the two content touchpoints: 2 - (~0.007)
    # One row per touchpoint x category, whichever strategies the counts came from, so a
    # strategy selling content on sms next cycle inherits 0.2 even if it never ran.
    assert category_weights(post) == [
        {"product_category": "content", "touchpoint": "internet", "weight": internet},
        {"product_category": "content", "touchpoint": "sms", "weight": 0.2},
        {"product_category": "scenario", "touchpoint": "sms", "weight": 1.0},  # only one seen
    ]


COSTS = {"outbound_call": 1.08, "sms": 0.05}


def _call_against_sms() -> pd.DataFrame:
    """Calls convert 20% of their orders at 1.08 CNY a contact, SMS 15% at 0.05 CNY."""
    return category_counts(
        [metrics([("s-a", "outbound_call", "light_addon", 10_000, 8_000, 2_000),
                  ("s-a", "sms", "light_addon", 10_000, 10_000, 1_500)])]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("exponent", "best", "p_best_sms"), [(0.0, "outbound_call", 0.0), (0.5, "sms", 1.0)]
)
def test_cost_exponent_trades_acceptance_against_contact_cost(
    exponent: float, best: str, p_best_sms: float
) -> None:
    found = posteriors(_call_against_sms(), Feedback(cost_exponent=exponent), "r", COSTS)
    found = found.set_index("touchpoint")
    assert found["weight"].idxmax() == best
    assert found.loc["sms", "p_best"] == p_best_sms
    # The expected contact cost of an order: smoothed reach x unit cost.
    assert found.loc["outbound_call", "cost_per_order"] == 8_001 / 10_002 * 1.08
    call = found.loc["outbound_call"]
    assert call["efficiency"] == call["draw"] / call["cost_per_order"] ** exponent


def test_without_costs_efficiency_is_the_acceptance_draw() -> None:
    found = posteriors(_call_against_sms(), Feedback(cost_exponent=1.0), "r")
    assert found["efficiency"].tolist() == found["draw"].tolist()
    assert found["cost_per_order"].isna().all()


def test_a_free_touchpoint_is_floored_not_divided_by_zero() -> None:
    costs = COSTS | {"sms": 0.0}
    found = posteriors(_call_against_sms(), Feedback(cost_exponent=1.0), "r", costs)
    sms = found.set_index("touchpoint").loc["sms"]
    assert sms["efficiency"] == sms["draw"] / 1e-4
    # Of two touchpoints the weight is at most 2 (twice the mean); the call's is ~0.
    assert round(sms["weight"], 3) == 2.0
