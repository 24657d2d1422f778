"""Feedback into routing: touchpoint efficiency per product category, learnt by Bayes.

Efficiency is acceptance per issued order: what routing an order to that touchpoint
yields (reach x acceptance). Per attempted contact would flatter the touchpoints that
wait for the subscriber: a store pop-up is attempted only when the subscriber walks in,
so its few contacts convert well while most of its orders are never seen. Per
touchpoint x product category the acceptances and issued orders of the last
`lookback_runs` evaluated runs update a Beta prior from evaluation.yaml:
Beta(alpha + accepted, beta + issued - accepted).

Thompson sampling turns posteriors into weights: one draw per touchpoint x category,
seeded by the run id (so re-evaluating a run writes the same file), divided by the
mean draw of the touchpoints seen for that category (1.0 = average) and clipped to
[min_weight, max_weight]. A touchpoint that looks worse but is uncertain draws high
in some cycles and so keeps getting traffic; as evidence accumulates the draws
concentrate on the posterior means. `p_best` (share of 4,000 draws in which a
touchpoint is the best for the category) is reported alongside.

The file matching reads holds one row {product_category, touchpoint, weight} per
touchpoint x category (cube.matching.efficiency.EfficiencyWeight): efficiency is a
property of the touchpoint and the category, so a strategy inherits the weights of the
categories it sells, a new one included.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cube.atomic import write_text_atomic
from cube.evaluation.config import Feedback

P_BEST_DRAWS = 4000


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


def posteriors(counts: pd.DataFrame, feedback: Feedback, run_id: str) -> pd.DataFrame:
    """Beta posterior, one Thompson draw, weight and p_best per touchpoint x category."""
    pooled = counts.groupby(["touchpoint", "product_category"])[["accepted", "issued"]].sum()
    pooled = pooled.reset_index()
    alpha = feedback.prior.alpha + pooled["accepted"].to_numpy(dtype=float)
    beta = feedback.prior.beta + (pooled["issued"] - pooled["accepted"]).to_numpy(dtype=float)
    rng = np.random.default_rng(seed_for(run_id))
    draw = rng.beta(alpha, beta) if len(pooled) else np.array([])
    out = pooled.assign(
        alpha=alpha, beta=beta, mean=alpha / (alpha + beta), draw=draw, weight=1.0, p_best=0.0
    )
    for _, index in out.groupby("product_category").groups.items():
        rows = out.loc[index]
        relative = rows["draw"] / rows["draw"].mean()
        out.loc[index, "weight"] = relative.clip(feedback.min_weight, feedback.max_weight)
        out.loc[index, "p_best"] = _p_best(rng, rows["alpha"].to_numpy(), rows["beta"].to_numpy())
    return out.sort_values(["product_category", "touchpoint"], ignore_index=True)


def _p_best(rng: np.random.Generator, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    draws = rng.beta(alpha, beta, size=(P_BEST_DRAWS, len(alpha)))
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
