"""The funnel world: one subscriber dropped at each matching stage, matched once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cube.matching.engine import candidates
from cube.matching.plan import holdout_draw
from tests.matching import world as w

PERIOD = "2026-11"
FUNNEL_ID = "funnel"


def _ids(count: int, held: bool, share: float = 0.5) -> list[int]:
    """Subscriber ids the holdout of strategy 'funnel' keeps in (or out) this period."""
    found = (i for i in range(1, 1000) if (holdout_draw(i, FUNNEL_ID, PERIOD) < share) == held)
    return [next(found) for _ in range(count)]


@pytest.fixture(scope="module")
def funnel_world(spark: Any) -> dict[str, Any]:
    """One subscriber dropped at each stage of strategy 'funnel' (outbound call only, holdout
    0.5, limit 2), plus the higher-priority strategy that wins the arbitration for one."""
    a, b, c, d, e, f, g = _ids(7, held=False)
    [h] = _ids(1, held=True)
    strategies = [
        w.strategy(
            FUNNEL_ID,
            allowed=("outbound_call",),
            holdout=0.5,
            limits={"outbound_call": 2},
            scripts={"outbound_call": "Aged {age_years}, fee {plan_monthly_fee} {{5G}}"},
        ),
        w.strategy(
            "upgrade", "age_years == 99", (("LA-5GUP-L", None),), ("internet",), priority=90
        ),
    ]
    contact_policy = w.policy(
        frequency_caps=[{"touchpoint": "outbound_call", "max": 1, "days": 7}],
        capacity={"outbound_call": {"seats": 1, "contacts_per_seat": 3}},
        quiet_hours={"outbound_call": {"from": "21:00", "to": "09:00"}},
    )
    tags = [
        w.tags_row(a),
        w.tags_row(h),
        w.tags_row(b, age_years=99),
        w.tags_row(c),
        *(w.tags_row(s, p_5g_upgrade=p) for s, p in ((d, 0.9), (e, 0.8), (f, 0.7), (g, 0.6))),
    ]
    consent = [
        w.consent_row(s, off=("outbound_call",) if s == a else ())
        for s in [r["subscriber_id"] for r in tags]
    ]
    history = [w.contact(c, "outbound_call", dt.date(2026, 10, 30))]
    match_inputs = w.inputs(spark, tags, consent=consent, history=history)
    match_plan = w.plan(strategies, contact_policy)
    found = candidates(match_inputs, match_plan, carry=("lifecycle_stage", "value_band"))
    return {
        "found": found,
        "plan": match_plan,
        "inputs": match_inputs,
        "ids": (a, b, c, d, e, f, g, h),
    }
