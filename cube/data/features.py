"""The subscriber features the true base logits are written in.

Each feature is a plain function of a chunk's `Population`, scaled to roughly unit
range, and zero where it does not apply (own-network-only features on other-network
lines). Most have a visible counterpart in the tables (a usage share, a handset date,
an arrears amount, interaction counts); `openness` and `travel` are deliberately hidden.
"""

from __future__ import annotations

import numpy as np

from cube.data.assortment import Assortment
from cube.data.households import HEAD
from cube.data.population import TOPIC, Population

CONTRACT_ENDING_DAYS = 120


def truth_features(
    pop: Population, assortment: Assortment, as_of_day: int
) -> dict[str, np.ndarray]:
    """Every feature `cube.data.behaviour` names, one float per subscriber."""
    acc, own = pop.accounts, pop.own
    plan = np.maximum(acc.plan, 0)
    allowance = assortment.plan_data_gb[plan]
    plan_5g = assortment.plan_is_5g[plan] & own
    days_left = np.where(acc.contract_end_day >= 0, acc.contract_end_day - as_of_day, 10**6)
    tenure_years = np.maximum(as_of_day - acc.activation_day, 0) / 365.0
    family = pop.households.size >= 2
    features = {
        "overage": np.clip(np.log2(acc.data_gb / allowance), 0.0, 2.0),
        "five_g_gap": pop.handset_5g & ~plan_5g,
        "video_share": (acc.share_video - 0.3) / 0.15,
        "music_share": (acc.share_music - 0.06) / 0.05,
        "game_share": (acc.share_game - 0.06) / 0.05,
        "data_volume": np.clip(np.log(acc.data_gb / 20.0), -3.0, 3.0),
        "value": pop.value,
        "arrears": acc.arrears_months > 0,
        "usage_decline": acc.decline,
        "contract_ending": np.clip(1.0 - days_left / CONTRACT_ENDING_DAYS, 0.0, 1.0),
        "tenure": np.log1p(tenure_years),
        "family_no_broadband": family & ~acc.household_broadband,
        "household_broadband": acc.household_broadband,
        "family_head": pop.households.role == HEAD,
    }
    own_only = {name: np.where(own, values, 0.0) for name, values in features.items()}
    shared = {
        "handset_age": np.clip(pop.handset_age_days / 730.0, 0.0, 3.0),
        "handset_not_5g": ~pop.handset_5g,
        "young": pop.age < 30,
        "senior": pop.age >= 55,
        "rival_b": pop.carrier == 2,
        "store_affinity": pop.store_affinity,
        "app_activity": np.log(pop.activity / 3.0),
        "openness": pop.openness,
        "travel": pop.travel,
        **{f"interest_{topic}": pop.interest[:, i] for topic, i in TOPIC.items()},
    }
    shared = {name: np.asarray(values, dtype=np.float64) for name, values in shared.items()}
    return {**own_only, **shared}
