"""Products held: drawn from each line's situation, then extended by accepted offers.

Coherence rules the tables keep: a line never holds two products of one exclusive family
(the pairs in product_exclusions); household products (home broadband and its extras) are
held by every line of the household, so `has_broadband` and a broadband holding always
agree; a product with a limited life is held only while it lasts; nothing starts before
the line was activated. Other-network lines hold nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube.data.assortment import Assortment
from cube.data.households import HEAD, MEMBER
from cube.data.population import Population

MAX_HOLDING_YEARS = 6
RULE_DRAWS = 21


@dataclass(frozen=True)
class Holdings:
    """Holding rows of one chunk: line position, product index, start day."""

    sub: np.ndarray  # int64
    product: np.ndarray  # int16
    start_day: np.ndarray  # int32

    def __len__(self) -> int:
        return int(self.sub.size)

    def family_mask(self, n: int, assortment: Assortment) -> np.ndarray:
        """Per line, a bitmask of the product families it holds (bit = family index)."""
        mask = np.zeros(n, np.int64)
        bits = np.left_shift(np.int64(1), assortment.family[self.product].astype(np.int64))
        np.bitwise_or.at(mask, self.sub, bits)
        return mask

    def sorted(self) -> Holdings:
        order = np.lexsort((self.product, self.sub))
        return Holdings(self.sub[order], self.product[order], self.start_day[order])


def _concat(parts: list[Holdings]) -> Holdings:
    return Holdings(
        np.concatenate([p.sub for p in parts]).astype(np.int64),
        np.concatenate([p.product for p in parts]).astype(np.int16),
        np.concatenate([p.start_day for p in parts]).astype(np.int32),
    )


def initial_holdings(
    rng: np.random.Generator, pop: Population, assortment: Assortment, as_of_day: int
) -> Holdings:
    """What lines held before the contact history began, from their situation."""
    acc, own, n = pop.accounts, pop.own, pop.n
    u = rng.random((RULE_DRAWS, n))  # one uniform per rule and line, drawn in a fixed order
    pid = assortment.product
    plan_5g = assortment.plan_is_5g[np.maximum(acc.plan, 0)]
    handset_days = pop.handset_age_days
    rules: list[tuple[np.ndarray, np.ndarray | int, np.ndarray | None]] = []

    def rule(mask: np.ndarray, product: np.ndarray | int, start: np.ndarray | None = None) -> None:
        rules.append((own & mask, product, start))

    head = pop.households.role != MEMBER  # heads and singles own household products
    broadband = acc.household_broadband & head
    gig = u[0] < 0.6 / (1.0 + np.exp(0.5 - pop.value))
    rule(broadband, np.where(gig, pid("HB-1000M"), pid("HB-300M")))
    rule(broadband & (u[1] < 0.12 * np.exp(0.3 * pop.value)), pid("HB-FTTR"))
    upgrade = pop.handset_5g & ~plan_5g & (u[2] < 0.12)
    rule(upgrade, np.where(u[12] < 0.7, pid("LA-5GUP-S"), pid("LA-5GUP-L")))
    rule((acc.voice_daily > 15) & (u[4] < 0.25), pid("LA-VOICE300"))
    heavy = acc.data_gb > 1.2 * assortment.plan_data_gb[np.maximum(acc.plan, 0)]
    rule(heavy & (u[5] < 0.08), np.where(u[13] < 0.6, pid("LA-DATA10G"), pid("LA-DATA30G")))
    bought = as_of_day - handset_days
    instal12 = (handset_days < 365) & (u[6] < 0.25)
    rule(instal12, pid("FI-INSTAL12"), bought)
    rule(~instal12 & (handset_days < 730) & (u[15] < 0.2), pid("FI-INSTAL24"), bought)
    rule((acc.arrears_months == 0) & (u[7] < 0.04), pid("FI-CREDIT"))
    flagship = (pop.value > 0.5) & np.isin(pop.brand, [0, 1, 6])
    deal = pop.handset_5g & (handset_days < 730) & (u[8] < 0.2)
    rule(deal, np.where(flagship, pid("TE-5G-FLAG"), pid("TE-5G-MID")), bought)
    video = u[9] < 1.0 / (1.0 + np.exp(2.2 - 1.2 * pop.video))
    rule(video, np.where(u[14] < 0.25, pid("CO-VIDEO-PRO"), pid("CO-VIDEO")))
    rule(u[10] < 1.0 / (1.0 + np.exp(2.8 - pop.music)), pid("CO-MUSIC"))
    rule(u[11] < 1.0 / (1.0 + np.exp(2.8 - pop.game)), pid("CO-GAME"))
    tenure_days = as_of_day - acc.activation_day
    loyal = (tenure_days > 5 * 365) & (u[16] < 0.05)
    rule(loyal, pid("RE-LOYALTY"))
    rule(~loyal & (acc.contract_end_day >= 0) & (u[17] < 0.04), pid("RE-RENEW"))
    family_club = (pop.households.role == HEAD) & (u[18] < 0.1)
    rule(family_club, pid("ME-FAMILY"))
    rule(~family_club & (u[19] < 0.04 + 0.04 * (pop.value > 0.5)), pid("ME-PLUS"))
    rule((pop.value > 0) & (pop.age >= 25) & (pop.age <= 60) & (u[20] < 0.05), pid("ME-CAR"))

    parts = [_rule_rows(rng, pop, assortment, as_of_day, *r) for r in rules]
    return _household_wide(_live(_concat(parts), assortment, as_of_day), pop, assortment)


def _rule_rows(
    rng: np.random.Generator,
    pop: Population,
    assortment: Assortment,
    as_of_day: int,
    mask: np.ndarray,
    product: np.ndarray | int,
    start: np.ndarray | None,
) -> Holdings:
    """Rows for the lines a rule selects; start days drawn within the product's life."""
    sub = np.flatnonzero(mask)
    products = np.broadcast_to(product, mask.shape)[sub].astype(np.int16)
    activation = pop.accounts.activation_day[sub]
    if start is None:
        life = assortment.held_days[products]
        span = np.where(life > 0, life, MAX_HOLDING_YEARS * 365)
        span = np.minimum(span, np.maximum(as_of_day - activation, 1))
        first = as_of_day - np.floor(rng.random(sub.size) * span).astype(np.int32)
    else:
        first = start[sub]
    return Holdings(sub, products, np.maximum(first, activation).astype(np.int32))


