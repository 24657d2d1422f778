"""Part 5: over repeated seeds the reported 95% uplift interval contains the true uplift.

Outcomes are simulated with the generator's own behaviour model (cube.data.truth):
subscribers with known base logits are split at random into holdout and treated, the
treated are offered a product on a touchpoint, each contact's outcome is drawn, and
every subscriber may also take the product on their own. The true uplift of a strategy
x touchpoint cell is then known exactly: the mean over the strategy's subscribers of
P(take | offered via touchpoint) - P(take | not contacted). The evaluation sees only the
simulated orders, states and take-ups.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cube.contract import CONTACT_OUTCOMES, TOUCHPOINTS
from cube.data.behaviour import default_params
from cube.data.truth import conversion_probability, draw_outcomes, organic_probability
from cube.evaluation.config import EvaluationConfig
from cube.evaluation.metrics import compute
from cube.evaluation.outcomes import Cycle
from cube.runs import RunManifest

STRATEGIES = {"s-addon": "light_addon", "s-content": "content"}
SUBSCRIBERS = 4000  # per seed, split over the strategies
HOLDOUT_SHARE = 0.2
SEEDS = 20
ENOUGH = 100  # units per arm for a cell to count
STATE = {"accepted": "accepted", "declined": "declined", "no_answer": "no_answer",
         "ignored": "contacted", "opted_out": "opted_out"}  # fmt: skip


def simulate(seed: int) -> tuple[Cycle, dict[tuple[str, str], float]]:
    rng = np.random.default_rng(seed)
    params = default_params()
    logit = rng.normal(-1.5, 0.8, SUBSCRIBERS)
    strategy = rng.choice(list(STRATEGIES), SUBSCRIBERS)
    category = np.array([STRATEGIES[s] for s in strategy])
    held = rng.random(SUBSCRIBERS) < HOLDOUT_SHARE
    touchpoint = rng.choice(TOUCHPOINTS, SUBSCRIBERS)
    organic = rng.random(SUBSCRIBERS) < organic_probability(logit, category, params)
    outcome = np.array(CONTACT_OUTCOMES)[draw_outcomes(rng, logit, category, touchpoint, params)]
    truth = {}
    for s, c in STRATEGIES.items():
        mine = logit[strategy == s]
        base = organic_probability(mine, c, params).mean()
        for t in TOUCHPOINTS:
            truth[(s, t)] = float(conversion_probability(mine, c, t, params).mean() - base)
    units = pd.DataFrame(
        {"strategy_id": strategy, "subscriber_id": np.arange(SUBSCRIBERS), "product_id": category,
         "product_category": category, "region_path": "P1.C01.K001.G0001", "cell": "stable|high"}
    )  # fmt: skip
    treated = units[~held].assign(
        order_id=lambda f: f["subscriber_id"].astype(str),
        touchpoint=touchpoint[~held],
        monthly_value=10.0,
        commission=1.0,
        state=[STATE[o] for o in outcome[~held]],
        delivered=True,
        churned=False,
    )
    treated = treated.assign(converted=treated["state"].eq("accepted") | organic[~held])
    holdout = units[held].assign(converted=organic[held])
    return _cycle(seed, treated, holdout), truth


def _cycle(seed: int, treated: pd.DataFrame, holdout: pd.DataFrame) -> Cycle:
    day = dt.date(2026, 11, 1)
    manifest = RunManifest(run_id=f"sim-{seed}", period="2026-11", snapshot_date=day,
                           created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), strategies=(),
                           policy_sha256="0" * 64, counts={})  # fmt: skip
    return Cycle(run_id=manifest.run_id, manifest=manifest, run_date=day, window_end=day,
                 as_of=day, treated=treated, holdout=holdout)  # fmt: skip


def test_true_uplift_lies_in_the_95_percent_interval_in_at_least_90_percent_of_cells() -> None:
    hits, widths, errors = [], [], []
    for seed in range(SEEDS):
        cycle, truth = simulate(seed)
        metrics = compute(cycle, EvaluationConfig(), levels=("touchpoint",))
        cells = metrics[(metrics["level"] == "touchpoint")]
        cells = cells[(cells["issued"] >= ENOUGH) & (cells["holdout_n"] >= ENOUGH)]
        for row in cells.itertuples():
            true = truth[(row.strategy_id, row.touchpoint)]
            hits.append(row.uplift_low <= true <= row.uplift_high)
            widths.append(row.uplift_high - row.uplift_low)
            errors.append(row.uplift - true)
    assert len(hits) >= 0.9 * SEEDS * len(STRATEGIES) * len(TOUCHPOINTS)
    assert np.mean(hits) >= 0.90, f"coverage {np.mean(hits):.3f} over {len(hits)} cells"
    # Not vacuous: the intervals are narrow and the estimate unbiased.
    assert np.mean(widths) < 0.15
    assert abs(np.mean(errors)) < 0.01
