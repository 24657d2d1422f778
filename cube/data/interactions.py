"""App, store and web interactions by topic over the last 30 days, both networks.

A line's events follow its interests (`Population.interest`): someone eyeing a 5G phone
reads about 5G and handsets, a family without broadband asks about broadband. For
other-network subscribers this is the main thing we see, and they are observed more (store
walk-ins, web) than through our app. Events are aggregated per line, day, channel, topic.
"""

from __future__ import annotations

import numpy as np

from cube.contract import INTERACTION_CHANNELS, INTERACTION_TOPICS
from cube.data.population import Population

INTERACTION_DAYS = 30
# Base frequency of each topic (INTERACTION_TOPICS order) before personal interest.
TOPIC_BASE = np.array([1.0, 0.6, 0.8, 1.2, 0.4, 0.8, 2.0])
INTEREST_WEIGHT = 0.8
# A visit is a session of several events: extra events per drawn one.
SESSION_EXTRA_EVENTS = 0.7
# Channel mix (INTERACTION_CHANNELS order: app, store, web) per network.
CHANNELS_OWN = np.array([0.60, 0.12, 0.28])
CHANNELS_OTHER = np.array([0.25, 0.30, 0.45])


def draw_interactions(
    rng: np.random.Generator, pop: Population, as_of_day: int
) -> dict[str, np.ndarray]:
    """Interaction rows (sub position, day, channel, topic, events) sorted by that key."""
    events = rng.poisson(pop.activity)
    sub = np.repeat(np.arange(pop.n, dtype=np.int64), events)
    topic_weight = TOPIC_BASE * np.exp(INTEREST_WEIGHT * pop.interest)
    topic = _categorical(rng, topic_weight, sub)
    store = np.exp(0.6 * pop.store_affinity)
    channel_weight = np.where(pop.own[:, None], CHANNELS_OWN, CHANNELS_OTHER)
    channel_weight = channel_weight * np.stack([np.ones(pop.n), store, np.ones(pop.n)], axis=1)
    channel = _categorical(rng, channel_weight, sub)
    offset = rng.integers(0, INTERACTION_DAYS, sub.size)

    topics, channels = len(INTERACTION_TOPICS), len(INTERACTION_CHANNELS)
    key = ((sub * INTERACTION_DAYS + offset) * channels + channel) * topics + topic
    key, count = np.unique(key, return_counts=True)
    topic, key = key % topics, key // topics
    channel, key = key % channels, key // channels
    offset, sub = key % INTERACTION_DAYS, key // INTERACTION_DAYS
    return {
        "sub": sub,
        "day": as_of_day - (INTERACTION_DAYS - 1) + offset,
        "channel": channel,
        "topic": topic,
        "events": (count + rng.poisson(SESSION_EXTRA_EVENTS * count)).astype(np.int32),
    }


def _categorical(rng: np.random.Generator, weights: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """One draw per event from its line's row of `weights` (lines x options)."""
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(sub.size)[:, None]
    return (u >= cumulative[sub, :-1]).sum(axis=1).astype(np.int64)
