"""The contact history: who earlier campaigns reached, when, and how they answered.

Campaigns targeted roughly (simple rules over what the operator could see), contacted
only consenting, active, eligible lines, and recorded outcomes the hidden truth decided
(`cube.data.truth.draw_outcomes`). Two rules keep the history coherent: after accepting a
product nobody is offered its family again (they hold it now), and after opting out of a
touchpoint nobody is contacted through it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube.contract import CONTACT_OUTCOMES, PRODUCT_CATEGORIES, TOUCHPOINTS
from cube.data.assortment import Assortment
from cube.data.campaigns import Campaigns
from cube.data.consent import Consent
from cube.data.population import Population
from cube.data.truth import TruthParams, draw_outcomes

# Candidate contacts per line over the history, before targeting and eligibility.
CANDIDATES_OWN, CANDIDATES_OTHER = 13.0, 5.0
# Local contact hours [from, to) per touchpoint; the province is at UTC+8.
CONTACT_HOURS = {"outbound_call": (9, 20), "store_popup": (9, 21), "internet": (7, 24),
                 "sms": (9, 21)}  # fmt: skip
UTC_OFFSET_HOURS = 8
DAY_MICROS = 86_400_000_000
ACCEPTED = CONTACT_OUTCOMES.index("accepted")
OPTED_OUT = CONTACT_OUTCOMES.index("opted_out")
_REQUIREMENT = {"all": 0, "non_5g_plan": 1, "broadband_household": 2}


@dataclass(frozen=True)
class Contacts:
    """Contact rows of one chunk, sorted by line then time."""

    sub: np.ndarray  # int64 chunk position
    campaign: np.ndarray  # int16 index into Campaigns
    micros: np.ndarray  # int64 UTC microseconds since the epoch
    outcome: np.ndarray  # int8 index into CONTACT_OUTCOMES

    @property
    def day(self) -> np.ndarray:
        """UTC day (days since epoch) of each contact."""
        return (self.micros // DAY_MICROS).astype(np.int32)

    def take(self, keep: np.ndarray) -> Contacts:
        return Contacts(self.sub[keep], self.campaign[keep], self.micros[keep], self.outcome[keep])


def draw_contacts(
    rng: np.random.Generator,
    pop: Population,
    features: dict[str, np.ndarray],
    logits: np.ndarray,
    campaigns: Campaigns,
    assortment: Assortment,
    held_families: np.ndarray,
    consent: Consent,
    params: TruthParams,
) -> Contacts:
    """Contacts of every campaign to this chunk's lines, outcomes drawn from the truth.

    `logits` is (lines, categories) of true base logits; `held_families` the bitmask of
    product families each line held before the history.
    """
    sub, campaign = _candidates(rng, pop, campaigns)
    product = campaigns.product[campaign]
    touchpoint = campaigns.touchpoint[campaign]
    category = assortment.category[product]
    chance = _targeting(features, pop.own)[sub, category] * _presence(pop, touchpoint, sub)
    keep = rng.random(sub.size) < chance
    keep &= _eligible(pop, assortment, held_families, consent, sub, product, touchpoint)
    sub, campaign = _unique_pairs(sub[keep], campaign[keep])
    micros = _timestamps(rng, campaigns, campaign)
    started = ~pop.own[sub] | (micros // DAY_MICROS >= pop.accounts.activation_day[sub])
    sub, campaign, micros = sub[started], campaign[started], micros[started]
    category = assortment.category[campaigns.product[campaign]]
    outcome = draw_outcomes(
        rng, logits[sub, category], category, campaigns.touchpoint[campaign], params
    )
    contacts = Contacts(sub, campaign, micros, outcome)
    contacts = _drop_after_acceptance(contacts, campaigns, assortment, pop)
    contacts = _drop_after_opt_out(contacts, campaigns)
    return contacts.take(np.lexsort((contacts.micros, contacts.sub)))


def _candidates(
    rng: np.random.Generator, pop: Population, campaigns: Campaigns
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate (line, campaign) pairs: campaigns of the line's network, by volume."""
    counts = rng.poisson(np.where(pop.own, CANDIDATES_OWN, CANDIDATES_OTHER))
    sub = np.repeat(np.arange(pop.n, dtype=np.int64), counts)
    u = rng.random(sub.size)
    campaign = np.empty(sub.size, np.int16)
    own_rows = pop.own[sub]
    for own, rows in ((True, own_rows), (False, ~own_rows)):
        ids = np.flatnonzero(campaigns.own == own)
        cumulative = np.cumsum(campaigns.weight[ids])
        chosen = np.searchsorted(cumulative / cumulative[-1], u[rows], side="right")
        campaign[rows] = ids[np.minimum(chosen, ids.size - 1)]
    return sub, campaign


