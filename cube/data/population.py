"""One chunk of subscribers: what the warehouse shows plus the hidden drivers behind it.

Hidden drivers (spending power, tastes, openness to marketing, interest by topic) shape
both the visible tables and the true propensities, which is why models trained on the
visible data can recover part of the truth and never all of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube.contract import INTERACTION_TOPICS
from cube.data.accounts import Accounts, draw_accounts
from cube.data.assortment import BRANDS, Assortment
from cube.data.households import HEAD, MEMBER, Households, assign_households, relative_ages
from cube.data.regions import Regions

OWN_SHARE = 0.40
RIVAL_A_SHARE = 0.55  # of other-network lines; the rest are rival_b
# Other-network lines: how often we know age/gender, the handset, when it was first seen.
OTHER_DEMOGRAPHICS_KNOWN = 0.15
OTHER_HANDSET_SEEN = 0.70
OTHER_PURCHASE_SEEN = 0.55
SUBSCRIBER_ID_BASE = 10_000_000_000
FAMILY_ID_BASE = 5_000_000_000
# Odd multiplier: index -> (index * M) mod 2**32 is a bijection, so ids look random but
# never collide for fewer than 2**32 subscribers.
_ID_MULTIPLIER = 2654435761
# Brand mix of low- and high-spending customers (BRANDS order).
_BRANDS_LOW = np.array([0.20, 0.08, 0.20, 0.17, 0.17, 0.10, 0.03, 0.05])
_BRANDS_HIGH = np.array([0.30, 0.35, 0.10, 0.07, 0.07, 0.04, 0.05, 0.02])
TOPIC = {topic: i for i, topic in enumerate(INTERACTION_TOPICS)}


@dataclass(frozen=True)
class Population:
    """Per-subscriber arrays of one chunk (position i = subscriber start + i)."""

    index: np.ndarray  # int64 global position
    subscriber_id: np.ndarray  # int64
    own: np.ndarray  # bool
    carrier: np.ndarray  # int8 index into CARRIERS
    grid: np.ndarray  # int32 index into Regions
    age: np.ndarray  # int32 true age
    age_known: np.ndarray
    female: np.ndarray
    gender_known: np.ndarray
    brand: np.ndarray  # int8 index into BRANDS
    handset_5g: np.ndarray
    handset_age_days: np.ndarray  # int32
    handset_seen: np.ndarray  # brand and 5G capability observed
    purchase_seen: np.ndarray  # purchase (first-seen) date observed
    openness: np.ndarray  # general responsiveness to marketing
    value: np.ndarray  # spending power
    video: np.ndarray  # taste for video, music, games; love of travel
    music: np.ndarray
    game: np.ndarray
    travel: np.ndarray
    interest: np.ndarray  # (n, topics): interest per INTERACTION_TOPICS
    store_affinity: np.ndarray  # how often the person walks into a store
    activity: np.ndarray  # expected app/store/web events in 30 days
    households: Households
    accounts: Accounts

    @property
    def n(self) -> int:
        return int(self.own.size)


def subscriber_ids(index: np.ndarray) -> np.ndarray:
    """Stable pseudonymous ids: a bijective scramble of the global position."""
    scrambled = (index.astype(np.uint64) * np.uint64(_ID_MULTIPLIER)) % np.uint64(2**32)
    return SUBSCRIBER_ID_BASE + scrambled.astype(np.int64)


def draw_population(
    rng: np.random.Generator,
    regions: Regions,
    assortment: Assortment,
    as_of_day: int,
    start: int,
    n: int,
) -> Population:
    """Draw subscribers start .. start+n-1: network, household, region, person, handset."""
    index = start + np.arange(n, dtype=np.int64)
    own = rng.random(n) < OWN_SHARE
    households = assign_households(rng, own)
    grid = regions.place(rng, n)[households.head]
    carrier = np.where(own, 0, np.where(rng.random(n) < RIVAL_A_SHARE, 1, 2)).astype(np.int8)
    age = _ages(rng, own, households)
    value = rng.normal(size=n)
    value = np.where(households.member, 0.6 * value[households.head] + 0.8 * value, value)
    video = rng.normal(size=n) - 0.03 * (age - 35)
    music = rng.normal(size=n) - 0.02 * (age - 35)
    game = rng.normal(size=n) - 0.04 * (age - 30)
    handset_age = np.clip(rng.gamma(2.0, 420.0, n), 15, 3300).astype(np.int32)
    p_5g = np.where(handset_age < 1100, 0.88, np.where(handset_age < 1800, 0.45, 0.04))
    handset_5g = rng.random(n) < np.clip(p_5g + 0.05 * value, 0.0, 1.0)
    handset_seen = own | (rng.random(n) < OTHER_HANDSET_SEEN)
    accounts = draw_accounts(
        rng, assortment, as_of_day, own, households, age, value, video, music, game, handset_5g
    )
    return Population(
        index=index,
        subscriber_id=subscriber_ids(index),
        own=own,
        carrier=carrier,
        grid=grid,
        age=age,
        age_known=own | (rng.random(n) < OTHER_DEMOGRAPHICS_KNOWN),
        female=rng.random(n) < 0.49,
        gender_known=own | (rng.random(n) < OTHER_DEMOGRAPHICS_KNOWN),
        brand=_brands(rng, value),
        handset_5g=handset_5g,
        handset_age_days=handset_age,
        handset_seen=handset_seen,
        purchase_seen=own | (handset_seen & (rng.random(n) < OTHER_PURCHASE_SEEN)),
        openness=rng.normal(0.0, 0.5, n),
        value=value,
        video=video,
        music=music,
        game=game,
        travel=rng.normal(size=n) + 0.3 * value,
        interest=_interests(
            rng, assortment, own, households, accounts, video, music, value, handset_5g, handset_age
        ),
        store_affinity=rng.normal(size=n) + 0.015 * (age - 40),
        activity=np.exp(rng.normal(np.log(np.where(own, 3.0, 5.5)), 0.9)),
        households=households,
        accounts=accounts,
    )


def _ages(rng: np.random.Generator, own: np.ndarray, households: Households) -> np.ndarray:
    """Adults for singles, heads and other-network lines; relatives around their head."""
    n = own.size
    adult = np.where(own, rng.normal(40, 13, n), rng.normal(34, 12, n))
    adult = np.clip(adult, np.where(households.role == HEAD, 22, 18), 85)
    age = np.round(adult).astype(np.int32)
    members = households.role == MEMBER
    age[members] = relative_ages(rng, age[households.head[members]])
    return age


def _brands(rng: np.random.Generator, value: np.ndarray) -> np.ndarray:
    """Handset brand: premium brands for the big spenders."""
    weight = 1.0 / (1.0 + np.exp(-1.2 * value))
    probs = (1.0 - weight)[:, None] * _BRANDS_LOW + weight[:, None] * _BRANDS_HIGH
    cumulative = np.cumsum(probs, axis=1)
    drawn = (rng.random(value.size)[:, None] >= cumulative[:, :-1]).sum(axis=1)
    assert len(BRANDS) == _BRANDS_LOW.size
    return drawn.astype(np.int8)


def _interests(
    rng: np.random.Generator,
    assortment: Assortment,
    own: np.ndarray,
    households: Households,
    accounts: Accounts,
    video: np.ndarray,
    music: np.ndarray,
    value: np.ndarray,
    handset_5g: np.ndarray,
    handset_age: np.ndarray,
) -> np.ndarray:
    """Interest per topic: what a person browses and asks about follows their situation."""
    n = own.size
    z = rng.normal(size=(n, len(INTERACTION_TOPICS)))
    plan_5g = assortment.plan_is_5g[np.maximum(accounts.plan, 0)]
    gap = own & handset_5g & ~plan_5g
    needs_broadband = own & households.in_family & ~accounts.household_broadband
    interest = np.empty_like(z)
    interest[:, TOPIC["5g"]] = z[:, 0] + own * (0.9 * gap + 0.3 * video)
    interest[:, TOPIC["broadband"]] = z[:, 1] + 0.8 * needs_broadband
    interest[:, TOPIC["handset"]] = z[:, 2] + 0.3 * handset_age / 365 + 0.4 * ~handset_5g
    interest[:, TOPIC["content"]] = 0.8 * z[:, 3] + 0.4 * video + 0.3 * music
    interest[:, TOPIC["finance"]] = z[:, 4]
    interest[:, TOPIC["benefits"]] = z[:, 5] + 0.3 * value
    interest[:, TOPIC["general"]] = 0.0
    return interest
