"""Feedback into routing: touchpoint efficiency per product category, learnt by Bayes.

Acceptance is per issued order: what routing an order to that touchpoint yields
(reach x acceptance). Per attempted contact would flatter the touchpoints that wait for
the subscriber: a store pop-up is attempted only when the subscriber walks in, so its
few contacts convert well while most of its orders are never seen. Per touchpoint x
product category the acceptances and issued orders of the last `lookback_runs`
evaluated runs update a Beta prior from evaluation.yaml:
Beta(alpha + accepted, beta + issued - accepted).

Efficiency weighs what an order yields against what it costs to contact:
efficiency = p / (reach x cost_per_contact) ^ cost_exponent, where p is the acceptance
per issued order, reach = (attempted + 1) / (issued + 2) the share of orders attempted
and cost_per_contact the contact policy's unit cost. cost_exponent 0 ranks touchpoints
by acceptance alone (conversion per contact rises, ROI need not: the call centre
converts best and costs most); 1 by acceptances per CNY of contact cost (ROI rises,
conversion per contact need not: SMS is cheapest); the default 0.5 is the geometric
mean of the two. A product's revenue is the same on every touchpoint, so it cancels
within a category and does not appear.

Thompson sampling turns posteriors into weights: one draw of p per touchpoint x
category, seeded by the run id (so re-evaluating a run writes the same file), turned
into efficiency, divided by the mean efficiency of the touchpoints seen for that
category (1.0 = average) and clipped to [min_weight, max_weight]. A touchpoint that
looks worse but is uncertain draws high in some cycles and so keeps getting traffic; as
evidence accumulates the draws concentrate on the posterior means. `p_best` (share of
4,000 draws in which a touchpoint is the most efficient for the category) is reported
alongside.

The file matching reads holds one row {product_category, touchpoint, weight} per
touchpoint x category (cube.matching.efficiency.EfficiencyWeight): efficiency is a
property of the touchpoint and the category, so a strategy inherits the weights of the
categories it sells, a new one included.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cube.atomic import write_text_atomic
from cube.evaluation.config import Feedback

P_BEST_DRAWS = 4000
# CNY: the floor of an order's contact cost, so a free touchpoint's efficiency is finite.
MIN_COST = 1e-4


def seed_for(run_id: str) -> int:
    """A 64-bit seed fixed by the run id."""
    return int.from_bytes(hashlib.sha256(f"thompson|{run_id}".encode()).digest()[:8], "big")


def category_counts(history: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Accepted, attempted and issued per strategy x touchpoint x category, summed over runs."""
    rows = [m[m["level"] == "category"] for m in history]
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(
            columns=["strategy_id", "touchpoint", "product_category", "accepted", "attempted",
                     "issued"]
        )  # fmt: skip
    frame = frame.rename(columns={"drill": "product_category"})
    keys = ["strategy_id", "touchpoint", "product_category"]
    return frame.groupby(keys)[["accepted", "attempted", "issued"]].sum().reset_index()


def posteriors(
    counts: pd.DataFrame,
    feedback: Feedback,
    run_id: str,
    cost_per_contact: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Beta posterior, one Thompson draw, efficiency, weight and p_best per touchpoint x
    category; without `cost_per_contact` efficiency is the acceptance alone."""
    pooled = counts.groupby(["touchpoint", "product_category"])[
        ["accepted", "attempted", "issued"]
    ].sum()
    pooled = pooled.reset_index()
    alpha = feedback.prior.alpha + pooled["accepted"].to_numpy(dtype=float)
    beta = feedback.prior.beta + (pooled["issued"] - pooled["accepted"]).to_numpy(dtype=float)
    cost = _cost_per_order(pooled, cost_per_contact)
    divisor = _cost_divisor(cost, feedback.cost_exponent)
    rng = np.random.default_rng(seed_for(run_id))
    draw = rng.beta(alpha, beta) if len(pooled) else np.array([])
    out = pooled.assign(
        alpha=alpha,
        beta=beta,
        mean=alpha / (alpha + beta),
        draw=draw,
        cost_per_order=cost,
        efficiency=draw / divisor,
        weight=1.0,
        p_best=0.0,
    )
    for _, index in out.groupby("product_category").groups.items():
        rows = out.loc[index]
        relative = rows["efficiency"] / rows["efficiency"].mean()
        out.loc[index, "weight"] = relative.clip(feedback.min_weight, feedback.max_weight)
        # `pooled` was reset, so its labels are positions in `divisor`.
        out.loc[index, "p_best"] = _p_best(
            rng, rows["alpha"].to_numpy(), rows["beta"].to_numpy(), divisor[np.asarray(index)]
        )
    return out.sort_values(["product_category", "touchpoint"], ignore_index=True)


def _cost_per_order(
    pooled: pd.DataFrame, cost_per_contact: Mapping[str, float] | None
) -> np.ndarray:
    """Expected contact cost of an issued order: reach x the touchpoint's unit cost (NaN
    without costs). Reach is smoothed (Laplace) so a touchpoint seen once is not 0 or 1."""
    if cost_per_contact is None:
        return np.full(len(pooled), np.nan)
    reach = (pooled["attempted"].to_numpy(dtype=float) + 1) / (
        pooled["issued"].to_numpy(dtype=float) + 2
    )
    unit = pooled["touchpoint"].map(lambda t: cost_per_contact.get(t, 0.0)).to_numpy(float)
    return reach * unit


def _cost_divisor(cost: np.ndarray, exponent: float) -> np.ndarray:
    """(cost per order) ^ exponent, 1 without costs; a free touchpoint's cost is floored
    at MIN_COST."""
    if exponent == 0 or np.isnan(cost).all():
        return np.ones(len(cost))
    return np.maximum(cost, MIN_COST) ** exponent


def _p_best(
    rng: np.random.Generator, alpha: np.ndarray, beta: np.ndarray, divisor: np.ndarray
) -> np.ndarray:
    draws = rng.beta(alpha, beta, size=(P_BEST_DRAWS, len(alpha))) / divisor
    wins = np.bincount(draws.argmax(axis=1), minlength=len(alpha))
    return wins / P_BEST_DRAWS


def category_weights(posterior: pd.DataFrame) -> list[dict[str, object]]:
    """Rows {product_category, touchpoint, weight}, one per touchpoint x category seen.

    This is the efficiency file matching reads (cube.matching.efficiency): a strategy's
    routing weight on a touchpoint is the row of its offered product's category, so a new
    strategy selling a category inherits what the others learnt. Touchpoints never seen
    for a category have no row (weight 1.0, the average).
    """
    return [
        {
            "product_category": str(r["product_category"]),
            "touchpoint": str(r["touchpoint"]),
            "weight": round(float(r["weight"]), 6),
        }
        for _, r in posterior.sort_values(["product_category", "touchpoint"]).iterrows()
    ]


def write_weights(path: Path, rows: list[dict[str, object]]) -> Path:
    """The file the next match reads (cube.matching.efficiency.efficiency_file), atomically."""
    write_text_atomic(path, json.dumps(rows, indent=2) + "\n")
    return path
