"""A generated operator's world: fixed reference data plus one chunk of subscribers at a time.

`build_world` draws what is shared by every chunk (regions, campaign schedule) from the
seed; `chunk_tables` draws one chunk of subscribers and everything about them, from a
generator seeded by (seed, chunk index) alone, so chunks are independent and reproducible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from cube.contract import CONTACT_OUTCOMES, PRODUCT_CATEGORIES
from cube.data import tables
from cube.data.arrow import Column
from cube.data.assortment import (
    Assortment,
    build_assortment,
    exclusions_columns,
    plans_columns,
    products_columns,
)
from cube.data.billing import draw_billing
from cube.data.campaigns import Campaigns, plan_campaigns
from cube.data.consent import draw_consent
from cube.data.contacts import draw_contacts
from cube.data.features import truth_features
from cube.data.holdings import initial_holdings, with_accepted
from cube.data.interactions import draw_interactions
from cube.data.population import Population, draw_population
from cube.data.regions import Regions, build_regions
from cube.data.truth import TruthParams, base_logits, logit_column
from cube.data.usage import draw_usage

# Spawn key of the stream shared by all chunks; chunk streams use entropy [seed, chunk].
WORLD_STREAM = 0
_EPOCH = dt.date(1970, 1, 1)
ACCEPTED = CONTACT_OUTCOMES.index("accepted")
OPTED_OUT = CONTACT_OUTCOMES.index("opted_out")

Tables = dict[str, dict[str, Column]]


@dataclass(frozen=True)
class World:
    """What every chunk shares."""

    seed: int
    as_of: dt.date
    params: TruthParams
    regions: Regions
    assortment: Assortment
    campaigns: Campaigns

    @property
    def as_of_day(self) -> int:
        return (self.as_of - _EPOCH).days


def build_world(seed: int, as_of: dt.date, params: TruthParams) -> World:
    """Regions and the campaign schedule, drawn once from the seed's world stream."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(WORLD_STREAM,)))
    regions = build_regions(rng)
    campaigns = plan_campaigns(rng, (as_of - _EPOCH).days)
    return World(seed, as_of, params, regions, build_assortment(), campaigns)


def dimension_tables(world: World) -> Tables:
    """The reference tables: regions, plans, products, exclusions."""
    return {
        "regions": world.regions.columns(),
        "plans": plans_columns(),
        "products": products_columns(),
        "product_exclusions": exclusions_columns(),
    }


class Chunk(NamedTuple):
    """One chunk's contract tables, true logits, and count of own-network lines."""

    raw: Tables
    propensity: dict[str, Column]
    own: int


def chunk_tables(world: World, chunk: int, start: int, n: int) -> Chunk:
    """Every per-subscriber table for subscribers start .. start+n-1, and their true logits."""
    rng = np.random.default_rng(np.random.SeedSequence([world.seed, chunk]))
    day, assortment, campaigns = world.as_of_day, world.assortment, world.campaigns
    pop = draw_population(rng, world.regions, assortment, day, start, n)
    features = truth_features(pop, assortment, day)
    logits = _true_logits(rng, pop, features, world.params)
    held = initial_holdings(rng, pop, assortment, day)
    consent = draw_consent(rng, pop, day)
    contacts = draw_contacts(
        rng, pop, features, logits, campaigns, assortment,
        held.family_mask(n, assortment), consent, world.params,
    )  # fmt: skip
    # Other-network acceptances are port-in leads: the line joins us only after the port
    # completes, outside this snapshot, so they create no holdings.
    accepted = contacts.take((contacts.outcome == ACCEPTED) & pop.own[contacts.sub])
    held = with_accepted(
        held, accepted.sub, campaigns.product[accepted.campaign], accepted.day,
        pop, assortment, day,
    )  # fmt: skip
    opted = contacts.take(contacts.outcome == OPTED_OUT)
    consent = consent.opted_out(opted.sub, campaigns.touchpoint[opted.campaign], opted.day)
    broadband_bit = np.int64(1) << np.int64(assortment.families.index("broadband"))
    has_broadband = (held.family_mask(n, assortment) & broadband_bit) != 0
    usage = draw_usage(rng, pop, day)
    bills = draw_billing(rng, pop, held, assortment, world.as_of)
    interactions = draw_interactions(rng, pop, day)
    raw = {
        "subscribers": tables.subscribers(pop, world.regions, assortment, has_broadband, day),
        "usage_daily": tables.usage_daily(pop, usage),
        "billing_monthly": tables.billing_monthly(pop, bills),
        "holdings": tables.holdings(pop, held, assortment),
        "consent": tables.consent(pop, consent),
        "contact_history": tables.contact_history(pop, contacts, campaigns, assortment, chunk),
        "interactions": tables.interactions(pop, interactions),
    }
    propensity = {"subscriber_id": pop.subscriber_id}
    for i, category in enumerate(PRODUCT_CATEGORIES):
        propensity[logit_column(category)] = logits[:, i]
    return Chunk(raw, propensity, int(pop.own.sum()))


def _true_logits(
    rng: np.random.Generator,
    pop: Population,
    features: dict[str, np.ndarray],
    params: TruthParams,
) -> np.ndarray:
    """(lines, categories) float32: the linear part plus individual noise per category.

    Stored as float32 and used as stored, so outcomes drawn here and by later simulators
    start from exactly the same numbers.
    """
    linear = base_logits(features, pop.own, params)
    noisy = [linear[c] + rng.normal(0.0, params.noise_sd[c], pop.n) for c in PRODUCT_CATEGORIES]
    return np.stack(noisy, axis=1).astype(np.float32)
