"""Monthly bills of own-network lines for the 6 full months before the snapshot's month.

ARPU is the plan fee (a family plan's members pay only the secondary-card fee), plus the
monthly value of products held that month (household products are billed to the head),
plus data overage; so it tracks plan, holdings and usage. Lines in arrears leave their
latest bills unpaid and the balance accumulates; no bill exists before activation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from cube.data.assortment import FAMILY_MEMBER_FEE, FAMILY_PLAN, Assortment
from cube.data.holdings import Holdings
from cube.data.households import MEMBER
from cube.data.population import Population

BILL_MONTHS = 6
OVERAGE_CNY_PER_GB = 3.0
OVERAGE_CAP_CNY = 150.0
LATE_PAYMENT_SHARE = 0.03
# How much of a decliner's drop shows in each bill, oldest first (the drop is recent).
_DECLINE_WEIGHT = np.array([0.0, 0.0, 0.0, 0.0, 0.15, 0.5])
_EPOCH = dt.date(1970, 1, 1)


def bill_months(as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """(first day, last day) of each billed month as days since epoch, oldest first."""
    starts, ends = [], []
    first_of_next = as_of.replace(day=1)
    for _ in range(BILL_MONTHS):
        last = first_of_next - dt.timedelta(days=1)
        first = last.replace(day=1)
        starts.append((first - _EPOCH).days)
        ends.append((last - _EPOCH).days)
        first_of_next = first
    return np.array(starts[::-1], np.int32), np.array(ends[::-1], np.int32)


def draw_billing(
    rng: np.random.Generator,
    pop: Population,
    held: Holdings,
    assortment: Assortment,
    as_of: dt.date,
) -> dict[str, np.ndarray]:
    """Bill rows (sub position, month start, arpu, arrears, paid_on_time) by line then month."""
    acc = pop.accounts
    starts, ends = bill_months(as_of)
    lines = np.flatnonzero(pop.own)
    plan = acc.plan[lines]
    family_member = (plan == assortment.plan(FAMILY_PLAN)) & (pop.households.role[lines] == MEMBER)
    fee = np.where(family_member, FAMILY_MEMBER_FEE, assortment.plan_fee[plan])

    addons = _addon_value(pop, held, assortment, starts, ends)[lines]
    factor = np.exp(-acc.decline[lines, None] * _DECLINE_WEIGHT)
    monthly_gb = acc.data_gb[lines, None] * factor * rng.lognormal(0.0, 0.2, (lines.size, 6))
    allowance = assortment.plan_data_gb[plan][:, None]
    overage = np.clip((monthly_gb - allowance) * OVERAGE_CNY_PER_GB, 0.0, OVERAGE_CAP_CNY)
    noise = rng.normal(0.0, 1.5, (lines.size, BILL_MONTHS))
    arpu = np.round(np.maximum(fee[:, None] + addons + overage + noise, 0.0), 2)

    exists = ends[None, :] >= acc.activation_day[lines, None]
    unpaid = np.arange(BILL_MONTHS)[None, :] >= BILL_MONTHS - acc.arrears_months[lines, None]
    unpaid &= exists
    arrears = np.round(np.cumsum(np.where(unpaid, arpu, 0.0), axis=1), 2) * unpaid
    late = rng.random((lines.size, BILL_MONTHS)) < LATE_PAYMENT_SHARE
    row, month = np.nonzero(exists)
    return {
        "sub": lines[row],
        "month_day": starts[month],
        "arpu": arpu[row, month],
        "arrears": arrears[row, month],
        "paid_on_time": ~(unpaid | late)[row, month],
    }


def _addon_value(
    pop: Population,
    held: Holdings,
    assortment: Assortment,
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:
    """(lines, months): monthly value of products held in each month, billed to the payer."""
    value = np.zeros((pop.n, BILL_MONTHS))
    payer = ~assortment.household[held.product] | (pop.households.role[held.sub] != MEMBER)
    life = assortment.held_days[held.product]
    for month in range(BILL_MONTHS):
        running = (held.start_day <= ends[month]) & (
            (life < 0) | (held.start_day + life > starts[month])
        )
        rows = running & payer
        np.add.at(value[:, month], held.sub[rows], assortment.monthly_value[held.product[rows]])
    return value