def _targeting(features: dict[str, np.ndarray], own: np.ndarray) -> np.ndarray:
    """(lines, categories): chance a campaign of the category picked the line.

    The operator's old rules: each category favoured the lines a simple rule flagged.
    """
    f = features
    rules = {
        "light_addon": (f["overage"] > 0.2) | (f["five_g_gap"] > 0),
        "finance": (f["handset_age"] > 1.0) & (f["arrears"] == 0),
        "terminal": (f["handset_age"] > 1.5) | (f["handset_not_5g"] > 0),
        "home_broadband": f["family_no_broadband"] > 0,
        "content": f["video_share"] > 0.67,
        "scenario": f["young"] > 0,
        "retention": (f["contract_ending"] > 0) | (f["usage_decline"] > 0),
        "membership": f["value"] > 0,
    }
    interested = (f["interest_5g"] > 0.5) | (f["interest_broadband"] > 0.5)
    flagged = np.stack([np.where(own, rules[c], interested) for c in PRODUCT_CATEGORIES], 1)
    return (0.3 + 0.7 * flagged).astype(np.float32)


def _presence(pop: Population, touchpoint: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Chance the line could be met on the touchpoint: store pop-ups need a store visit,
    internet banners an app or web user; calls and SMS reach every number."""
    store = 1.0 / (1.0 + np.exp(0.5 - pop.store_affinity[sub]))
    online = np.clip(pop.activity[sub] / 4.0, 0.1, 1.0)
    presence = np.ones(sub.size)
    presence = np.where(touchpoint == TOUCHPOINTS.index("store_popup"), store, presence)
    return np.where(touchpoint == TOUCHPOINTS.index("internet"), online, presence)


def _eligible(
    pop: Population,
    assortment: Assortment,
    held_families: np.ndarray,
    consent: Consent,
    sub: np.ndarray,
    product: np.ndarray,
    touchpoint: np.ndarray,
) -> np.ndarray:
    """Consent on the touchpoint, not do-not-disturb, active, product family not held,
    and the product's own requirement (a 4G plan for 5G upgrades, broadband for FTTR)."""
    acc = pop.accounts
    allowed = consent.flags[sub, touchpoint] & ~consent.do_not_disturb[sub]
    allowed &= ~acc.suspended[sub]
    bit = np.left_shift(np.int64(1), assortment.family[product].astype(np.int64))
    allowed &= (held_families[sub] & bit) == 0
    requirement = np.array([_REQUIREMENT[e] for e in assortment.eligibility])[product]
    plan_5g = assortment.plan_is_5g[np.maximum(acc.plan, 0)][sub]
    allowed &= (requirement != 1) | ~plan_5g
    allowed &= (requirement != 2) | acc.household_broadband[sub]
    return allowed


def _unique_pairs(sub: np.ndarray, campaign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A campaign contacts a line at most once."""
    key = np.sort(sub * 1024 + campaign.astype(np.int64))
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // 1024, (key % 1024).astype(np.int16)


def _timestamps(rng: np.random.Generator, campaigns: Campaigns, campaign: np.ndarray) -> np.ndarray:
    """A day within the campaign window and a local time within the touchpoint's hours."""
    start, end = campaigns.start_day[campaign], campaigns.end_day[campaign]
    day = start + np.floor(rng.random(campaign.size) * (end - start + 1)).astype(np.int64)
    hours = np.array([CONTACT_HOURS[t] for t in TOUCHPOINTS], np.float64)
    window = hours[campaigns.touchpoint[campaign]]
    local = window[:, 0] * 3600 + rng.random(campaign.size) * (window[:, 1] - window[:, 0]) * 3600
    seconds = day * 86_400 + np.floor(local).astype(np.int64) - UTC_OFFSET_HOURS * 3600
    return seconds * 1_000_000


def _drop_after(contacts: Contacts, group: np.ndarray, flag: np.ndarray) -> Contacts:
    """Drop contacts that come after a flagged contact of the same group."""
    order = np.lexsort((contacts.micros, group))
    g, f = group[order], flag[order].astype(np.int64)
    before = np.cumsum(f) - f
    first = np.ones(g.size, bool)
    first[1:] = g[1:] != g[:-1]
    base = before[first][np.cumsum(first) - 1]
    keep = np.empty(g.size, bool)
    keep[order] = before - base == 0
    return contacts.take(keep)


def _drop_after_acceptance(
    contacts: Contacts, campaigns: Campaigns, assortment: Assortment, pop: Population
) -> Contacts:
    """No offers of a family after the line (household, for household products) took one."""
    product = campaigns.product[contacts.campaign]
    owner = np.where(assortment.household[product], pop.households.head[contacts.sub], contacts.sub)
    group = owner * 64 + assortment.family[product].astype(np.int64)
    return _drop_after(contacts, group, contacts.outcome == ACCEPTED)


def _drop_after_opt_out(contacts: Contacts, campaigns: Campaigns) -> Contacts:
    """No contacts through a touchpoint after the line opted out of it."""
    group = contacts.sub * len(TOUCHPOINTS) + campaigns.touchpoint[contacts.campaign]
    return _drop_after(contacts, group, contacts.outcome == OPTED_OUT)
