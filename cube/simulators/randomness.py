"""Deterministic draws keyed by names, not by call order.

A simulator asks "what does subscriber 42 answer to order X on attempt 1?" and must get
the same answer in every run with the same seed, whatever order processes, HTTP replies
and retries arrive in. So every draw seeds its own generator from a hash of the seed and
the names of what is drawn, instead of sharing one stream.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _seed_of(seed: int, parts: tuple[object, ...]) -> int:
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def rng(seed: int, *parts: object) -> np.random.Generator:
    """A generator owned by (seed, parts): the same parts give the same stream."""
    return np.random.default_rng(_seed_of(seed, parts))


def uniform(seed: int, *parts: object) -> float:
    """One uniform draw in [0, 1) owned by (seed, parts)."""
    return _seed_of(seed, parts) / 2.0**64
