"""Own-network accounts: plan, tenure, commitment, broadband, usage habits, payment.

These are the per-line drivers the usage, billing and holdings tables are drawn from;
the visible tables are noisy realisations of them, as real extracts are of real habits.
Values for other-network lines are placeholders (-1, 0, False) and never reach a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube.data.assortment import (
    CAMPUS_PLAN,
    FAMILY_PLAN,
    PLAN_LADDER_4G,
    PLAN_LADDER_5G,
    SENIOR_PLAN,
    Assortment,
)
from cube.data.households import HEAD, SINGLE, Households

# Value score edges between the five plan tiers.
TIER_EDGES = np.array([-1.0, -0.3, 0.4, 1.1])
CONTRACT_SHARE = 0.55
MAX_TENURE_DAYS = 25 * 365
USAGE_OF_ALLOWANCE = 0.45


@dataclass(frozen=True)
class Accounts:
    """Per line of a chunk; meaningful on own-network lines only."""

    plan: np.ndarray  # int16 index into Assortment plans, -1 for other network
    activation_day: np.ndarray  # int32 days since epoch
    contract_end_day: np.ndarray  # int32 days since epoch, -1 without commitment
    household_broadband: np.ndarray  # bool: the household holds home broadband
    data_gb: np.ndarray  # typical monthly mobile data, GB
    share_video: np.ndarray
    share_music: np.ndarray
    share_game: np.ndarray
    share_5g: np.ndarray  # share of data carried on 5G cells
    voice_daily: np.ndarray  # typical minutes a day
    sms_daily: np.ndarray
    decline: np.ndarray  # log-drop of usage after decline_day (0 = steady)
    decline_day: np.ndarray  # int8 day of the 30-day window the drop starts
    arrears_months: np.ndarray  # int8 trailing months left unpaid
    suspended: np.ndarray  # bool


def draw_accounts(
    rng: np.random.Generator,
    assortment: Assortment,
    as_of_day: int,
    own: np.ndarray,
    households: Households,
    age: np.ndarray,
    value: np.ndarray,
    video: np.ndarray,
    music: np.ndarray,
    game: np.ndarray,
    handset_5g: np.ndarray,
) -> Accounts:
    """Draw every own-network account driver for one chunk."""
    n = own.size
    plan = _plans(rng, assortment, own, households, age, value, handset_5g)
    tenure = np.where(
        rng.random(n) < 0.15, rng.integers(1, 365, n), 180 + rng.exponential(5 * 365, n)
    )
    tenure = np.minimum(tenure, np.maximum(30, (age - 10) * 365)).clip(1, MAX_TENURE_DAYS)
    has_contract = own & (rng.random(n) < CONTRACT_SHARE)
    contract_end = np.where(has_contract, as_of_day + rng.integers(1, 731, n), -1)

    broadband_p = np.where(households.role == HEAD, 0.45, 0.0)
    broadband_p = np.where(households.role == SINGLE, 0.18, broadband_p)
    broadband_p *= np.clip(1.0 + 0.25 * value, 0.5, 1.5)
    broadband = own & (rng.random(n) < broadband_p)
    broadband = broadband[households.head]

    allowance = assortment.plan_data_gb[np.maximum(plan, 0)]
    # People use well under their allowance on average; a heavy tail runs over it.
    data_gb = USAGE_OF_ALLOWANCE * allowance * np.exp(rng.normal(0.0, 0.6, n) + 0.35 * video)
    weights = np.stack(
        [
            np.exp(0.9 * video + 0.3),
            np.exp(0.7 * music - 1.3),
            np.exp(0.9 * game - 1.2),
            np.exp(0.8 + 0.3 * rng.normal(size=n)),
        ]
    )
    shares = weights / weights.sum(axis=0)
    plan_5g = assortment.plan_is_5g[np.maximum(plan, 0)] & own
    share_5g = np.where(
        handset_5g & plan_5g,
        rng.uniform(0.35, 0.85, n),
        np.where(handset_5g, rng.uniform(0.0, 0.06, n), 0.0),
    )
    decliner = own & (rng.random(n) < 0.06 + 0.06 * (value < -0.5) + 0.04 * ~has_contract)
    arrears_p = 1.0 / (1.0 + np.exp(3.4 + 0.6 * value - 1.0 * decliner))
    arrears_months = np.where(own & (rng.random(n) < arrears_p), 1 + rng.binomial(5, 0.25, n), 0)
    return Accounts(
        plan=np.where(own, plan, -1).astype(np.int16),
        activation_day=(as_of_day - np.round(tenure)).astype(np.int32),
        contract_end_day=contract_end.astype(np.int32),
        household_broadband=broadband,
        data_gb=np.clip(data_gb, 0.05, 400.0),
        share_video=shares[0],
        share_music=shares[1],
        share_game=shares[2],
        share_5g=share_5g,
        voice_daily=np.exp(rng.normal(np.log(6.0) + 0.015 * (age - 40), 0.7)),
        sms_daily=np.exp(rng.normal(np.log(0.4), 0.8, n)),
        decline=np.where(decliner, rng.uniform(0.3, 2.3, n), 0.0),
        decline_day=rng.integers(3, 28, n).astype(np.int8),
        arrears_months=arrears_months.astype(np.int8),
        suspended=(arrears_months >= 3) & (rng.random(n) < 0.6),
    )


def _plans(
    rng: np.random.Generator,
    assortment: Assortment,
    own: np.ndarray,
    households: Households,
    age: np.ndarray,
    value: np.ndarray,
    handset_5g: np.ndarray,
) -> np.ndarray:
    """Plan per line: a value tier on the 4G or 5G ladder; senior, campus, family plans."""
    n = own.size
    tier = np.digitize(value + rng.normal(0, 0.5, n), TIER_EDGES)
    ladder_4g = np.array([assortment.plan(p) for p in PLAN_LADDER_4G])
    ladder_5g = np.array([assortment.plan(p) for p in PLAN_LADDER_5G])
    wants_5g = rng.random(n) < np.where(handset_5g, 0.7, 0.08)
    plan = np.where(wants_5g, ladder_5g[tier], ladder_4g[tier])
    plan = np.where((age >= 65) & (rng.random(n) < 0.4), assortment.plan(SENIOR_PLAN), plan)
    campus = (age >= 16) & (age <= 22) & (rng.random(n) < 0.3)
    plan = np.where(campus, assortment.plan(CAMPUS_PLAN), plan)
    family_plan = (households.role == HEAD) & (households.size >= 3) & (rng.random(n) < 0.35)
    family_plan = family_plan[households.head]
    return np.where(family_plan & own, assortment.plan(FAMILY_PLAN), plan)