def _live(held: Holdings, assortment: Assortment, as_of_day: int) -> Holdings:
    """Only holdings still running on the snapshot date."""
    life = assortment.held_days[held.product]
    keep = (life < 0) | (held.start_day + life > as_of_day)
    return Holdings(held.sub[keep], held.product[keep], held.start_day[keep])


def _household_wide(held: Holdings, pop: Population, assortment: Assortment) -> Holdings:
    """Copy household products from each household's holder to all its lines (from the
    later of the household's start and the line's activation)."""
    households = pop.households
    shared = assortment.household[held.product]
    owner = households.head[held.sub[shared]]
    order = np.argsort(households.head, kind="stable")
    sorted_heads = households.head[order]
    lo = np.searchsorted(sorted_heads, owner, side="left")
    count = np.searchsorted(sorted_heads, owner, side="right") - lo
    row = np.repeat(np.arange(owner.size), count)
    within = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
    members = order[lo[row] + within]
    start = np.maximum(held.start_day[shared][row], pop.accounts.activation_day[members])
    copies = Holdings(members, held.product[shared][row], start)
    private = Holdings(held.sub[~shared], held.product[~shared], held.start_day[~shared])
    return _first_per_group(_concat([private, copies]), assortment)


def _first_per_group(held: Holdings, assortment: Assortment) -> Holdings:
    """One holding per line and exclusive family (or product): the earliest started."""
    families = len(assortment.families)
    group = np.where(
        assortment.exclusive[held.product],
        assortment.family[held.product].astype(np.int64),
        families + held.product.astype(np.int64),
    )
    order = np.lexsort((held.product, held.start_day, group, held.sub))
    sub, group = held.sub[order], group[order]
    first = np.ones(sub.size, bool)
    first[1:] = (sub[1:] != sub[:-1]) | (group[1:] != group[:-1])
    keep = order[first]
    return Holdings(held.sub[keep], held.product[keep], held.start_day[keep]).sorted()


def with_accepted(
    held: Holdings,
    sub: np.ndarray,
    product: np.ndarray,
    day: np.ndarray,
    pop: Population,
    assortment: Assortment,
    as_of_day: int,
) -> Holdings:
    """Add products taken in accepted contacts (those still running), household-wide."""
    taken = Holdings(sub, product.astype(np.int16), day.astype(np.int32))
    taken = _live(taken, assortment, as_of_day)
    return _household_wide(_concat([held, taken]), pop, assortment)
